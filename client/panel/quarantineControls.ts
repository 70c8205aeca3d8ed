/**
 * The firmware quarantine controls of the Devices card: quarantine one exact version with a
 * written reason (and, for a version in normal use, a confirmation that shows the counts), the
 * active quarantines each with "Lift…" and its own reason, and the clinic's history of both.
 */
import { ErrorCode, type FirmwareAction, type FirmwareQuarantinePayload } from "../../shared/protocol.ts";
import type { RoomActions } from "../roomActions.ts";
import { button, h, replaceChildren, setText } from "./dom.ts";
import {
  confirmationText,
  formatDateTime,
  historyLine,
  MIN_REASON_LENGTH,
  quarantineResultText,
  reasonReady,
} from "./firmwareText.ts";
import { formatTime } from "./format.ts";

/** The server retracts at most 30 days back; the widest choice stays a minute inside that. */
const WIDEST_SINCE_MS = 30 * 24 * 60 * 60_000 - 60_000;

export class QuarantineControls {
  readonly root: HTMLElement;
  private readonly openButton: HTMLButtonElement;
  private readonly form: HTMLElement;
  private readonly firmwareSelect: HTMLSelectElement;
  private readonly sinceSelect: HTMLSelectElement;
  private readonly reasonInput: HTMLTextAreaElement;
  private readonly submitButton: HTMLButtonElement;
  private readonly confirmBox: HTMLElement;
  private readonly confirmText: HTMLElement;
  private readonly confirmButton: HTMLButtonElement;
  private readonly activeList: HTMLElement;
  private readonly liftForm: HTMLElement;
  private readonly liftTitle: HTMLElement;
  private readonly liftReason: HTMLTextAreaElement;
  private readonly liftButton: HTMLButtonElement;
  private readonly historyList: HTMLElement;
  private readonly historyBlock: HTMLElement;
  private readonly result: HTMLElement;
  private readonly error: HTMLElement;
  /** Versions the room's devices run now: the form's choices. */
  private versions: readonly { version: string; devices: number }[] = [];
  /** A quarantine waiting for the clinician's confirmation of its counts. */
  private pending: FirmwareQuarantinePayload | null = null;
  private liftTarget: string | null = null;
  private quarantined: readonly string[] = [];
  private sessionStart: number | null = null;
  private signature = "";

