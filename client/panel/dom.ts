/** Small DOM helpers for the panel: element creation, cheap text updates and a typed event. */

type AttrValue = string | number | boolean | null | undefined;
export type Attrs = Record<string, AttrValue>;
export type Child = Node | string | null | undefined | false;

/** Creates an element with attributes (false/null/undefined are skipped, true is an empty attribute). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
}

/** Sets text only when it changed, so frequent refreshes do not touch the DOM. */
export function setText(el: Element, text: string): void {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets or removes an attribute only when it changed. */
export function setAttr(el: Element, name: string, value: AttrValue): void {
  if (value === false || value === null || value === undefined) {
    if (el.hasAttribute(name)) el.removeAttribute(name);
    return;
  }
  const str = value === true ? "" : String(value);
  if (el.getAttribute(name) !== str) el.setAttribute(name, str);
}

/** Replaces all children of an element. */
export function replaceChildren(el: Element, children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A card with a header (title + optional right-hand slot) and a body. */
export function card(
  title: string,
  testid: string,
): { root: HTMLElement; body: HTMLElement; headerExtra: HTMLElement } {
  const headerExtra = h("div", { class: "cp-card-extra" });
  const heading = h("h2", { class: "cp-card-title" }, title);
  const body = h("div", { class: "cp-card-body" });
  const root = h(
    "section",
    { class: "cp-card", "data-testid": testid, "aria-label": title },
    h("header", { class: "cp-card-header" }, heading, headerExtra),
    body,
  );
  return { root, body, headerExtra };
}

/** A button that never submits a form. */
export function button(label: string, attrs: Attrs = {}): HTMLButtonElement {
  return h("button", { type: "button", class: "cp-btn", ...attrs }, label);
}

/** A typed event: `add` returns a function that removes the listener. */
export class PanelEvent<T> {
  private readonly listeners = new Set<(value: T) => void>();

  add(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  notify(value: T): void {
    for (const listener of [...this.listeners]) listener(value);
  }

  clear(): void {
    this.listeners.clear();
  }
}

const ICONS = {
  bellOff:
    '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M20 18.7 5.3 4 4 5.3l2.7 2.7A6.9 6.9 0 0 0 6 11v5l-2 2v1h13.7l1 1L20 18.7zM12 22a2 2 0 0 0 2-2h-4a2 2 0 0 0 2 2zm6-6.3V11c0-3.1-1.6-5.6-4.5-6.3V4a1.5 1.5 0 0 0-3 0v.7c-.5.1-.9.3-1.3.5L18 15.7z"/></svg>',
  hand: '<svg viewBox="0 0 24 24" width="22" height="22" aria-hidden="true"><path fill="currentColor" d="M21 7v11a4 4 0 0 1-4 4h-5.6a4 4 0 0 1-2.9-1.2L2 14.2s1.1-1 1.4-1.1a1 1 0 0 1 .9-.1L8 15V5.5a1.5 1.5 0 0 1 3 0V11h1V3.5a1.5 1.5 0 0 1 3 0V11h1V4.5a1.5 1.5 0 0 1 3 0V11h1V7a1.5 1.5 0 0 1 3 0z"/></svg>',
  warning:
    '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true"><path fill="currentColor" d="M1 21h22L12 2 1 21zm12-3h-2v-2h2v2zm0-4h-2v-4h2v4z"/></svg>',
  speaker:
    '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M3 9v6h4l5 5V4L7 9H3zm13.5 3A4.5 4.5 0 0 0 14 8v8a4.5 4.5 0 0 0 2.5-4z"/></svg>',
  speakerOff:
    '<svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true"><path fill="currentColor" d="M16.5 12A4.5 4.5 0 0 0 14 8v2.2l2.4 2.4.1-.6zM19 12c0 .9-.2 1.8-.5 2.6l1.5 1.5A8.8 8.8 0 0 0 21 12a9 9 0 0 0-7-8.8v2.1a7 7 0 0 1 5 6.7zM4.3 3 3 4.3 7.7 9H3v6h4l5 5v-6.7l4.3 4.2c-.7.5-1.4.9-2.3 1.2v2A9 9 0 0 0 17.7 18l2 2 1.3-1.3-9-9L4.3 3zM12 4 9.9 6.1 12 8.2V4z"/></svg>',
} as const;

/** An inline SVG icon from a fixed set (markup is constant, never user data). */
export function icon(name: keyof typeof ICONS, cls = "cp-icon"): HTMLSpanElement {
  const span = h("span", { class: cls, "aria-hidden": "true" });
  span.innerHTML = ICONS[name];
  return span;
}
