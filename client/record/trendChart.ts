/**
 * One SOE trend across visits as a uPlot chart: a line per tooth, the normal band shaded and the
 * enamel-risk pH 5.5 drawn (DOMAIN.md), a null point from the API breaks the line (a gap stays a
 * gap, never bridged), and retracted readings drawn as hollow grey rings apart from the line.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { PatientTrends } from "../../shared/patientRecord.ts";
import { SIGNAL_SPECS } from "../../shared/soe/signals.ts";
import { displayRange, seriesColour, showsNormalBand, thresholdLines } from "../panel/chartStyle.ts";

const BAND = "rgba(15, 139, 141, 0.10)";
const RISK = "#b3261e";
const RETRACTED = "#8a94a0";

/** Columns uPlot wants: one time axis (seconds), a line per tooth, then a retracted column per tooth. */
function columns(trends: PatientTrends): { data: uPlot.AlignedData; teeth: (number | null)[] } {
  const times = [...new Set(trends.series.flatMap((s) => s.points.map((p) => p.t)))].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const lines: (number | null)[][] = [];
  const rings: (number | null)[][] = [];
  for (const s of trends.series) {
    // undefined: no point of this tooth at this time (bridged); null: a gap (broken).
    const line: (number | null | undefined)[] = times.map(() => undefined);
    const ring: (number | null)[] = times.map(() => null);
    for (const p of s.points) {
      const i = index.get(p.t)!;
      if (p.retracted) ring[i] = p.value;
      else line[i] = p.value;
    }
    lines.push(line as (number | null)[]);
    rings.push(ring);
  }
  return {
    data: [times.map((t) => t / 1000), ...lines, ...rings] as uPlot.AlignedData,
    teeth: trends.series.map((s) => s.tooth),
  };
}

export function renderTrendChart(host: HTMLElement, trends: PatientTrends, width: number): uPlot {
  const spec = SIGNAL_SPECS[trends.signal];
  const values = trends.series
    .flatMap((s) => s.points.map((p) => p.value))
    .filter((v): v is number => v !== null);
  const [min, max] = displayRange(
    trends.signal,
    values.length ? Math.min(...values) : null,
    values.length ? Math.max(...values) : null,
  );
  const { data, teeth } = columns(trends);
  const label = (tooth: number | null) => (tooth === null ? spec.label : `Tooth ${tooth}`);
  const series: uPlot.Series[] = [
    {},
    ...teeth.map((tooth) => ({
      label: label(tooth),
      stroke: seriesColour(tooth),
      width: 1.5,
      spanGaps: false,
      // Shown where there is room (uPlot's default): a short visit at a weeks-wide scale stays visible.
      points: { size: 5, fill: seriesColour(tooth) },
    })),
    ...teeth.map((tooth) => ({
      label: `${label(tooth)} retracted`,
      stroke: RETRACTED,
      width: 0,
      paths: () => null,
      points: { show: true, size: 7, stroke: RETRACTED, fill: "#fff", width: 1.5 },
    })),
  ];
  const drawBands = (u: uPlot) => {
    const ctx = u.ctx;
    const { left, width: w } = u.bbox;
    if (showsNormalBand(trends.signal)) {
      const top = u.valToPos(spec.normalHigh, "y", true);
      const bottom = u.valToPos(spec.normalLow, "y", true);
      ctx.save();
      ctx.fillStyle = BAND;
      ctx.fillRect(left, top, w, bottom - top);
      ctx.restore();
    }
    for (const line of thresholdLines(trends.signal)) {
      const y = u.valToPos(line.value, "y", true);
      ctx.save();
      ctx.strokeStyle = RISK;
      ctx.setLineDash([5, 4]);
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(left, y);
      ctx.lineTo(left + w, y);
      ctx.stroke();
      ctx.restore();
    }
  };
  return new uPlot(
    {
      width,
      height: 260,
      series,
      scales: { y: { range: [min, max] } },
      axes: [
        { stroke: "#5b6675", grid: { stroke: "#e9edf1" } },
        { stroke: "#5b6675", grid: { stroke: "#e9edf1" }, label: spec.unit.replace(/[[\]{}]/g, "") },
      ],
      hooks: { drawClear: [drawBands] },
      legend: { show: true },
    },
    data,
    host,
  );
}
