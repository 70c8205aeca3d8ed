/**
 * The "Pair headset" card (issue 8, RFC 8628): the clinician or assistant types the code the
 * headset shows, sees whose appointment it would join, and confirms; the headset then enters the
 * room as this patient. "Hand headset to next patient" signs it out of this appointment. The card
 * stays hidden where the staff API does not know the page's user (the demo, an observer).
 */
import type { HeadsetLookup, HeadsetStatus } from "../../shared/pairing.ts";
import { headsetCodeInputSchema } from "../../shared/pairing.ts";
import type { AppointmentApi } from "./appointmentApi.ts";
import { button, card, h, setText } from "./dom.ts";
import { canScan, PairingScanner } from "./pairingScan.ts";

/** After approving, look for the headset's arrival this often, this long. */
const ARRIVAL_POLL_MS = 1_500;
const ARRIVAL_GIVE_UP_MS = 90_000;

type Stage =
  | { kind: "enter" }
  | { kind: "confirm"; userCode: string; patientName: string }
  | { kind: "waiting"; patientName: string }
  | { kind: "paired"; pairedAt: number };

export class HeadsetPairingCard {
  readonly root: HTMLElement;
  private readonly body: HTMLElement;
  private readonly codeInput: HTMLInputElement;
  private readonly codeError: HTMLElement;
  private readonly message: HTMLElement;
  private stage: Stage = { kind: "enter" };
  private busy = false;
  private arrivalTimer: ReturnType<typeof setTimeout> | null = null;
  private scanner: PairingScanner | null = null;
  private disposed = false;

  constructor(
    private readonly api: AppointmentApi,
    opts: { initialCode?: string } = {},
  ) {
    const c = card("Pair headset", "headset-pairing");
    this.root = c.root;
    this.root.hidden = true;
    this.body = c.body;
    this.codeInput = h("input", {
      class: "cp-input cp-code-input",
      "data-testid": "pair-code-input",
      id: "cp-pair-code",
      name: "userCode",
      autocomplete: "off",
      autocapitalize: "characters",
      spellcheck: "false",
      maxlength: 9,
      placeholder: "K7M 3QX",
      "aria-describedby": "cp-pair-code-error",
    });
    this.codeInput.value = opts.initialCode ?? "";
    this.codeError = h("p", {
      class: "cp-field-error",
      id: "cp-pair-code-error",
      "data-testid": "pair-code-error",
      hidden: true,
    });
    this.message = h("p", {
      class: "cp-result",
      "data-testid": "pair-message",
      role: "status",
      hidden: true,
    });
  }

  /** Shows the card if the signed-in staff member may pair this appointment's headset. */
  async startAsync(): Promise<void> {
    const status = await this.api.request<HeadsetStatus>("GET", "headset");
    if (this.disposed || !status.ok) return;
    this.root.hidden = false;
    this.stage = status.value.paired
      ? { kind: "paired", pairedAt: status.value.pairedAt! }
      : { kind: "enter" };
    this.render();
  }

  dispose(): void {
    this.disposed = true;
    if (this.arrivalTimer !== null) clearTimeout(this.arrivalTimer);
    this.scanner?.stop();
  }

  private render(): void {
    const stage = this.stage;
    switch (stage.kind) {
      case "enter": {
        const find = button("Find headset", { class: "cp-btn cp-btn-primary", "data-testid": "pair-find" });
        const form = h(
          "form",
          { class: "cp-pair-form", novalidate: true },
          h("label", { class: "cp-field-label", for: "cp-pair-code" }, "Code on the headset"),
          h("div", { class: "cp-row" }, this.codeInput, find),
          this.codeError,
          h(
            "p",
            { class: "cp-hint" },
            'The headset shows 6 letters and digits under "Ask your dentist to pair this headset".',
          ),
        );
        find.type = "submit";
        form.addEventListener("submit", (e) => {
          e.preventDefault();
          void this.lookupAsync();
        });
        this.body.replaceChildren(...[form, this.scanControls(), this.message].filter((n) => n !== null));
        return;
      }
      case "confirm": {
        const pair = button(`Pair for ${stage.patientName}`, {
          class: "cp-btn cp-btn-primary",
          "data-testid": "pair-confirm",
        });
        const cancel = button("Cancel", { class: "cp-btn cp-btn-ghost", "data-testid": "pair-cancel" });
        pair.addEventListener("click", () => void this.approveAsync(stage.userCode));
        cancel.addEventListener("click", () => this.go({ kind: "enter" }));
        this.body.replaceChildren(
          h(
            "div",
            { class: "cp-pair-confirm" },
            h("p", {}, "Is the person wearing this headset ", h("strong", {}, stage.patientName), "?"),
            h(
              "p",
              { class: "cp-hint" },
              "Check their name before you pair: the headset joins as this patient.",
            ),
            h("div", { class: "cp-row" }, pair, cancel),
          ),
          this.message,
        );
        pair.focus();
        return;
      }
      case "waiting":
        this.body.replaceChildren(
          h(
            "p",
            { class: "cp-pair-state", "data-testid": "pair-waiting" },
            `Paired for ${stage.patientName}. The headset opens the room in a moment…`,
          ),
          this.message,
        );
        return;
      case "paired": {
        const handOn = button("Hand headset to next patient", {
          class: "cp-btn cp-btn-danger",
          "data-testid": "pair-hand-on",
        });
        handOn.addEventListener("click", () => void this.handOnAsync());
        this.body.replaceChildren(
          h(
            "p",
            { class: "cp-pair-state", "data-testid": "pair-paired" },
            h("span", { class: "cp-pair-dot", "aria-hidden": "true" }),
            `Headset paired at ${clockTime(stage.pairedAt)}.`,
          ),
          h("p", { class: "cp-hint" }, "Handing it on signs it out of this appointment at once."),
          h("div", { class: "cp-row" }, handOn),
          this.message,
        );
        return;
      }
    }
  }

