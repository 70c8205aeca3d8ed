/**
 * Otto's caption strip: what Otto says, who it is addressed to, and a Mute toggle for the voice.
 * Speech uses window.speechSynthesis when the browser has it (headless Chromium may not).
 */
import type { OttoUtterance } from "../../shared/otto.ts";
import type { OttoView } from "../../shared/protocol.ts";
import { h, icon, setAttr, setText } from "./dom.ts";

const KIND_WORD: Readonly<Record<OttoUtterance["kind"], string>> = {
  narration: "explains",
  answer: "answers",
  empathy: "reassures",
  humour: "jokes",
  prompt: "asks",
};

export class Captions {
  readonly root: HTMLElement;
  private readonly text: HTMLElement;
  private readonly meta: HTMLElement;
  private readonly mute: HTMLButtonElement;
  private muted = false;
  private last: OttoUtterance | null = null;
  private lastKey = "";
  private first = true;
  private caption: string | null = null;

  constructor(
    private readonly nameOf: (id: string) => string,
    private readonly speechEnabled: boolean,
  ) {
    this.meta = h("span", { class: "cp-caption-meta" }, "Otto");
    this.text = h(
      "p",
      { class: "cp-caption-text", "data-testid": "otto-caption", "aria-live": "polite" },
      "Otto has not spoken yet.",
    );
    this.mute = h(
      "button",
      {
        type: "button",
        class: "cp-btn cp-btn-sm cp-btn-ghost cp-mute",
        "data-testid": "otto-mute",
        "aria-pressed": "false",
      },
      icon("speaker"),
      "Voice on",
    );
    this.mute.addEventListener("click", () => this.setMuted(!this.muted));
    if (!this.canSpeak()) {
      this.mute.disabled = true;
      setAttr(this.mute, "title", "This browser cannot speak; captions only");
    }
    this.root = h(
      "section",
      { class: "cp-captions", "data-testid": "otto-captions", "aria-label": "Otto captions" },
      h("span", { class: "cp-avatar cp-avatar-otto", "aria-hidden": "true" }, "AI"),
      h("div", { class: "cp-caption-body" }, this.meta, this.text),
      this.mute,
    );
  }

  /** Shows the latest utterance; speaks it when it is new (not the one already there on join). */
  update(otto: OttoView, sameView: boolean): void {
    const u = otto.lastUtterance;
    setAttr(this.root, "data-otto-state", otto.state);
    if (u === null) return;
    const key = `${u.kind}|${u.addressee ?? ""}|${u.text}`;
    // A new object in the same, event-updated view is a new utterance even with the same words;
    // a fresh snapshot (resync) repeats the last one, which must not be spoken again.
    const isNew = u !== this.last && (sameView || key !== this.lastKey);
    this.last = u;
    this.lastKey = key;
    if (!isNew) return;
    this.caption = u.text;
    setText(
      this.meta,
      `Otto ${KIND_WORD[u.kind]}${u.addressee !== undefined ? ` · to ${this.nameOf(u.addressee)}` : ""}`,
    );
    setText(this.text, u.text);
    setAttr(this.root, "data-kind", u.kind);
    if (!this.first) this.speak(u);
  }

  /** First view done: later utterances are spoken. Called by the panel after the first onView. */
  markJoined(): void {
    this.first = false;
  }

  get current(): string | null {
    return this.caption;
  }

  setMuted(muted: boolean): void {
    this.muted = muted;
    setAttr(this.mute, "aria-pressed", muted ? "true" : "false");
    this.mute.replaceChildren(icon(muted ? "speakerOff" : "speaker"), muted ? "Voice muted" : "Voice on");
    if (muted && this.canSpeak()) window.speechSynthesis.cancel();
  }

  dispose(): void {
    if (this.canSpeak()) window.speechSynthesis.cancel();
  }

  private canSpeak(): boolean {
    return (
      this.speechEnabled &&
      typeof window !== "undefined" &&
      "speechSynthesis" in window &&
      typeof SpeechSynthesisUtterance !== "undefined"
    );
  }

  private speak(u: OttoUtterance): void {
    if (this.muted || !this.canSpeak()) return;
    const utterance = new SpeechSynthesisUtterance(u.text);
    const rate = (u as OttoUtterance & { rate?: unknown }).rate;
    if (typeof rate === "number" && Number.isFinite(rate)) utterance.rate = Math.min(2, Math.max(0.5, rate));
    window.speechSynthesis.cancel();
    window.speechSynthesis.speak(utterance);
  }
}
