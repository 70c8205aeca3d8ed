/**
 * Procedure card: plan picker, status, current and next step, the patient's stop (and their "not
 * yet" before the start, after which Start asks for a reason), the interlock's reason with
 * Override…, and the control buttons enabled per role and status. Errors from the room appear inline.
 */
import type { ProcedureCommand, ProcedureView } from "../../shared/procedure/types.ts";
import type { Result } from "../../shared/protocol.ts";
import type { RoomActions } from "../roomActions.ts";
import { append, button, card, h, icon, setAttr, setText } from "./dom.ts";
import { formatTime, statusText } from "./format.ts";
import {
  CONTROL_ACTIONS,
  type ControlAction,
  canChoosePlan,
  controlStates,
  disabledReasons,
  isViewOnly,
  type PanelRole,
  viewerText,
} from "./permissions.ts";
import { BUTTON_LABEL, FORM, type FormMode, notYetWords, stepChips } from "./procedureWords.ts";

export interface ProcedureContext {
  nameOf(id: string): string;
  /** A tooth's number in the reader's notation (FDI, Universal or Palmer). */
  toothName(fdi: number): string;
  /** The patient's name, for "Julian said not yet". */
  patientName?(): string;
  /** The clock, to note when the panel saw a "not yet" arrive. */
  now?(): number;
}

export class ProcedureControls {
  readonly root: HTMLElement;
  private readonly status: HTMLElement;
  private readonly planRow: HTMLElement;
  private readonly planSelect: HTMLSelectElement;
  private readonly planWaiting: HTMLElement;
  private readonly planName: HTMLElement;
  private readonly stepLine: HTMLElement;
  private readonly stepMeta: HTMLElement;
  private readonly progress: HTMLElement;
  private readonly nextLine: HTMLElement;
  private readonly patientStop: HTMLElement;
  private readonly patientStopTime: HTMLElement;
  private readonly notYet: HTMLElement;
  private readonly notYetText: HTMLElement;
  /** When this panel saw the patient's "not yet" arrive (kept while it lasts; unknown if it was there on joining). */
  private notYetAt: number | null = null;
  /** The "not yet" as of the last procedure this card was shown (null before the first). */
  private wasNotYet: boolean | null = null;
  private readonly blocked: HTMLElement;
  private readonly blockedReason: HTMLElement;
  private readonly overrideButton: HTMLButtonElement;
  private readonly overrideNote: HTMLElement;
  private readonly buttons = new Map<ControlAction, HTMLButtonElement>();
  private readonly form: HTMLElement;
  private readonly formLabel: HTMLLabelElement;
  private readonly formInput: HTMLTextAreaElement;
  private readonly formConfirm: HTMLButtonElement;
  private readonly formHint: HTMLElement;
  private readonly error: HTMLElement;
  /** Why the shown, disabled buttons are disabled, in words (a tooltip alone is never seen on touch). */
  private readonly why: HTMLElement;
  private procedure: ProcedureView | null = null;
  private stoppedAt: number | null = null;
  private mode: FormMode | null = null;
  private busy = false;

