/**
 * "Tell Otto" on the patient's flat screen (issue 12): the patient types a question or a feeling,
 * or, where the browser recognises speech on the device, turns listening on and speaks. Words go
 * to the server (`otto:tell`), which hears the cues, answers and tells the care team; "stop" said
 * alone is the stop signal, an extra path beside the button, the key and the controller.
 */
import { isSpokenStop, MAX_SAID_CHARS } from "../../shared/feelings.ts";
import type { RoomConnection } from "../connection.ts";
import { canListen, Listener } from "./speech.ts";

export interface TellOttoOptions {
  connection: RoomConnection;
  /** Whether the link is up now; a spoken stop while it is down goes the page's own stop path. */
  live: () => boolean;
  /** The page's stop path (delivered when the link comes back, like a pressed STOP). */
  stopOffline: (source: string) => void;
}

export class TellOtto {
  readonly root: HTMLFormElement;
  private readonly input: HTMLInputElement;
  private readonly mic: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly listener: Listener;
  private lastHeard: string | null = null;

  constructor(private readonly opts: TellOttoOptions) {
    this.root = document.createElement("form");
    this.root.className = "tell-otto";
    this.root.dataset.testid = "tell-otto";
    this.root.setAttribute("aria-label", "Tell Otto");
    this.input = document.createElement("input");
    this.input.type = "text";
    this.input.maxLength = MAX_SAID_CHARS;
    this.input.placeholder = "Tell Otto how you feel…";
    this.input.setAttribute("aria-label", "Your words to Otto");
    this.input.dataset.testid = "tell-otto-input";
    // The S key and Space stop the treatment everywhere else; typing here must not.
    this.input.addEventListener("keydown", (e) => e.stopPropagation());
    const send = document.createElement("button");
    send.type = "submit";
    send.className = "btn secondary";
    send.textContent = "Send";
    send.dataset.testid = "tell-otto-send";
    this.mic = document.createElement("button");
    this.mic.type = "button";
    this.mic.className = "btn secondary mic";
    this.mic.dataset.testid = "tell-otto-mic";
    this.mic.setAttribute("aria-pressed", "false");
    this.mic.hidden = !canListen();
    this.mic.title =
      "Otto listens while this is on. Saying the word alone pauses everything, like the button.";
    this.status = document.createElement("small");
    this.status.className = "tell-otto-status";
    this.status.dataset.testid = "tell-otto-status";
    this.status.setAttribute("aria-live", "polite");
    this.root.append(this.input, send, this.mic, this.status);
    this.listener = new Listener(
      (text) => this.say(text, true),
      (why) => {
        this.mic.hidden = true;
        this.showListening();
        this.status.textContent = why;
      },
    );
    this.showListening();
    this.root.addEventListener("submit", (e) => {
      e.preventDefault();
      const text = this.input.value.trim();
      if (text.length === 0) return;
      this.input.value = "";
      this.say(text, false);
    });
    this.mic.addEventListener("click", () => {
      if (this.listener.listening) this.listener.stop();
      else this.listener.start();
      this.showListening();
    });
  }

  /** For the page's test state. */
  state(): { listening: boolean; canListen: boolean; lastHeard: string | null } {
    return { listening: this.listener.listening, canListen: !this.mic.hidden, lastHeard: this.lastHeard };
  }

  dispose(): void {
    this.listener.stop();
    this.root.remove();
  }

  private say(text: string, spoken: boolean): void {
    this.lastHeard = text;
    if (!this.opts.live()) {
      if (isSpokenStop(text)) this.opts.stopOffline(spoken ? "voice" : "typed");
      else this.status.textContent = "Not connected: Otto will hear you when the link is back.";
      return;
    }
    this.status.textContent = spoken ? `Otto heard: “${text}”` : "";
    void this.opts.connection.tellOtto(text, spoken).then((r) => {
      if (!r.ok) this.status.textContent = r.error.message;
    });
  }

  private showListening(): void {
    const on = this.listener.listening;
    this.mic.textContent = on ? "Listening… tap to end" : "Talk to Otto";
    this.mic.setAttribute("aria-pressed", String(on));
    this.mic.classList.toggle("active", on);
  }
}
