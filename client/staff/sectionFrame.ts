/** The frame every part of the staff page shares: a titled card, a list and an optional form. */
import { h } from "../panel/dom.ts";

export interface Section {
  root: HTMLElement;
  /** The right-hand side of the heading (a day picker, a "New" button). */
  tools: HTMLElement;
  body: HTMLElement;
}

export function section(title: string, testid: string, lede?: string): Section {
  const tools = h("div", { class: "st-tools" });
  const body = h("div", { class: "st-body" });
  const root = h(
    "section",
    { class: "st-section", "data-testid": testid, "aria-labelledby": `${testid}-title` },
    h("header", { class: "st-section-header" }, h("h2", { id: `${testid}-title` }, title), tools),
    lede ? h("p", { class: "st-lede" }, lede) : null,
    body,
  );
  return { root, tools, body };
}

/** A table with a header row; `empty` is shown when there are no rows. */
export function table(headings: string[], rows: HTMLTableRowElement[], empty: string): HTMLElement {
  if (rows.length === 0) return h("p", { class: "st-empty" }, empty);
  return h(
    "table",
    { class: "st-table" },
    h("thead", {}, h("tr", {}, ...headings.map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", {}, ...rows),
  );
}

/** A small button for a row's action. */
export function rowButton(label: string, testid: string, onClick: () => void, tone = ""): HTMLButtonElement {
  const b = h(
    "button",
    { type: "button", class: `cp-btn cp-btn-sm ${tone}`.trim(), "data-testid": testid },
    label,
  );
  b.addEventListener("click", onClick);
  return b;
}

/** A form that opens under the list (new or edit), with a title and a close button. */
export function formPanel(title: string): {
  root: HTMLElement;
  setTitle(t: string): void;
  body: HTMLElement;
} {
  const heading = h("h3", {}, title);
  const body = h("div", {});
  const close = h("button", { type: "button", class: "cp-btn cp-btn-sm cp-btn-ghost" }, "Close");
  const root = h(
    "div",
    { class: "st-form-panel", hidden: true },
    h("div", { class: "st-form-panel-header" }, heading, close),
    body,
  );
  close.addEventListener("click", () => {
    root.hidden = true;
  });
  return { root, setTitle: (t) => (heading.textContent = t), body };
}

/** The clinic's wall-clock time of a local date-time (YYYY-MM-DDTHH:MM). */
export function timeOf(scheduledAt: string): string {
  return scheduledAt.slice(11, 16);
}

export function formatWhen(ms: number | null): string {
  if (ms === null) return "never";
  return new Date(ms).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