  constructor(
    private readonly actions: RoomActions,
    private readonly role: PanelRole,
    plans: readonly { id: string; name: string }[],
    private readonly ctx: ProcedureContext,
  ) {
    const c = card("Procedure", "procedure");
    this.root = c.root;
    this.status = h("span", { class: "cp-status", "data-testid": "procedure-status", role: "status" });
    c.headerExtra.append(this.status);

    this.planSelect = h(
      "select",
      { id: "cp-plan-select", "data-testid": "plan-select" },
      h("option", { value: "" }, "Choose a plan…"),
      ...plans.map((p) => h("option", { value: p.id }, p.name)),
    );
    this.planSelect.addEventListener("change", () => {
      const id = this.planSelect.value;
      if (id !== "") void this.send(() => this.actions.selectPlan(id));
    });
    this.planWaiting = h("p", { class: "cp-muted" }, "Waiting for the clinician to choose a plan.");
    this.planRow = h(
      "div",
      { class: "cp-plan-row" },
      h("label", { for: "cp-plan-select", class: "cp-field-label" }, "Plan"),
      this.planSelect,
      this.planWaiting,
    );
    this.planName = h("p", { class: "cp-plan-name", "data-testid": "procedure-plan" });
    this.stepLine = h("p", { class: "cp-step", "data-testid": "procedure-step" });
    this.stepMeta = h("div", { class: "cp-step-meta" });
    this.progress = h("div", { class: "cp-progress", "aria-hidden": "true" });
    this.nextLine = h("p", { class: "cp-next", "data-testid": "procedure-next" });

    this.patientStopTime = h("span", {});
    this.patientStop = h(
      "div",
      { class: "cp-patient-stop", "data-testid": "paused-by-patient", role: "alert", hidden: true },
      icon("hand", "cp-icon cp-icon-lg"),
      h(
        "div",
        {},
        h("strong", {}, "PAUSED BY PATIENT"),
        h(
          "p",
          {},
          "The patient gave the stop signal",
          this.patientStopTime,
          ". Talk with them before resuming.",
        ),
      ),
    );

    this.notYetText = h("strong", {});
    this.notYet = h(
      "div",
      {
        class: "cp-patient-stop cp-not-yet",
        "data-testid": "procedure-not-yet",
        role: "status",
        hidden: true,
      },
      icon("hand", "cp-icon cp-icon-lg"),
      h(
        "div",
        {},
        this.notYetText,
        h(
          "p",
          {},
          "Nothing has started. Wait for their “I'm ready”, or talk with them and start with a reason.",
        ),
      ),
    );

    this.blockedReason = h("p", { class: "cp-blocked-reason", "data-testid": "procedure-blocked-reason" });
    this.overrideButton = button("Override…", {
      class: "cp-btn cp-btn-warn cp-btn-sm",
      "data-testid": "procedure-override",
    });
    this.overrideButton.addEventListener("click", () => this.openForm("override"));
    this.blocked = h(
      "div",
      { class: "cp-blocked", "data-testid": "procedure-blocked", hidden: true },
      icon("warning"),
      h(
        "div",
        { class: "cp-blocked-body" },
        h("strong", {}, "Automated step held by the safety interlock"),
        this.blockedReason,
        h("div", { class: "cp-blocked-actions" }, this.overrideButton),
      ),
    );
    this.overrideNote = h("p", {
      class: "cp-override-note",
      "data-testid": "procedure-override-note",
      hidden: true,
    });

    const row = h("div", { class: "cp-controls", role: "group", "aria-label": "Procedure controls" });
    for (const action of CONTROL_ACTIONS) {
      if (action === "override") continue;
      const cls =
        action === "abort" ? "cp-btn cp-btn-danger" : action === "start" ? "cp-btn cp-btn-primary" : "cp-btn";
      const b = button(BUTTON_LABEL[action], {
        class: cls,
        "data-testid": `procedure-${action}`,
        "aria-label": action === "next" ? "Next step" : null,
      });
      b.addEventListener("click", () => this.onControl(action));
      this.buttons.set(action, b);
      row.append(b);
    }
    this.buttons.set("override", this.overrideButton);

    this.formLabel = h("label", { for: "cp-procedure-reason", class: "cp-field-label" });
    this.formInput = h("textarea", { id: "cp-procedure-reason", rows: 2, "data-testid": "procedure-reason" });
    this.formConfirm = button("", { class: "cp-btn cp-btn-primary", "data-testid": "procedure-confirm" });
    const cancel = button("Cancel", { "data-testid": "procedure-cancel" });
    this.formHint = h("p", { class: "cp-hint" });
    this.form = h(
      "div",
      { class: "cp-form", "data-testid": "procedure-form", hidden: true },
      this.formLabel,
      this.formInput,
      this.formHint,
      h("div", { class: "cp-form-actions" }, this.formConfirm, cancel),
    );
    this.formInput.addEventListener("input", () => this.refreshForm());
    this.formConfirm.addEventListener("click", () => this.confirmForm());
    cancel.addEventListener("click", () => this.closeForm());

    this.error = h("p", { class: "cp-error", role: "alert", "data-testid": "procedure-error", hidden: true });
    this.why = h("p", { class: "cp-hint cp-why", id: "cp-procedure-why", "data-testid": "procedure-why" });
    const viewOnly = isViewOnly(role)
      ? h(
          "p",
          { class: "cp-hint cp-view-only" },
          `View only: ${viewerText(role)} follow the procedure but cannot control it.`,
        )
      : null;
    append(c.body, [
      this.planRow,
      this.planName,
      this.patientStop,
      this.notYet,
      this.stepLine,
      this.progress,
      this.stepMeta,
      this.blocked,
      this.overrideNote,
      this.nextLine,
      row,
      this.why,
      viewOnly,
      this.form,
      this.error,
    ]);
    this.update(null, null);
  }

