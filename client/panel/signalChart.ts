/**
 * One compact uPlot chart for one SOE signal: a series per device (legend by tooth), the latest
 * value per series, a quality badge with the reason in words, markers for invalid and retracted
 * readings, and gaps where samples are missing. Rendering happens only in `render()`, which the
 * panel calls at most once per animation frame.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { type CheckedReading, SIGNAL_SPECS, type Signal } from "../../shared/soe/signals.ts";
import { type SeriesEntry, SignalSeriesSet } from "./chartSeries.ts";
import { clinicalBands, displayRange, seriesColour, thresholdLines } from "./chartStyle.ts";
import { h, setAttr, setText } from "./dom.ts";
import { formatTime, formatValue, SIGNAL_SHORT, unitText } from "./format.ts";

/** A series with no reading for this long shows its last value greyed as stale. */
export const SERIES_STALE_MS = 10_000;

const AXIS_FONT = "10px system-ui, sans-serif";
const AXIS_STROKE = "#5b6675";
const GRID = { stroke: "#e9edf1", width: 1 };

export interface ChartContext {
  now(): number;
  isQuarantined(deviceId: string): boolean;
  /** A tooth's number in the reader's notation; FDI when absent. */
  toothName?(fdi: number): string;
}

interface Chip {
  root: HTMLElement;
  label: HTMLElement;
  value: HTMLElement;
}

type BadgeQuality = "valid" | "suspect" | "invalid" | "none";

export class SignalChart {
  readonly root: HTMLElement;
  readonly set: SignalSeriesSet;
  private readonly plotHost: HTMLElement;
  private readonly badge: HTMLElement;
  private readonly values: HTMLElement;
  private readonly note: HTMLElement;
  private readonly chips = new Map<string, Chip>();
  private plot: uPlot | null = null;
  private plotKeys = "";
  private width = 380;
  dirty = true;

  constructor(
    readonly signal: Signal,
    private readonly ctx: ChartContext,
    private readonly height: number,
    private readonly showXAxis: boolean,
  ) {
    this.set = new SignalSeriesSet(signal);
    const unit = unitText(signal);
    this.badge = h(
      "span",
      { class: "cp-quality", "data-testid": `quality-${signal}`, "data-quality": "none" },
      "no data",
    );
    this.values = h("div", { class: "cp-chart-values", "data-testid": `values-${signal}` });
    this.note = h("p", { class: "cp-chart-note", "data-testid": `quality-reason-${signal}`, hidden: true });
    this.plotHost = h("div", {
      class: "cp-chart-plot",
      role: "img",
      "aria-label": `${SIGNAL_SPECS[signal].label}, last 2 minutes`,
    });
    this.root = h(
      "div",
      { class: "cp-chart", "data-testid": `chart-${signal}`, "data-signal": signal },
      h(
        "div",
        { class: "cp-chart-head" },
        h(
          "div",
          { class: "cp-chart-id" },
          h(
            "span",
            { class: "cp-chart-title" },
            SIGNAL_SHORT[signal],
            unit ? h("span", { class: "cp-unit" }, ` ${unit}`) : null,
          ),
          this.badge,
        ),
        this.values,
      ),
      this.plotHost,
      this.note,
    );
  }

  add(r: CheckedReading): void {
    this.set.add(r);
    this.dirty = true;
  }

  setWidth(width: number): void {
    const w = Math.max(200, Math.floor(width));
    if (w === this.width) return;
    this.width = w;
    this.plot?.setSize({ width: w, height: this.height });
  }

  render(): void {
    if (!this.dirty) return;
    this.dirty = false;
    const now = this.ctx.now();
    this.set.trim(now);
    const entries = this.set.entries();
    const keys = entries.map((e) => e.key).join(",");
    if (keys !== this.plotKeys || this.plot === null) {
      this.plot?.destroy();
      this.plot = this.createPlot(entries);
      this.plotKeys = keys;
    }
    const { x, ys } = this.set.aligned();
    this.plot.setData([x, ...ys] as uPlot.AlignedData, true);
    this.renderHeader(entries, now);
  }

