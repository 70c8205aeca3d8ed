/** Otto's voice through the browser's speech synthesis, where there is one (headless browsers have none). */
export function speak(text: string, rate = 1): void {
  const synth = (globalThis as { speechSynthesis?: SpeechSynthesis }).speechSynthesis;
  if (!synth || typeof SpeechSynthesisUtterance === "undefined") return;
  synth.cancel();
  const u = new SpeechSynthesisUtterance(text);
  u.rate = rate;
  u.pitch = 1.05;
  synth.speak(u);
}