  /** Redraws after the reader switched tooth notation. */
  refresh(): void {
    this.update(this.procedure, this.stoppedAt);
  }

  /** `patientStoppedAt`: when the patient's stop was seen, if the procedure is paused by the patient. */
  update(procedure: ProcedureView | null, patientStoppedAt: number | null): void {
    this.procedure = procedure;
    this.stoppedAt = patientStoppedAt;
    const status = procedure?.status ?? null;
    // A "not yet" is not "Ready to start": the pill says what the patient said.
    const notYetNow = procedure?.notYet === true;
    setText(this.status, status === null ? "No plan" : notYetNow ? "Not yet" : statusText(status));
    setAttr(this.status, "data-not-yet", notYetNow ? "true" : "false");
    setAttr(this.status, "data-status", status ?? "none");

    const choose = canChoosePlan(this.role, procedure);
    this.planRow.hidden = !(choose || procedure === null);
    this.planSelect.hidden = !choose;
    this.planWaiting.hidden = choose || procedure !== null;
    if (procedure !== null && procedure.status === "not_started") this.planSelect.value = procedure.planId;

    this.planName.hidden = procedure === null;
    setText(this.planName, procedure?.planName ?? "");
    this.renderStep(procedure);

    this.patientStop.hidden = status !== "paused_by_patient";
    const notYet = procedure?.notYet === true;
    if (!notYet) this.notYetAt = null;
    else if (this.notYetAt === null && this.wasNotYet === false) this.notYetAt = this.ctx.now?.() ?? null;
    if (procedure !== null) this.wasNotYet = notYet;
    this.notYet.hidden = !notYet;
    const who = this.ctx.patientName?.() ?? "The patient";
    setText(this.notYetText, notYetWords(who, this.notYetAt === null ? null : formatTime(this.notYetAt)));
    setText(this.patientStopTime, patientStoppedAt !== null ? ` at ${formatTime(patientStoppedAt)}` : "");

    const reason = procedure?.blockedReason ?? null;
    this.blocked.hidden = reason === null;
    setText(this.blockedReason, reason ?? "");
    const ov = procedure?.override ?? null;
    this.overrideNote.hidden = ov === null;
    if (ov !== null) {
      setText(
        this.overrideNote,
        `Interlock overridden by ${this.ctx.nameOf(ov.by)} at ${formatTime(ov.at)}: “${ov.reason}”`,
      );
    }

    const states = controlStates(this.role, procedure);
    // Start only matters before the procedure begins; the other controls only once it has.
    const before = procedure === null || status === "not_started";
    const shown: ControlAction[] = [];
    for (const [action, b] of this.buttons) {
      if (action !== "override") b.hidden = action === "start" ? !before : before;
      if (!b.hidden && (action !== "override" || !this.blocked.hidden)) shown.push(action);
      const s = states[action];
      b.disabled = !s.enabled || this.busy;
      setAttr(
        b,
        "title",
        s.why ?? (s.needsNote ? "Resume after a note that you spoke with the patient" : null),
      );
      if (action === "resume") setText(b, s.needsNote ? "Resume…" : "Resume");
      if (action === "start") setText(b, notYet ? "Start anyway…" : BUTTON_LABEL.start);
      setAttr(b, "aria-describedby", !s.enabled && s.why !== null ? "cp-procedure-why" : null);
    }
    const reasons = disabledReasons(this.role, states, shown, BUTTON_LABEL);
    this.why.hidden = reasons.length === 0;
    this.why.replaceChildren(...reasons.map((r) => h("span", { class: "cp-why-line" }, r)));
    if (this.mode !== null) {
      const stillValid =
        this.mode === "abort"
          ? states.abort.enabled
          : this.mode === "override"
            ? states.override.enabled
            : this.mode === "start"
              ? states.start.enabled && notYet
              : states.resume.needsNote;
      if (!stillValid) this.closeForm();
    }
  }

