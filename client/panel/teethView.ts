/**
 * Tooth heat map (FDI chart as the clinician faces the patient: patient's right on the left), its
 * signal selector and legend, and the card of the selected tooth with every latest reading.
 */
import type { DeviceView } from "../../shared/protocol.ts";
import type { Signal } from "../../shared/soe/signals.ts";
import { toothLabel, toUniversal } from "../../shared/teeth.ts";
import { button, card, h, PanelEvent, replaceChildren, setAttr, setText } from "./dom.ts";
import { formatAgo, formatValue, SIGNAL_SHORT } from "./format.ts";
import type { LatestEntry } from "./latestReadings.ts";
import {
  HEATMAP_SIGNALS,
  type HeatmapSignal,
  legendFor,
  NO_SENSOR_COLOUR,
  type ToothState,
  UNKNOWN_COLOUR,
} from "./toothHeatmap.ts";

const UPPER = [18, 17, 16, 15, 14, 13, 12, 11, 21, 22, 23, 24, 25, 26, 27, 28];
const LOWER = [48, 47, 46, 45, 44, 43, 42, 41, 31, 32, 33, 34, 35, 36, 37, 38];
/** Every permanent tooth, in chart order. */
export const CHART_TEETH: readonly number[] = [...UPPER, ...LOWER];

const SELECTOR_LABEL: Readonly<Record<HeatmapSignal, string>> = {
  ph: "pH",
  inflammation: "Inflammation",
  plaque: "Plaque",
  temperature: "Temperature",
};

const CARD_SIGNALS: readonly Signal[] = ["ph", "temperature", "biteForce", "plaque", "inflammation"];

export interface TeethData {
  latest(signal: Signal, tooth: number): LatestEntry | undefined;
  device(tooth: number): DeviceView | undefined;
  now(): number;
}

export class TeethView {
  readonly root: HTMLElement;
  /** The user clicked a tooth (null: closed the card). */
  readonly onSelect = new PanelEvent<number | null>();
  readonly onSignal = new PanelEvent<HeatmapSignal>();
  private readonly cells = new Map<number, HTMLButtonElement>();
  private readonly signalButtons = new Map<HeatmapSignal, HTMLButtonElement>();
  private readonly legend: HTMLElement;
  private readonly toothCard: HTMLElement;
  private readonly cardTitle: HTMLElement;
  private readonly cardUniversal: HTMLElement;
  private readonly cardDevice: HTMLElement;
  private readonly cardState: HTMLElement;
  private readonly cardRows: HTMLTableSectionElement;
  private selected: number | null = null;
  private states = new Map<number, ToothState>();
  private legendSignal: HeatmapSignal | null = null;

  constructor(private readonly data: TeethData) {
    const c = card("Teeth", "teeth");
    this.root = c.root;
    const selector = h("div", { class: "cp-segmented", role: "group", "aria-label": "Heat-map signal" });
    for (const s of HEATMAP_SIGNALS) {
      const b = button(SELECTOR_LABEL[s], {
        class: "cp-seg-btn",
        "data-testid": `heatmap-signal-${s}`,
        "aria-pressed": "false",
      });
      b.addEventListener("click", () => this.onSignal.notify(s));
      this.signalButtons.set(s, b);
      selector.append(b);
    }
    c.headerExtra.append(selector);

    const row = (teeth: number[], jaw: string) =>
      h(
        "div",
        { class: "cp-jaw", role: "group", "aria-label": jaw },
        ...teeth.map((fdi, i) => {
          const cell = h(
            "button",
            {
              type: "button",
              class: `cp-tooth${i === 8 ? " cp-tooth-mid" : ""}`,
              "data-testid": `tooth-state-${fdi}`,
              "data-fdi": fdi,
            },
            String(fdi),
          );
          cell.addEventListener("click", () => this.onSelect.notify(this.selected === fdi ? null : fdi));
          this.cells.set(fdi, cell);
          return cell;
        }),
      );
    const chart = h(
      "div",
      { class: "cp-dental-chart", "data-testid": "tooth-heatmap" },
      h(
        "div",
        { class: "cp-jaw-sides", "aria-hidden": "true" },
        h("span", {}, "Patient's right"),
        h("span", {}, "Upper"),
        h("span", {}, "Patient's left"),
      ),
      row(UPPER, "Upper jaw"),
      row(LOWER, "Lower jaw"),
      h(
        "div",
        { class: "cp-jaw-sides", "aria-hidden": "true" },
        h("span", {}, ""),
        h("span", {}, "Lower"),
        h("span", {}, ""),
      ),
    );
    this.legend = h("div", { class: "cp-legend", "data-testid": "heatmap-legend" });
    this.cardTitle = h("strong", { "data-testid": "tooth-card-title" });
    this.cardUniversal = h("span", { class: "cp-muted" });
    this.cardDevice = h("p", { class: "cp-tc-device" });
    this.cardState = h("p", { class: "cp-tc-state", "data-testid": "tooth-card-state" });
    this.cardRows = h("tbody", {});
    const close = button("Close", {
      class: "cp-btn cp-btn-sm cp-btn-ghost",
      "aria-label": "Close tooth card",
    });
    close.addEventListener("click", () => this.onSelect.notify(null));
    this.toothCard = h(
      "div",
      { class: "cp-tooth-card", "data-testid": "tooth-card", hidden: true },
      h("div", { class: "cp-tc-head" }, h("div", {}, this.cardTitle, this.cardUniversal), close),
      this.cardDevice,
      this.cardState,
      h("table", { class: "cp-tc-table" }, this.cardRows),
    );
    c.body.append(chart, this.legend, this.toothCard);
  }