  dispose(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private createPlot(entries: SeriesEntry[]): uPlot {
    const signal = this.signal;
    const windowMs = this.set.windowMs;
    const opts: uPlot.Options = {
      width: this.width,
      height: this.height,
      legend: { show: false },
      cursor: { show: false },
      pxAlign: 0,
      // Same right padding on every chart, so "now" lines up down the card.
      padding: [8, 14, 6, 0],
      scales: {
        x: { time: false, range: () => [this.ctx.now() - windowMs, this.ctx.now()] },
        y: { range: (_u, min, max) => displayRange(signal, min ?? null, max ?? null) },
      },
      axes: [
        {
          show: this.showXAxis,
          size: 16,
          font: AXIS_FONT,
          stroke: AXIS_STROKE,
          grid: GRID,
          ticks: { show: false },
          // Clock minutes (hh:mm) inside the window, and "now" at the right edge.
          splits: () => minuteSplits(this.ctx.now(), windowMs),
          values: (_u, splits) => splits.map((v, i) => (i === splits.length - 1 ? "now" : formatTime(v))),
        },
        {
          size: 34,
          font: AXIS_FONT,
          stroke: AXIS_STROKE,
          grid: GRID,
          ticks: { show: false },
          space: 18,
          values: (_u, splits) => splits.map((v) => v.toFixed(tickDecimals(splits))),
        },
      ],
      series: [
        {},
        ...entries.map((e) => ({
          label: e.label,
          stroke: seriesColour(e.tooth),
          width: 1.5,
          spanGaps: false,
          points: { show: false },
        })),
      ],
      hooks: {
        drawAxes: [(u: uPlot) => this.drawReferences(u)],
        draw: [(u: uPlot) => this.drawMarkers(u)],
      },
    };
    return new uPlot(opts, [[], ...entries.map(() => [])] as uPlot.AlignedData, this.plotHost);
  }

  /** Clinical bands (DOMAIN.md) and threshold lines, under the series, labelled where they fit. */
  private drawReferences(u: uPlot): void {
    const { ctx, bbox } = u;
    const px = uPlot.pxRatio;
    ctx.save();
    ctx.font = `${10 * px}px system-ui, sans-serif`;
    ctx.textAlign = "left";
    ctx.textBaseline = "top";
    for (const band of clinicalBands(this.signal)) {
      const top = u.valToPos(band.to, "y", true);
      const bottom = u.valToPos(band.from, "y", true);
      const y0 = Math.max(bbox.top, Math.min(top, bottom));
      const y1 = Math.min(bbox.top + bbox.height, Math.max(top, bottom));
      if (y1 <= y0) continue;
      ctx.fillStyle = band.kind === "normal" ? "rgba(46, 125, 50, 0.08)" : "rgba(198, 40, 40, 0.07)";
      ctx.fillRect(bbox.left, y0, bbox.width, y1 - y0);
      if (y1 - y0 >= 13 * px) {
        ctx.fillStyle = band.kind === "normal" ? "rgba(27, 94, 32, 0.75)" : "rgba(183, 28, 28, 0.8)";
        ctx.fillText(band.label, bbox.left + 4 * px, y0 + 2 * px);
      }
    }
    for (const line of thresholdLines(this.signal)) {
      const y = u.valToPos(line.value, "y", true);
      if (y < bbox.top || y > bbox.top + bbox.height) continue;
      ctx.strokeStyle = "rgba(198, 40, 40, 0.6)";
      ctx.setLineDash([4 * px, 3 * px]);
      ctx.lineWidth = px;
      ctx.beginPath();
      ctx.moveTo(bbox.left, y);
      ctx.lineTo(bbox.left + bbox.width, y);
      ctx.stroke();
    }
    ctx.restore();
  }

  /** Invalid readings: red ticks on the baseline (their value is not trusted). Suspect: hollow amber
   * rings on the line. Retracted: grey crosses where they were, so nothing vanishes silently. */
  private drawMarkers(u: uPlot): void {
    const { ctx, bbox } = u;
    const px = uPlot.pxRatio;
    const xMin = u.scales.x.min ?? 0;
    const [yMin, yMax] = [u.scales.y.min ?? 0, u.scales.y.max ?? 1];
    ctx.save();
    ctx.lineWidth = 1.25 * px;
    for (const e of this.set.entries()) {
      for (const p of e.buffer.points) {
        if (p.t < xMin || p.state === "valid") continue;
        const x = u.valToPos(p.t, "x", true);
        if (p.state === "invalid") {
          const y = bbox.top + bbox.height;
          ctx.fillStyle = "#c62828";
          ctx.beginPath();
          ctx.moveTo(x, y - 7 * px);
          ctx.lineTo(x - 3.5 * px, y);
          ctx.lineTo(x + 3.5 * px, y);
          ctx.closePath();
          ctx.fill();
          continue;
        }
        const y = u.valToPos(Math.min(yMax, Math.max(yMin, p.v)), "y", true);
        ctx.beginPath();
        if (p.state === "suspect") {
          ctx.strokeStyle = "#e69500";
          ctx.arc(x, y, 3 * px, 0, Math.PI * 2);
        } else {
          const r = 2.5 * px;
          ctx.strokeStyle = "#8d99a6";
          ctx.moveTo(x - r, y - r);
          ctx.lineTo(x + r, y + r);
          ctx.moveTo(x + r, y - r);
          ctx.lineTo(x - r, y + r);
        }
        ctx.stroke();
      }
    }
    ctx.restore();
  }

  private renderHeader(entries: SeriesEntry[], now: number): void {
    const problems: string[] = [];
    let worst: BadgeQuality = "none";
    let retracted = 0;
    for (const e of entries) {
      const chip = this.chipFor(e, entries.length === 1);
      const r = e.latest;
      retracted += e.buffer.countWhere((p) => p.state === "retracted");
      if (r === null) continue;
      const stale = now - r.receivedAt > SERIES_STALE_MS;
      const quarantined = this.ctx.isQuarantined(e.key);
      const retractedNow = r.status === "entered-in-error";
      const state = retractedNow ? "retracted" : stale ? "stale" : r.quality;
      setAttr(chip.root, "data-state", state);
      setAttr(chip.root, "data-quarantined", quarantined ? "true" : null);
      setText(
        chip.value,
        r.quality === "invalid" && !retractedNow ? "—" : formatValue(this.signal, r.value, false),
      );
      const why = retractedNow
        ? "retracted (entered in error)"
        : stale
          ? `no reading for ${Math.round((now - r.receivedAt) / 1000)} s`
          : r.quality !== "valid"
            ? `${r.quality}: ${r.reason ?? "no reason given"}`
            : null;
      setAttr(
        chip.root,
        "title",
        `${this.labelOf(e)}: ${why ?? "valid"}${quarantined ? " · device quarantined" : ""}`,
      );
      if (stale) continue;
      const q: BadgeQuality = retractedNow ? "invalid" : r.quality;
      if (rank(q) > rank(worst)) worst = q;
      if (why !== null) problems.push(`${this.labelOf(e)} ${why}`);
    }
    entries.forEach((e, i) => {
      const root = this.chips.get(e.key)!.root;
      if (this.values.children[i] !== root) this.values.insertBefore(root, this.values.children[i] ?? null);
    });

    setAttr(this.badge, "data-quality", worst);
    setText(this.badge, worst === "none" ? "no data" : worst);
    setAttr(
      this.badge,
      "title",
      problems.length > 0
        ? problems.join("\n")
        : worst === "none"
          ? "No recent readings"
          : "All latest readings valid",
    );
    const noteParts = [...problems];
    if (retracted > 0)
      noteParts.push(`${retracted} retracted reading${retracted > 1 ? "s" : ""} shown as grey ×`);
    this.note.hidden = noteParts.length === 0;
    setText(this.note, noteParts.join(" · "));
  }

  /** A series' name as the reader reads teeth ("36", "19" or "LL6"); "HR" for the wearable. */
  private labelOf(e: SeriesEntry): string {
    return e.tooth !== null && this.ctx.toothName ? this.ctx.toothName(e.tooth) : e.label;
  }

  /** Renames the legend chips after the reader switched tooth notation. */
  relabel(): void {
    for (const e of this.set.entries()) {
      const chip = this.chips.get(e.key);
      if (chip !== undefined) setText(chip.label, this.labelOf(e));
    }
    this.dirty = true;
  }

  private chipFor(e: SeriesEntry, single: boolean): Chip {
    let chip = this.chips.get(e.key);
    if (chip === undefined) {
      const value = h("b", { class: "cp-val-num" }, "—");
      const label = h("span", { class: "cp-val-label" }, this.labelOf(e));
      const root = h(
        "span",
        {
          class: `cp-val${single ? " cp-val-single" : ""}`,
          "data-testid": `value-${this.signal}-${e.label}`,
        },
        h("i", { class: "cp-swatch", style: `background:${seriesColour(e.tooth)}` }),
        label,
        value,
      );
      chip = { root, label, value };
      this.chips.set(e.key, chip);
      this.values.append(root);
    }
    return chip;
  }
}

function rank(q: BadgeQuality): number {
  return q === "invalid" ? 3 : q === "suspect" ? 2 : q === "valid" ? 1 : 0;
}

/** The whole minutes inside the window, then "now": x ticks a clinician reads as clock times. */
export function minuteSplits(nowMs: number, windowMs: number): number[] {
  const out: number[] = [];
  const first = Math.ceil((nowMs - windowMs) / 60_000) * 60_000;
  // A minute tick too close to "now" would print on top of it.
  for (let t = first; t <= nowMs - windowMs * 0.12; t += 60_000) out.push(t);
  out.push(nowMs);
  return out;
}

/** Enough decimals to tell neighbouring y ticks apart (0.5 steps show one, 0.25 two). */
function tickDecimals(splits: readonly number[]): number {
  const step = splits.length > 1 ? Math.abs(splits[1]! - splits[0]!) : 1;
  for (let d = 0; d < 2; d++) {
    const scaled = step * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6) return d;
  }
  return 2;
}
