/**
 * The tooth notation this person reads (FDI, Universal or Palmer), remembered per person in the
 * browser's localStorage under a key with their staff/person id, so a shared surgery PC keeps each
 * clinician's choice. Everything in the panel that names a tooth asks `number(fdi)`/`label(fdi)`;
 * teeth stay FDI in data, ids and tests.
 */

import { deviceName } from "../../shared/alarmWords.ts";
import {
  isToothNotation,
  NOTATION_NAMES,
  ToothNotation,
  toothLabel,
  toothNumber,
} from "../../shared/teeth.ts";
import { h, PanelEvent } from "./dom.ts";

/** The part of `Storage` the preference needs (localStorage in the browser). */
export interface PreferenceStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export function notationKey(personId: string): string {
  return `chairside.toothNotation.${personId}`;
}

function browserStore(): PreferenceStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    // Storage can be blocked (privacy settings); the switch then lasts for this page only.
    return null;
  }
}

export class ToothNames {
  readonly onChange = new PanelEvent<ToothNotation>();
  private notation: ToothNotation = ToothNotation.fdi;
  private personId: string | null = null;

  constructor(private readonly store: PreferenceStore | null = browserStore()) {}

  get current(): ToothNotation {
    return this.notation;
  }

  /** Loads the person's saved notation (FDI if none); call when the page learns who is signed in. */
  forPerson(personId: string): void {
    if (personId === this.personId) return;
    this.personId = personId;
    const saved = this.read(notationKey(personId));
    this.apply(isToothNotation(saved) ? saved : ToothNotation.fdi);
  }

  /** Switches notation and remembers it for this person. */
  set(notation: ToothNotation): void {
    if (this.personId !== null) {
      try {
        this.store?.setItem(notationKey(this.personId), notation);
      } catch {
        // Quota or blocked storage: the choice still holds for this page.
      }
    }
    this.apply(notation);
  }

  /** "36", "19" or "LL6". */
  number(fdi: number): string {
    return toothNumber(fdi, this.notation);
  }

  /** A device as a person names it, never by its id: "Sensor at tooth 19" in the current notation. */
  device(tooth: number | null | undefined): string {
    return deviceName(tooth, this.notation);
  }

  /** "36 · lower left first molar" in the current notation. */
  label(fdi: number): string {
    return toothLabel(fdi, this.notation);
  }

  private apply(notation: ToothNotation): void {
    if (notation === this.notation) return;
    this.notation = notation;
    this.onChange.notify(notation);
  }

  private read(key: string): string | null {
    try {
      return this.store?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }
}

// Shared with the record, the replay and the FHIR export.
export { deviceName } from "../../shared/alarmWords.ts";

/** The FDI / Universal / Palmer switch for the panel header. */
export function notationSwitch(names: ToothNames): HTMLElement {
  const buttons = Object.values(ToothNotation).map((n) => {
    const b = h(
      "button",
      {
        type: "button",
        class: "cp-seg-btn",
        "data-testid": `notation-${n}`,
        "aria-pressed": String(names.current === n),
      },
      NOTATION_NAMES[n],
    );
    b.addEventListener("click", () => names.set(n));
    return b;
  });
  names.onChange.add((current) => {
    Object.values(ToothNotation).forEach((n, i) => {
      buttons[i]!.setAttribute("aria-pressed", String(current === n));
    });
  });
  return h(
    "div",
    { class: "cp-notation", role: "group", "aria-label": "Tooth notation" },
    h("span", { class: "cp-notation-label" }, "Teeth"),
    h("div", { class: "cp-segmented" }, ...buttons),
  );
}
