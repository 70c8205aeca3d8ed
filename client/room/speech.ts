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

// -- Otto hears (issue 12) -------------------------------------------------------------------------

/** The slice of the Web Speech API's recognizer this page uses (browsers name it with or without `webkit`). */
interface Recognizer extends EventTarget {
  lang: string;
  continuous: boolean;
  interimResults: boolean;
  processLocally?: boolean;
  start(): void;
  stop(): void;
  onresult:
    | ((e: {
        resultIndex: number;
        results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }>;
      }) => void)
    | null;
  onerror: ((e: { error: string }) => void) | null;
  onend: (() => void) | null;
}
type RecognizerClass = new () => Recognizer;

/**
 * The browser's speech recognizer, only where it runs on the device: the clinic is offline, and a
 * recognizer that sends the patient's voice to another host must not be used. Chromium's
 * `processLocally` (on-device recognition) marks one that can; without it, typing is the way.
 */
function localRecognizer(): RecognizerClass | null {
  const g = globalThis as { SpeechRecognition?: RecognizerClass; webkitSpeechRecognition?: RecognizerClass };
  const ctor = g.SpeechRecognition ?? g.webkitSpeechRecognition ?? null;
  if (!ctor || !("processLocally" in ctor.prototype)) return null;
  return ctor;
}

/** Whether this browser can listen on the device. */
export function canListen(): boolean {
  return localRecognizer() !== null;
}

/**
 * Listens until `stop()`: each final phrase goes to `onPhrase`. Restarts itself after the
 * recognizer's own pauses, so "stop" is heard whenever the patient says it while listening is on.
 * `onUnavailable` says why it cannot listen (no on-device language pack, no microphone).
 */
export class Listener {
  private recognizer: Recognizer | null = null;
  private on = false;

  constructor(
    private readonly onPhrase: (text: string) => void,
    private readonly onUnavailable: (why: string) => void,
    private readonly lang = navigator.language || "en-GB",
  ) {}

  get listening(): boolean {
    return this.on;
  }

  start(): boolean {
    const Ctor = localRecognizer();
    if (!Ctor || this.on) return this.on;
    const r = new Ctor();
    r.lang = this.lang;
    r.continuous = true;
    r.interimResults = false;
    r.processLocally = true;
    r.onresult = (e) => {
      for (let i = e.resultIndex; i < e.results.length; i++) {
        const result = e.results[i]!;
        const text = result[0]?.transcript.trim() ?? "";
        if (result.isFinal && text.length > 0) this.onPhrase(text);
      }
    };
    r.onerror = (e) => {
      if (e.error === "no-speech" || e.error === "aborted") return;
      this.stop();
      this.onUnavailable(
        e.error === "not-allowed" || e.error === "audio-capture"
          ? "The microphone is not available: type to Otto instead."
          : "Speech is not available on this device: type to Otto instead.",
      );
    };
    r.onend = () => {
      if (this.on) r.start();
    };
    this.recognizer = r;
    this.on = true;
    r.start();
    return true;
  }

  stop(): void {
    this.on = false;
    this.recognizer?.stop();
    this.recognizer = null;
  }
}
