/**
 * The small voice strip every voice page shows: my microphone's mute, and each other person with a
 * speaking dot and a "Mute for me" switch (per-person mute, this listener only). Large targets,
 * plain words; it sits at the top left, away from the patient's STOP.
 */
import type { VoicePeer } from "../../shared/voice.ts";
import "./voice.css";

export type VoiceCorner = "top-left" | "top-right" | "bottom-left";

export interface VoiceBarActions {
  toggleMute(): void;
  silence(memberId: string, silenced: boolean): void;
}

export class VoiceBar {
  readonly element: HTMLElement;
  private readonly mute: HTMLButtonElement;
  private readonly list: HTMLUListElement;
  private readonly status: HTMLElement;
  private readonly silenced = new Set<string>();

  /** `corner`: where the strip sits, clear of the page's own controls (the patient's STOP, the desk's status). */
  constructor(
    private readonly actions: VoiceBarActions,
    corner: VoiceCorner = "top-left",
  ) {
    this.element = document.createElement("section");
    this.element.className = `voice-bar ${corner}`;
    this.element.dataset.testid = "voice-bar";
    this.element.setAttribute("aria-label", "Voice");
    this.mute = document.createElement("button");
    this.mute.type = "button";
    this.mute.className = "voice-mute";
    this.mute.dataset.testid = "voice-mute";
    this.mute.addEventListener("click", () => this.actions.toggleMute());
    this.status = document.createElement("span");
    this.status.className = "voice-status";
    this.status.dataset.testid = "voice-status";
    this.list = document.createElement("ul");
    this.list.className = "voice-people";
    this.element.append(this.mute, this.status, this.list);
    this.setMuted(false);
    this.setStatus("Connecting voice…");
  }

  setStatus(text: string): void {
    this.status.textContent = text;
    this.status.hidden = text === "";
  }

  setMuted(muted: boolean): void {
    this.mute.textContent = muted ? "Microphone off: turn on" : "Microphone on: mute";
    this.mute.setAttribute("aria-pressed", String(muted));
    this.mute.classList.toggle("off", muted);
  }

  /** Redraws the people list (a handful of rows; called on changes and a few times a second). */
  render(peers: readonly VoicePeer[], speaking: ReadonlySet<string>): void {
    const rows = peers.map((p) => {
      const li = document.createElement("li");
      li.dataset.member = p.memberId;
      li.dataset.speaking = String(speaking.has(p.memberId));
      const dot = document.createElement("span");
      dot.className = "voice-dot";
      dot.setAttribute("aria-hidden", "true");
      const name = document.createElement("span");
      name.className = "voice-name";
      name.textContent = p.muted ? `${p.label} (muted)` : p.label;
      const silence = document.createElement("button");
      silence.type = "button";
      silence.className = "voice-silence";
      const off = this.silenced.has(p.memberId);
      silence.textContent = off ? "Hear again" : "Mute for me";
      silence.addEventListener("click", () => {
        if (this.silenced.has(p.memberId)) this.silenced.delete(p.memberId);
        else this.silenced.add(p.memberId);
        this.actions.silence(p.memberId, this.silenced.has(p.memberId));
        this.render(peers, speaking);
      });
      li.append(dot, name, silence);
      return li;
    });
    this.list.replaceChildren(...rows);
  }
}