  /** "Scan the QR code" where the browser has a camera and a QR detector; nothing elsewhere. */
  private scanControls(): HTMLElement | null {
    if (!canScan()) return null;
    const box = h("div", { class: "cp-scan" });
    const start = button("Scan the headset's QR code", { class: "cp-btn", "data-testid": "pair-scan" });
    start.addEventListener("click", () => {
      const scanner = new PairingScanner();
      this.scanner = scanner;
      const stop = button("Stop camera", { class: "cp-btn cp-btn-ghost" });
      stop.addEventListener("click", () => {
        scanner.stop();
        box.replaceChildren(start);
      });
      box.replaceChildren(scanner.video, stop);
      scanner
        .startAsync((code) => {
          box.replaceChildren(start);
          this.codeInput.value = code;
          void this.lookupAsync();
        })
        .catch(() => {
          scanner.stop();
          box.replaceChildren(start);
          this.say("The camera could not be opened: type the code instead.", "problem");
        });
    });
    box.append(start);
    return box;
  }

  private go(stage: Stage): void {
    this.scanner?.stop();
    this.scanner = null;
    this.stage = stage;
    this.render();
  }

  private showCodeError(text: string | null): void {
    this.codeError.hidden = text === null;
    setText(this.codeError, text ?? "");
    this.codeInput.setAttribute("aria-invalid", text === null ? "false" : "true");
  }

  private say(text: string | null, tone: "ok" | "problem" = "ok"): void {
    this.message.hidden = text === null;
    this.message.className = tone === "ok" ? "cp-result" : "cp-error";
    setText(this.message, text ?? "");
  }

  private async lookupAsync(): Promise<void> {
    if (this.busy) return;
    this.say(null);
    const parsed = headsetCodeInputSchema.safeParse({ userCode: this.codeInput.value });
    if (!parsed.success) {
      this.showCodeError(parsed.error.issues[0]?.message ?? "Check the code.");
      return;
    }
    this.showCodeError(null);
    this.busy = true;
    const found = await this.api.request<HeadsetLookup>("POST", "headset/lookup", parsed.data);
    this.busy = false;
    if (!found.ok) {
      const byField = found.error.problems?.find((p) => p.path === "userCode");
      if (byField) this.showCodeError(byField.message);
      else this.say(found.error.message, "problem");
      return;
    }
    this.go({ kind: "confirm", userCode: parsed.data.userCode, patientName: found.value.patientName });
  }

  private async approveAsync(userCode: string): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const approved = await this.api.request<HeadsetLookup>("POST", "headset", { userCode });
    this.busy = false;
    if (!approved.ok) {
      this.go({ kind: "enter" });
      this.say(approved.error.message, "problem");
      return;
    }
    this.codeInput.value = "";
    this.go({ kind: "waiting", patientName: approved.value.patientName });
    this.watchArrival(Date.now() + ARRIVAL_GIVE_UP_MS);
  }

  /** The headset collects its credential on its next poll; the card says so when it has. */
  private watchArrival(until: number): void {
    this.arrivalTimer = setTimeout(async () => {
      this.arrivalTimer = null;
      if (this.disposed || this.stage.kind !== "waiting") return;
      const status = await this.api.request<HeadsetStatus>("GET", "headset");
      if (status.ok && status.value.paired) {
        this.go({ kind: "paired", pairedAt: status.value.pairedAt! });
      } else if (Date.now() < until) {
        this.watchArrival(until);
      } else {
        this.go({ kind: "enter" });
        this.say("The headset did not collect its pairing. Check it is on and shows a code.", "problem");
      }
    }, ARRIVAL_POLL_MS);
  }

  private async handOnAsync(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    const ended = await this.api.request<{ ended: number }>("DELETE", "headset");
    this.busy = false;
    if (!ended.ok) {
      this.say(ended.error.message, "problem");
      return;
    }
    this.go({ kind: "enter" });
    this.say(
      "The headset is signed out of this appointment. For the next patient, open the pairing page on it again.",
    );
  }
}

/** "09:12": minutes are enough here. */
function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}
