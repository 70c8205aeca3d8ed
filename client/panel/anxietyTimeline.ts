/**
 * The comfort strip: heart-rate % change from the patient's baseline (line, right axis), check-in
 * self-ratings 0-10 (dots, left axis), stops (red lines) and check-in requests (blue dashed lines).
 */
import uPlot from "uplot";
import { COMFORT_WINDOW_MS, type TimelineData } from "./comfortHistory.ts";
import { h } from "./dom.ts";

const HEIGHT = 96;
const FONT = "10px system-ui, sans-serif";
const STROKE = "#5b6675";
const GRID = { stroke: "#e9edf1", width: 1 };
const HR_COLOUR = "#c2185b";
const SCORE_COLOUR = "#1565c0";
const STOP_COLOUR = "#c62828";
const REQUEST_COLOUR = "#1e88e5";

export class AnxietyTimeline {
  readonly root: HTMLElement;
  private readonly host: HTMLElement;
  private plot: uPlot | null = null;
  private data: TimelineData = { x: [], ys: [[], []], stops: [], requests: [] };
  private width = 380;

  constructor(private readonly now: () => number) {
    this.host = h("div", { class: "cp-timeline-plot" });
    this.root = h(
      "div",
      {
        class: "cp-timeline",
        "data-testid": "anxiety-timeline",
        role: "img",
        "aria-label": "Comfort timeline, last 10 minutes",
      },
      this.host,
      h(
        "div",
        { class: "cp-timeline-legend", "aria-hidden": "true" },
        h("span", {}, h("i", { class: "cp-line", style: `background:${HR_COLOUR}` }), "HR % vs baseline"),
        h("span", {}, h("i", { class: "cp-dotmark", style: `background:${SCORE_COLOUR}` }), "check-in 0–10"),
        h("span", {}, h("i", { class: "cp-vline", style: `border-color:${STOP_COLOUR}` }), "patient stop"),
        h(
          "span",
          {},
          h("i", { class: "cp-vline cp-vline-dashed", style: `border-color:${REQUEST_COLOUR}` }),
          "check-in asked",
        ),
      ),
    );
  }

  setWidth(width: number): void {
    const w = Math.max(200, Math.floor(width));
    if (w === this.width) return;
    this.width = w;
    this.plot?.setSize({ width: w, height: HEIGHT });
  }

  render(data: TimelineData): void {
    this.data = data;
    if (this.plot === null) this.plot = this.create();
    this.plot.setData([data.x, ...data.ys] as uPlot.AlignedData, true);
  }

  dispose(): void {
    this.plot?.destroy();
    this.plot = null;
  }

  private create(): uPlot {
    const opts: uPlot.Options = {
      width: this.width,
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      scales: {
        x: { time: false, range: () => [this.now() - COMFORT_WINDOW_MS, this.now()] },
        score: { range: [0, 10] },
        pct: { range: (_u, min, max) => [Math.min(-20, min ?? 0), Math.max(40, max ?? 0)] },
      },
      axes: [
        {
          size: 16,
          font: FONT,
          stroke: STROKE,
          grid: GRID,
          ticks: { show: false },
          splits: () => [10, 7.5, 5, 2.5, 0].map((m) => this.now() - m * 60_000),
          values: (_u, splits) =>
            splits.map((v) => {
              const min = Math.round((this.now() - v) / 60_000);
              return min === 0 ? "now" : `−${min} min`;
            }),
        },
        {
          scale: "score",
          size: 28,
          font: FONT,
          stroke: SCORE_COLOUR,
          grid: GRID,
          ticks: { show: false },
          splits: () => [0, 5, 10],
        },
        {
          scale: "pct",
          side: 1,
          size: 44,
          font: FONT,
          stroke: HR_COLOUR,
          grid: { show: false },
          ticks: { show: false },
          space: 20,
          values: (_u, splits) => splits.map((v) => `${v > 0 ? "+" : ""}${v}%`),
        },
      ],
      series: [
        {},
        {
          label: "HR % vs baseline",
          scale: "pct",
          stroke: HR_COLOUR,
          width: 1.5,
          spanGaps: false,
          points: { show: false },
        },
        {
          label: "Check-in",
          scale: "score",
          stroke: SCORE_COLOUR,
          paths: () => null,
          points: { show: true, size: 8, fill: SCORE_COLOUR, stroke: "#ffffff", width: 1.5 },
        },
      ],
      hooks: { draw: [(u: uPlot) => this.drawMarkers(u)] },
    };
    return new uPlot(opts, [[], [], []], this.host);
  }

  private drawMarkers(u: uPlot): void {
    const { ctx, bbox } = u;
    const px = uPlot.pxRatio;
    ctx.save();
    ctx.font = `bold ${9 * px}px system-ui, sans-serif`;
    const line = (t: number, colour: string, dashed: boolean, label: string) => {
      const x = u.valToPos(t, "x", true);
      if (x < bbox.left || x > bbox.left + bbox.width) return;
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = 1.5 * px;
      ctx.setLineDash(dashed ? [3 * px, 3 * px] : []);
      ctx.beginPath();
      ctx.moveTo(x, bbox.top);
      ctx.lineTo(x, bbox.top + bbox.height);
      ctx.stroke();
      ctx.fillText(label, x + 3 * px, bbox.top + 10 * px);
    };
    for (const t of this.data.requests) line(t, REQUEST_COLOUR, true, "?");
    for (const t of this.data.stops) line(t, STOP_COLOUR, false, "STOP");
    ctx.restore();
  }
}