  constructor(
    private readonly actions: RoomActions,
    private readonly allowed: boolean,
    private readonly now: () => number,
  ) {
    this.openButton = button("Quarantine firmware…", {
      class: "cp-btn cp-btn-warn",
      "data-testid": "quarantine-open",
      disabled: !allowed,
      title: allowed
        ? "Flag every device of this clinic on one firmware version and retract its readings"
        : "Only the clinician can quarantine firmware",
    });

    this.firmwareSelect = h("select", { id: "cp-q-firmware", "data-testid": "quarantine-firmware" });
    this.sinceSelect = h("select", { id: "cp-q-since", "data-testid": "quarantine-since" });
    this.reasonInput = h("textarea", {
      id: "cp-q-reason",
      rows: 2,
      maxlength: 500,
      "data-testid": "quarantine-reason",
      placeholder: "What is wrong with this firmware?",
    });
    this.submitButton = button("Quarantine and retract", {
      class: "cp-btn cp-btn-danger",
      "data-testid": "quarantine-submit",
    });
    const cancel = button("Cancel", { "data-testid": "quarantine-cancel" });
    this.form = h(
      "div",
      { class: "cp-form", "data-testid": "quarantine-form", hidden: true },
      h("label", { class: "cp-field-label", for: "cp-q-firmware" }, "Firmware version (exact)"),
      this.firmwareSelect,
      h("label", { class: "cp-field-label", for: "cp-q-since" }, "Retract readings"),
      this.sinceSelect,
      h("label", { class: "cp-field-label", for: "cp-q-reason" }, "Reason (required, kept in the audit log)"),
      this.reasonInput,
      h(
        "p",
        { class: "cp-hint" },
        "Readings are marked “entered in error”, never deleted, and stay so if the quarantine is lifted. " +
          "Only this clinic's devices are affected.",
      ),
      h("div", { class: "cp-form-actions" }, this.submitButton, cancel),
    );

    this.confirmText = h("p", { "data-testid": "quarantine-confirm-text" });
    this.confirmButton = button("Quarantine anyway", {
      class: "cp-btn cp-btn-danger",
      "data-testid": "quarantine-confirm",
    });
    const back = button("Go back", { "data-testid": "quarantine-confirm-cancel" });
    this.confirmBox = h(
      "div",
      { class: "cp-form", role: "alertdialog", "data-testid": "quarantine-confirmation", hidden: true },
      h("strong", {}, "This firmware is in normal use"),
      this.confirmText,
      h("div", { class: "cp-form-actions" }, this.confirmButton, back),
    );

    this.activeList = h("ul", { class: "cp-list", "data-testid": "quarantine-active" });
    this.liftTitle = h("strong", {});
    this.liftReason = h("textarea", {
      id: "cp-lift-reason",
      rows: 2,
      maxlength: 500,
      "data-testid": "lift-reason",
      placeholder: "Why can this firmware be trusted again?",
    });
    this.liftButton = button("Lift quarantine", {
      class: "cp-btn cp-btn-warn",
      "data-testid": "lift-submit",
    });
    const liftCancel = button("Cancel", { "data-testid": "lift-cancel" });
    this.liftForm = h(
      "div",
      { class: "cp-form", "data-testid": "lift-form", hidden: true },
      this.liftTitle,
      h(
        "label",
        { class: "cp-field-label", for: "cp-lift-reason" },
        "Reason (required, kept in the audit log)",
      ),
      this.liftReason,
      h(
        "p",
        { class: "cp-hint" },
        "New readings from this firmware are trusted again. Readings retracted before stay retracted.",
      ),
      h("div", { class: "cp-form-actions" }, this.liftButton, liftCancel),
    );

    this.historyList = h("ul", { class: "cp-list", "data-testid": "quarantine-history" });
    this.historyBlock = h(
      "div",
      { hidden: true },
      h("h3", { class: "cp-field-label" }, "Quarantine history (this clinic)"),
      this.historyList,
    );
    this.result = h("p", {
      class: "cp-result",
      role: "status",
      "data-testid": "quarantine-result",
      hidden: true,
    });
    this.error = h("p", {
      class: "cp-error",
      role: "alert",
      "data-testid": "quarantine-error",
      hidden: true,
    });

    this.openButton.addEventListener("click", () => this.openForm());
    this.firmwareSelect.addEventListener("change", () => this.refreshButtons());
    this.reasonInput.addEventListener("input", () => this.refreshButtons());
    this.liftReason.addEventListener("input", () => this.refreshButtons());
    this.submitButton.addEventListener("click", () => void this.submitAsync(false));
    this.confirmButton.addEventListener("click", () => void this.submitAsync(true));
    this.liftButton.addEventListener("click", () => void this.liftAsync());
    cancel.addEventListener("click", () => {
      this.form.hidden = true;
    });
    back.addEventListener("click", () => {
      this.pending = null;
      this.confirmBox.hidden = true;
      this.form.hidden = false;
    });
    liftCancel.addEventListener("click", () => {
      this.liftForm.hidden = true;
      this.liftTarget = null;
    });

    this.root = h(
      "div",
      { class: "cp-quarantine" },
      this.activeList,
      h("div", { class: "cp-row" }, this.openButton),
      this.form,
      this.confirmBox,
      this.liftForm,
      this.result,
      this.error,
      this.historyBlock,
    );
  }

  update(
    versions: readonly { version: string; devices: number }[],
    quarantined: readonly string[],
    history: readonly FirmwareAction[],
    sessionStart: number | null,
  ): void {
    this.versions = versions;
    this.sessionStart = sessionStart;
    this.quarantined = quarantined;
    const signature = `${quarantined.join(",")}|${history.length}`;
    if (signature === this.signature) return;
    this.signature = signature;
    replaceChildren(
      this.activeList,
      quarantined.map((firmware) => {
        const lift = button("Lift…", {
          class: "cp-btn cp-btn-sm",
          "data-testid": "lift-open",
          "data-firmware": firmware,
          disabled: !this.allowed,
          title: this.allowed
            ? `Lift the quarantine of ${firmware}`
            : "Only the clinician can lift a quarantine",
        });
        lift.addEventListener("click", () => this.openLift(firmware));
        return h(
          "li",
          { "data-testid": "quarantine-active-item", "data-firmware": firmware },
          h("span", { class: "cp-fw-bad cp-mono" }, `Quarantined: ${firmware}`),
          " ",
          lift,
        );
      }),
    );
    this.historyBlock.hidden = history.length === 0;
    replaceChildren(
      this.historyList,
      [...history]
        .reverse()
        .map((a) => h("li", { "data-testid": "quarantine-history-item" }, historyLine(a))),
    );
    if (this.liftTarget !== null && !quarantined.includes(this.liftTarget)) {
      this.liftForm.hidden = true;
      this.liftTarget = null;
    }
  }