  private renderStep(p: ProcedureView | null): void {
    if (p === null) {
      setText(this.stepLine, "No procedure selected");
      this.stepMeta.replaceChildren();
      this.progress.replaceChildren();
      this.nextLine.hidden = true;
      return;
    }
    const step = p.step;
    if (p.status === "not_started") setText(this.stepLine, `${p.stepCount} steps · not started`);
    else if (p.status === "completed") setText(this.stepLine, `All ${p.stepCount} steps done`);
    else if (step !== null)
      setText(this.stepLine, `Step ${p.stepIndex + 1} of ${p.stepCount}: ${step.title}`);
    else setText(this.stepLine, `Step ${p.stepIndex + 1} of ${p.stepCount}`);
    this.stepMeta.replaceChildren(
      ...(step !== null && p.status !== "not_started"
        ? stepChips(step, (fdi) => this.ctx.toothName(fdi))
        : []),
    );
    const segs: HTMLElement[] = [];
    for (let i = 0; i < p.stepCount; i++) {
      const state =
        p.status === "completed" || i < p.stepIndex
          ? "done"
          : i === p.stepIndex && p.status !== "not_started"
            ? "current"
            : "todo";
      segs.push(h("span", { class: `cp-seg cp-seg-${state}` }));
    }
    this.progress.replaceChildren(...segs);
    const next = p.status === "not_started" ? step : p.nextStep;
    this.nextLine.hidden = next === null || p.status === "completed" || p.status === "aborted";
    setText(
      this.nextLine,
      next === null ? "" : `${p.status === "not_started" ? "First" : "Next"}: ${next.title}`,
    );
  }

  private onControl(action: ControlAction): void {
    const states = controlStates(this.role, this.procedure);
    if (action === "resume" && states.resume.needsNote) this.openForm("resume");
    else if (action === "start" && this.procedure?.notYet === true) this.openForm("start");
    else if (action === "abort" || action === "override") this.openForm(action);
    else void this.command(action);
  }

  private openForm(mode: FormMode): void {
    this.mode = mode;
    const f = FORM[mode];
    const who = this.ctx.patientName?.() ?? "The patient";
    const at = this.notYetAt === null ? null : formatTime(this.notYetAt);
    setText(this.formLabel, mode === "start" ? `${notYetWords(who, at)}. ${f.prompt}` : f.prompt);
    setAttr(this.formInput, "placeholder", f.placeholder);
    setText(this.formConfirm, f.confirm);
    setText(this.formHint, f.hint);
    this.formConfirm.className = mode === "abort" ? "cp-btn cp-btn-danger" : "cp-btn cp-btn-primary";
    setAttr(this.form, "data-mode", mode);
    this.formInput.value = "";
    this.form.hidden = false;
    this.refreshForm();
    this.formInput.focus();
  }

  private closeForm(): void {
    this.mode = null;
    this.form.hidden = true;
  }

  private refreshForm(): void {
    if (this.mode === null) return;
    this.formConfirm.disabled = this.busy || this.formInput.value.trim().length < FORM[this.mode].minChars;
  }

  private confirmForm(): void {
    if (this.mode === null) return;
    const text = this.formInput.value.trim();
    if (text.length < FORM[this.mode].minChars) return;
    const command: ProcedureCommand = this.mode;
    void this.command(command, text === "" ? undefined : text).then((ok) => {
      if (ok) this.closeForm();
    });
  }

  private command(command: ProcedureCommand, reason?: string): Promise<boolean> {
    return this.send(() => this.actions.procedureCommand(command, reason));
  }

  private async send(action: () => Promise<Result<unknown>>): Promise<boolean> {
    this.busy = true;
    this.error.hidden = true;
    this.update(this.procedure, this.stoppedAt);
    try {
      const result = await action();
      if (!result.ok) {
        setText(this.error, result.error.message);
        this.error.hidden = false;
      }
      return result.ok;
    } finally {
      this.busy = false;
      this.update(this.procedure, this.stoppedAt);
      this.refreshForm();
    }
  }
}
