/**
 * Anxiety across visits as three small charts a clinician reads at a glance before the next visit:
 * the MDAS total over time (5-25, the high-anxiety line at 19 from DOMAIN.md), comfort ratings and
 * stops per visit, and the heart-rate rise above the patient's own baseline. Plain SVG, no library:
 * `anxietyChartModel` is pure (tested), `renderAnxietyCharts` only draws it. The table stays below
 * for exact numbers.
 */
import type { PatientAnxiety } from "../../shared/patientRecord.ts";

/** MDAS total range and the score at which the high-anxiety pathway starts (Humphris 1995). */
export const MDAS_MIN = 5;
export const MDAS_MAX = 25;
export const MDAS_HIGH = 19;

export interface AnxietyPoint {
  /** Position along the visits, 0..1 (oldest left). */
  x: number;
  /** Position of the value, 0..1 (0 bottom). */
  y: number;
  label: string;
  value: number;
}

export interface AnxietyChartModel {
  /** Visits with an MDAS intake, in time order. */
  mdas: AnxietyPoint[];
  /** Per visit: the worst (highest) comfort rating given, 0-10; visits without one are left out. */
  comfort: AnxietyPoint[];
  /** Per visit: how many times the patient stopped, on a scale fitted to the most stops (at least 3). */
  stops: AnxietyPoint[];
  stopsMax: number;
  /** Per visit: heart-rate peak above baseline (/min), scale fitted to the largest rise (at least 30). */
  heartRise: AnxietyPoint[];
  heartMax: number;
}

const day = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

/** Where each visit's numbers go on the three charts. */
export function anxietyChartModel(a: PatientAnxiety): AnxietyChartModel {
  const visits = [...a.visits].sort((p, q) => p.startedAt - q.startedAt);
  const xOf = (i: number) => (visits.length <= 1 ? 0.5 : i / (visits.length - 1));
  const stopsMax = Math.max(3, ...visits.map((v) => v.stops));
  const heartMax = Math.max(30, ...visits.map((v) => v.heartRateRise ?? 0));
  const point = (i: number, value: number, max: number, min = 0): AnxietyPoint => ({
    x: xOf(i),
    y: Math.min(1, Math.max(0, (value - min) / (max - min))),
    label: day.format(visits[i]!.startedAt),
    value,
  });
  return {
    mdas: visits.flatMap((v, i) => (v.mdasScore === null ? [] : [point(i, v.mdasScore, MDAS_MAX, MDAS_MIN)])),
    comfort: visits.flatMap((v, i) =>
      v.comfortRatings.length === 0 ? [] : [point(i, Math.max(...v.comfortRatings.map((c) => c.score)), 10)],
    ),
    stops: visits.map((v, i) => point(i, v.stops, stopsMax)),
    stopsMax,
    heartRise: visits.flatMap((v, i) =>
      v.heartRateRise === null ? [] : [point(i, Math.max(0, v.heartRateRise), heartMax)],
    ),
    heartMax,
  };
}

const SVG = "http://www.w3.org/2000/svg";
const W = 360;
const H = 150;
const PAD = { l: 34, r: 12, t: 12, b: 26 };

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

// Inset so the first and last bars and their dates stay inside the chart.
const px = (x: number) => PAD.l + (0.07 + x * 0.86) * (W - PAD.l - PAD.r);
const py = (y: number) => H - PAD.b - y * (H - PAD.t - PAD.b);

function frame(title: string, testId: string, ticks: { y: number; label: string }[]): SVGSVGElement {
  const svg = el("svg", {
    viewBox: `0 0 ${W} ${H}`,
    role: "img",
    "aria-label": title,
    class: "rc-anx-chart",
    "data-testid": testId,
  }) as SVGSVGElement;
  for (const t of ticks) {
    svg.append(el("line", { x1: PAD.l, x2: W - PAD.r, y1: py(t.y), y2: py(t.y), class: "rc-anx-grid" }));
    svg.append(
      el("text", { x: PAD.l - 6, y: py(t.y) + 4, "text-anchor": "end", class: "rc-anx-tick" }, t.label),
    );
  }
  return svg;
}