  private openForm(): void {
    replaceChildren(this.firmwareSelect, [
      // No default: quarantining retracts readings, so the version is always an explicit choice.
      h("option", { value: "" }, "Choose a version…"),
      ...this.versions.map(({ version, devices }) =>
        h(
          "option",
          { value: version, disabled: this.quarantined.includes(version) },
          `${version} (${devices} device${devices === 1 ? "" : "s"} in this room)${
            this.quarantined.includes(version) ? " · already quarantined" : ""
          }`,
        ),
      ),
    ]);
    const now = this.now();
    const choices: [string, number][] = [
      ["from the last 10 minutes", now - 10 * 60_000],
      ["from the last hour", now - 60 * 60_000],
      ...(this.sessionStart === null
        ? []
        : [
            [`since session start (${formatTime(this.sessionStart)})`, this.sessionStart] as [string, number],
          ]),
      [`from today (since ${formatTime(startOfDay(now))})`, startOfDay(now)],
      [`from the last 30 days (since ${formatDateTime(now - WIDEST_SINCE_MS)})`, now - WIDEST_SINCE_MS],
    ];
    replaceChildren(
      this.sinceSelect,
      choices.map(([label, since]) => h("option", { value: String(since) }, label)),
    );
    this.reasonInput.value = "";
    this.pending = null;
    this.result.hidden = true;
    this.error.hidden = true;
    this.confirmBox.hidden = true;
    this.liftForm.hidden = true;
    this.form.hidden = false;
    this.refreshButtons();
    this.firmwareSelect.focus();
  }

  private openLift(firmware: string): void {
    this.liftTarget = firmware;
    setText(this.liftTitle, `Lift the quarantine of ${firmware}`);
    this.liftReason.value = "";
    this.form.hidden = true;
    this.confirmBox.hidden = true;
    this.result.hidden = true;
    this.error.hidden = true;
    this.liftForm.hidden = false;
    this.refreshButtons();
    this.liftReason.focus();
  }

  private refreshButtons(): void {
    this.submitButton.disabled = this.firmwareSelect.value === "" || !reasonReady(this.reasonInput.value);
    this.submitButton.title = reasonReady(this.reasonInput.value)
      ? ""
      : `Write a reason of ${MIN_REASON_LENGTH} characters or more`;
    this.liftButton.disabled = !reasonReady(this.liftReason.value);
  }

  private async submitAsync(confirm: boolean): Promise<void> {
    const request: FirmwareQuarantinePayload | null = confirm
      ? this.pending
      : {
          firmware: this.firmwareSelect.value,
          since: Number(this.sinceSelect.value),
          reason: this.reasonInput.value.trim(),
        };
    if (request === null || request.firmware === "" || !Number.isFinite(request.since)) return;
    this.submitButton.disabled = true;
    this.confirmButton.disabled = true;
    this.error.hidden = true;
    const result = await this.actions.quarantineFirmware(confirm ? { ...request, confirm: true } : request);
    this.confirmButton.disabled = false;
    this.refreshButtons();
    if (!result.ok) {
      if (result.error.code === ErrorCode.confirmationRequired && result.error.impact && !confirm) {
        this.pending = request;
        setText(this.confirmText, confirmationText(result.error.impact));
        this.form.hidden = true;
        this.confirmBox.hidden = false;
        this.confirmButton.focus();
        return;
      }
      this.showError(result.error.message);
      return;
    }
    this.pending = null;
    setText(this.result, quarantineResultText(request.firmware, result.value));
    this.result.hidden = false;
    this.form.hidden = true;
    this.confirmBox.hidden = true;
  }

  private async liftAsync(): Promise<void> {
    const firmware = this.liftTarget;
    if (firmware === null || !reasonReady(this.liftReason.value)) return;
    this.liftButton.disabled = true;
    this.error.hidden = true;
    const result = await this.actions.liftFirmware({ firmware, reason: this.liftReason.value.trim() });
    this.refreshButtons();
    if (!result.ok) {
      this.showError(result.error.message);
      return;
    }
    setText(this.result, `Quarantine of ${firmware} lifted: its new readings are trusted again.`);
    this.result.hidden = false;
    this.liftForm.hidden = true;
    this.liftTarget = null;
  }

  private showError(message: string): void {
    setText(this.error, message);
    this.error.hidden = false;
  }
}

function startOfDay(ms: number): number {
  const d = new Date(ms);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}
