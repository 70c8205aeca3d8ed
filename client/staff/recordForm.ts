/**
 * One form of the staff area: labelled fields, checked in the browser with the same schema from
 * `shared/records.ts` that the server parses with, and every problem shown next to its field in
 * the same words (the server's 400 problems land in the same places). Nothing is sent while the
 * browser already knows what is wrong.
 */
import type { z } from "zod";
import { type FieldProblem, fieldProblems } from "../../shared/records.ts";
import { h } from "../panel/dom.ts";
import type { ApiResult } from "./staffApi.ts";

export interface FieldSpec {
  /** The input's name; also the schema path its problems arrive under. */
  name: string;
  label: string;
  kind: "text" | "email" | "date" | "datetime-local" | "textarea" | "select";
  /** For a select: the choices, read each time the form is shown (pickers change). */
  options?: () => { value: string; label: string }[];
  hint?: string;
  /** Problems under these other schema paths are shown at this field too. */
  alsoFor?: string[];
}

export interface RecordFormOptions<S extends z.ZodType, T> {
  testid: string;
  fields: FieldSpec[];
  schema: S;
  /** Turns the raw field values into the schema's input (numbers, nulls, composed ids). */
  toInput(values: Record<string, string>): unknown;
  submitLabel: string;
  submitAsync(input: z.infer<S>): Promise<ApiResult<T>>;
  onDone(value: T): void;
  /** Checks the schema cannot make from its input alone (a filling's tooth and surfaces), by field. */
  check?(values: Record<string, string>): FieldProblem[];
  /** Fields that change others (the plan kind shows or hides the tooth). */
  onChange?(values: Record<string, string>, form: RecordForm<S, T>): void;
}

export class RecordForm<S extends z.ZodType, T> {
  readonly root: HTMLFormElement;
  private readonly inputs = new Map<string, HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>();
  private readonly problemsAt = new Map<string, HTMLElement>();
  private readonly rows = new Map<string, HTMLElement>();
  private readonly formProblem: HTMLElement;
  private readonly submit: HTMLButtonElement;

  constructor(private readonly opts: RecordFormOptions<S, T>) {
    this.formProblem = h("p", { class: "st-form-problem", role: "alert", hidden: true });
    this.submit = h("button", { type: "submit", class: "cp-btn cp-btn-primary" }, opts.submitLabel);
    this.root = h("form", { class: "st-form", "data-testid": opts.testid, novalidate: true });
    for (const field of opts.fields) this.root.append(this.row(field));
    this.root.append(this.formProblem, h("div", { class: "st-form-actions" }, this.submit));
    this.root.addEventListener("submit", (event) => {
      event.preventDefault();
      void this.submitAsync();
    });
    this.root.addEventListener("input", () => opts.onChange?.(this.values(), this));
  }

  private row(field: FieldSpec): HTMLElement {
    const id = `${this.opts.testid}-${field.name}`;
    const problem = h("span", { class: "st-problem", id: `${id}-problem`, "data-testid": `${id}-problem` });
    let input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
    if (field.kind === "select") input = h("select", { id, name: field.name });
    else if (field.kind === "textarea") input = h("textarea", { id, name: field.name, rows: 2 });
    else input = h("input", { id, name: field.name, type: field.kind, autocomplete: "off" });
    input.setAttribute("aria-describedby", `${id}-problem`);
    input.dataset.testid = id;
    this.inputs.set(field.name, input);
    this.problemsAt.set(field.name, problem);
    for (const other of field.alsoFor ?? []) this.problemsAt.set(other, problem);
    const row = h(
      "div",
      { class: "st-field" },
      h("label", { for: id }, field.label),
      input,
      field.hint ? h("span", { class: "st-hint" }, field.hint) : null,
      problem,
    );
    this.rows.set(field.name, row);
    return row;
  }

  /** Fills the pickers' choices again and sets the values (an empty form without them). */
  reset(values: Record<string, string> = {}): void {
    for (const field of this.opts.fields) {
      const input = this.inputs.get(field.name)!;
      if (input instanceof HTMLSelectElement && field.options) {
        input.replaceChildren(...field.options().map((o) => h("option", { value: o.value }, o.label)));
      }
      input.value = values[field.name] ?? (input instanceof HTMLSelectElement ? input.value : "");
    }
    this.showProblems([]);
    this.opts.onChange?.(this.values(), this);
  }

  values(): Record<string, string> {
    return Object.fromEntries([...this.inputs].map(([name, input]) => [name, input.value]));
  }

  /** Shows or hides a field (a wearable has no tooth). */
  setVisible(name: string, visible: boolean): void {
    const row = this.rows.get(name);
    if (row) row.hidden = !visible;
  }

  showProblems(problems: FieldProblem[], message?: string): void {
    for (const el of this.problemsAt.values()) el.textContent = "";
    for (const input of this.inputs.values()) input.removeAttribute("aria-invalid");
    const loose: string[] = [];
    for (const p of problems) {
      const key = p.path.split(".")[0] ?? "";
      const at = this.problemsAt.get(key);
      if (!at) {
        loose.push(p.message);
        continue;
      }
      if (!at.textContent) at.textContent = p.message;
      this.inputs.get(key)?.setAttribute("aria-invalid", "true");
    }
    const top = message && problems.length === 0 ? message : loose.join(" ");
    this.formProblem.textContent = top;
    this.formProblem.hidden = top.length === 0;
  }

  private async submitAsync(): Promise<void> {
    const values = this.values();
    const own = this.opts.check?.(values) ?? [];
    const parsed = this.opts.schema.safeParse(this.opts.toInput(values));
    if (own.length > 0 || !parsed.success) {
      this.showProblems([...own, ...(parsed.success ? [] : fieldProblems(parsed.error))]);
      return;
    }
    this.showProblems([]);
    this.submit.disabled = true;
    try {
      const result = await this.opts.submitAsync(parsed.data);
      if (result.ok) this.opts.onDone(result.value);
      else this.showProblems(result.error.problems ?? [], result.error.message);
    } finally {
      this.submit.disabled = false;
    }
  }
}