  renderStates(states: Map<number, ToothState>, signal: HeatmapSignal): void {
    this.states = states;
    for (const [s, b] of this.signalButtons) setAttr(b, "aria-pressed", s === signal ? "true" : "false");
    for (const [fdi, cell] of this.cells) {
      const st = states.get(fdi);
      if (st === undefined) continue;
      cell.style.backgroundColor = st.colour;
      cell.style.color = st.status === "no-sensor" ? "#6b7682" : readableOn(st.colour);
      setAttr(cell, "data-state", st.status);
      setAttr(cell, "data-level", st.level);
      setAttr(cell, "title", `${toothLabel(fdi)}\n${st.label}`);
      setAttr(cell, "aria-label", `${fdi}: ${st.label}`);
      setAttr(cell, "aria-pressed", this.selected === fdi ? "true" : "false");
      cell.classList.toggle("cp-tooth-unknown", st.status === "unknown");
      cell.classList.toggle("cp-tooth-none", st.status === "no-sensor");
    }
    this.renderLegend(signal);
    this.renderCard();
  }

  select(fdi: number | null): void {
    this.selected = fdi;
    for (const [n, cell] of this.cells) setAttr(cell, "aria-pressed", n === fdi ? "true" : "false");
    this.renderCard();
  }

  private renderLegend(signal: HeatmapSignal): void {
    if (this.legendSignal === signal) return;
    this.legendSignal = signal;
    const item = (colour: string, text: string, cls = "") =>
      h(
        "span",
        { class: `cp-legend-item ${cls}` },
        h("i", { class: "cp-swatch", style: `background:${colour}` }),
        text,
      );
    replaceChildren(this.legend, [
      ...legendFor(signal).map((l) => item(l.colour, l.text)),
      item(UNKNOWN_COLOUR, "unknown (data not valid)", "cp-legend-unknown"),
      item(NO_SENSOR_COLOUR, "no sensor"),
    ]);
  }

  /** Refreshes the card of the selected tooth: only its few rows are rebuilt. */
  renderCard(): void {
    const fdi = this.selected;
    this.toothCard.hidden = fdi === null;
    if (fdi === null) return;
    const now = this.data.now();
    const device = this.data.device(fdi);
    const state = this.states.get(fdi);
    setText(this.cardTitle, toothLabel(fdi));
    setText(this.cardUniversal, ` · Universal ${toUniversal(fdi)}`);
    setText(
      this.cardDevice,
      device === undefined
        ? "No sensor on this tooth."
        : `Sensor ${device.deviceId} · firmware ${device.firmware}${device.quarantined ? " · QUARANTINED" : ""}`,
    );
    this.cardState.hidden = state === undefined;
    setText(this.cardState, state?.label ?? "");
    this.cardState.className = `cp-tc-state cp-tc-${state?.status ?? "unknown"}`;
    const rows = CARD_SIGNALS.map((signal) => {
      const r = this.data.latest(signal, fdi)?.latest;
      let value = "—";
      let quality = "none";
      let why = "no reading";
      if (r !== undefined) {
        const retracted = r.status === "entered-in-error";
        value = r.quality === "invalid" && !retracted ? "—" : formatValue(signal, r.value);
        quality = retracted ? "retracted" : r.quality;
        const reason = retracted ? "entered in error" : (r.reason ?? "");
        why = `${reason}${reason ? " · " : ""}${formatAgo(r.receivedAt, now)}`;
      }
      return h(
        "tr",
        { "data-testid": `tooth-card-${signal}`, "data-quality": quality },
        h("th", { scope: "row" }, SIGNAL_SHORT[signal]),
        h("td", { class: `cp-tc-value${quality === "retracted" ? " cp-retracted" : ""}` }, value),
        h(
          "td",
          {},
          h(
            "span",
            { class: "cp-quality", "data-quality": quality === "retracted" ? "invalid" : quality },
            quality === "none" ? "no data" : quality,
          ),
        ),
        h("td", { class: "cp-tc-why" }, why),
      );
    });
    this.cardRows.replaceChildren(...rows);
  }
}

/** Dark text on light fills, white on dark ones. */
function readableOn(hex: string): string {
  const n = Number.parseInt(hex.slice(1), 16);
  const [r, g, b] = [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#1b2733" : "#ffffff";
}
