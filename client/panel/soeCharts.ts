/** The "Live sensors" card: one SignalChart per SOE signal, redrawn at most once per frame. */
import { type CheckedReading, SIGNALS, type Signal } from "../../shared/soe/signals.ts";
import { CHART_WINDOW_MS } from "./chartSeries.ts";
import { card, h, setText } from "./dom.ts";
import { type ChartContext, SignalChart } from "./signalChart.ts";

const PLOT_HEIGHT = 84;

export class SoeCharts {
  readonly root: HTMLElement;
  private readonly charts = new Map<Signal, SignalChart>();
  private readonly status: HTMLElement;
  private readonly resize: ResizeObserver | null;

  constructor(ctx: ChartContext) {
    const c = card("Live sensors", "soe-charts");
    this.root = c.root;
    c.headerExtra.append(
      h("span", { class: "cp-muted" }, `last ${CHART_WINDOW_MS / 60_000} min`),
      h(
        "span",
        { class: "cp-legend-mini", title: "Marker legend" },
        h("span", { class: "cp-mk cp-mk-invalid", "aria-hidden": "true" }),
        "invalid ",
        h("span", { class: "cp-mk cp-mk-suspect", "aria-hidden": "true" }),
        "suspect ",
        h("span", { class: "cp-mk cp-mk-retracted", "aria-hidden": "true" }, "×"),
        "retracted",
      ),
    );
    this.status = h("p", { class: "cp-muted cp-history", "data-testid": "history-status", hidden: true });
    c.body.append(this.status);
    SIGNALS.forEach((signal, i) => {
      const chart = new SignalChart(
        signal,
        ctx,
        PLOT_HEIGHT + (i === SIGNALS.length - 1 ? 16 : 0),
        i === SIGNALS.length - 1,
      );
      this.charts.set(signal, chart);
      c.body.append(chart.root);
    });
    this.resize =
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver((entries) => {
            for (const entry of entries) {
              const signal = (entry.target as HTMLElement).dataset.signal as Signal | undefined;
              const width = entry.contentRect.width;
              if (signal !== undefined && width > 0) this.charts.get(signal)?.setWidth(width);
            }
          });
    // Each chart follows its own width: in wide layouts they sit side by side.
    for (const chart of this.charts.values()) this.resize?.observe(chart.root);
  }

  add(r: CheckedReading): void {
    this.charts.get(r.signal)?.add(r);
  }

  /** Renames series after the reader switched tooth notation. */
  relabel(): void {
    for (const chart of this.charts.values()) chart.relabel();
  }

  /** Marks every chart for redraw so the time axis keeps scrolling without new data. */
  scroll(): void {
    for (const chart of this.charts.values()) chart.dirty = true;
  }

  get dirty(): boolean {
    for (const chart of this.charts.values()) if (chart.dirty) return true;
    return false;
  }

  render(): void {
    for (const chart of this.charts.values()) chart.render();
  }

  /** A line under the card header: history loading, or why it failed. */
  setStatus(text: string | null): void {
    this.status.hidden = text === null;
    setText(this.status, text ?? "");
  }

  plottedCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [signal, chart] of this.charts) out[signal] = chart.set.plottedCount();
    return out;
  }

  dispose(): void {
    this.resize?.disconnect();
    for (const chart of this.charts.values()) chart.dispose();
  }
}