function xLabels(svg: SVGSVGElement, points: readonly AnxietyPoint[]): void {
  // At most six dates, so they never overlap.
  const step = Math.max(1, Math.ceil(points.length / 6));
  points.forEach((p, i) => {
    if (i % step === 0 || i === points.length - 1)
      svg.append(
        el("text", { x: px(p.x), y: H - 8, "text-anchor": "middle", class: "rc-anx-tick" }, p.label),
      );
  });
}

function figure(title: string, svg: SVGSVGElement, note: string): HTMLElement {
  const f = document.createElement("figure");
  f.className = "rc-anx-figure";
  const cap = document.createElement("figcaption");
  cap.textContent = title;
  const small = document.createElement("p");
  small.className = "rc-muted rc-anx-note";
  small.textContent = note;
  f.append(cap, svg, small);
  return f;
}

function mdasChart(m: AnxietyChartModel): HTMLElement {
  const y = (v: number) => (v - MDAS_MIN) / (MDAS_MAX - MDAS_MIN);
  const svg = frame(
    "MDAS over time",
    "anxiety-mdas-chart",
    [5, 10, 15, 19, 25].map((v) => ({ y: y(v), label: String(v) })),
  );
  svg.append(
    el("rect", {
      x: PAD.l,
      y: py(1),
      width: W - PAD.l - PAD.r,
      height: py(y(MDAS_HIGH)) - py(1),
      class: "rc-anx-high",
    }),
  );
  if (m.mdas.length > 1)
    svg.append(
      el("polyline", { points: m.mdas.map((p) => `${px(p.x)},${py(p.y)}`).join(" "), class: "rc-anx-line" }),
    );
  for (const p of m.mdas) {
    const dot = el("circle", { cx: px(p.x), cy: py(p.y), r: 4, class: "rc-anx-dot" });
    dot.append(el("title", {}, `${p.label}: MDAS ${p.value} / 25`));
    svg.append(dot);
  }
  xLabels(svg, m.mdas);
  return figure(
    "MDAS over time",
    svg,
    m.mdas.length === 0 ? "No MDAS intake yet." : "Shaded: 19 or more, the high-anxiety pathway.",
  );
}

function barsChart(
  title: string,
  testId: string,
  points: readonly AnxietyPoint[],
  max: number,
  unit: string,
  note: string,
  extra?: readonly AnxietyPoint[],
): HTMLElement {
  const svg = frame(
    title,
    testId,
    [0, 0.5, 1].map((y) => ({ y, label: String(Math.round(y * max)) })),
  );
  const slots = Math.max(1, points.length);
  const bw = Math.max(3, Math.min(18, ((W - PAD.l - PAD.r) / slots) * 0.6));
  for (const p of points) {
    const bar = el("rect", {
      x: px(p.x) - bw / 2,
      y: py(p.y),
      width: bw,
      height: Math.max(0, py(0) - py(p.y)),
      class: "rc-anx-bar",
    });
    bar.append(el("title", {}, `${p.label}: ${p.value}${unit}`));
    svg.append(bar);
  }
  for (const p of extra ?? []) {
    const dot = el("circle", { cx: px(p.x), cy: py(p.y), r: 4, class: "rc-anx-dot rc-anx-comfort" });
    dot.append(el("title", {}, `${p.label}: worst comfort rating ${p.value}/10`));
    svg.append(dot);
  }
  xLabels(svg, points);
  return figure(title, svg, note);
}

/** The three charts, side by side where the width allows. */
export function renderAnxietyCharts(a: PatientAnxiety): HTMLElement {
  const m = anxietyChartModel(a);
  const wrap = document.createElement("div");
  wrap.className = "rc-anx-charts";
  wrap.append(
    mdasChart(m),
    barsChart(
      "Stops and comfort per visit",
      "anxiety-stops-chart",
      m.stops,
      m.stopsMax,
      " stops",
      "Bars: times the patient stopped. Dots: worst check-in rating (0 calm, 10 very uncomfortable, scaled to the bars' height).",
      m.comfort,
    ),
    barsChart(
      "Heart-rate rise above baseline",
      "anxiety-heart-chart",
      m.heartRise,
      m.heartMax,
      " /min",
      a.baseline === null
        ? "No resting heart rate measured yet."
        : `Peak above the patient's own resting rate (${Math.round(a.baseline)} /min).`,
    ),
  );
  return wrap;
}
