/**
 * The ONE lesson player (issue 12): opens the lesson behind the patient's link and shows any
 * lesson file, part by part, then its 3-5 questions. Brushing walks the arch tooth by tooth with a
 * 2-minute timer; the Stephan curve is a small chart; the personal pH part shows the patient's own
 * dips only after they agree here and only if their record holds some. Answers are stored at once.
 */
import type { ApiError } from "../../shared/apiErrors.ts";
import {
  type BrushingStop,
  brushingAt,
  brushingWalk,
  CRITICAL_PH,
  type GradedAnswer,
  type Lesson,
  type LessonSection,
  type PersonalPart,
  stephanCurve,
} from "../../shared/lessons.ts";
import { toothLabel } from "../../shared/teeth.ts";
import { maybeEmulateXRAsync, qualityFromUrl } from "../room/status.ts";
import { ArchChart } from "./archChart.ts";
import type { LessonStage, LessonStageState } from "./lessonStage.ts";
import { firstQuestionStep } from "./lessonSteps.ts";
import type { LessonVr } from "./lessonVr.ts";

declare global {
  interface Window {
    __chairsideLesson?: () => {
      index: number;
      stage: LessonStageState | null;
      vr: ReturnType<LessonVr["testState"]> | null;
    };
  }
}

interface PlayerView {
  lesson: Lesson;
  assignment: { personalConsent: boolean | null; answers: GradedAnswer[] };
  personal: PersonalPart | null;
}

const SURFACE_WORDS = { outer: "outside", inner: "inside", chewing: "chewing surface" } as const;

const app = document.getElementById("lesson-app")!;
const params = new URLSearchParams(location.search);
const assignmentId = params.get("a") ?? "";
const secret = params.get("k") ?? "";
const api = (suffix = "") =>
  `/api/lesson-links/${encodeURIComponent(assignmentId)}${suffix}?k=${encodeURIComponent(secret)}`;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

async function callAsync<T>(suffix: string, body?: unknown): Promise<T> {
  const r = await fetch(
    api(suffix),
    body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
  );
  const json = (await r.json()) as T | ApiError;
  if (!r.ok) throw new Error((json as ApiError).error?.message ?? "Something went wrong.");
  return json as T;
}

let view: PlayerView;
let index = 0;
let stopTimer: (() => void) | null = null;
/** The 3D stage, where the browser can show the lesson in a headset (or `?view=3d`). */
let stage: LessonStage | null = null;
let vr: LessonVr | null = null;
/** A Start pressed on the headset's panel, for the flat brushing view to follow. */
let startBrushingHere: ((atMs: number) => void) | null = null;
window.__chairsideLesson = () => ({
  index,
  stage: stage?.testState() ?? null,
  vr: vr?.testState() ?? null,
});

async function startAsync(): Promise<void> {
  try {
    view = await callAsync<PlayerView>("");
  } catch (error) {
    app.replaceChildren(
      el("h1", {}, "This lesson link does not open a lesson"),
      el("p", {}, (error as Error).message),
      el("p", {}, el("a", { href: "/" }, "Back to Chairside")),
    );
    return;
  }
  document.title = `Chairside · ${view.lesson.title}`;
  show();
  setUpStageAsync().catch((e: unknown) => {
    // No WebGL or no WebXR: the flat lesson is the whole lesson.
    console.warn(`[chairside lesson] no 3D stage: ${e instanceof Error ? e.message : String(e)}`);
  });
}

/** The flat page's part for a stage step (every question step is the flat quiz). */
function flatIndexOf(step: number): number {
  return Math.min(step, view.lesson.sections.length);
}

/**
 * A headset's browser (or `?view=3d`) gets the lesson in 3D above the flat page: the dentition
 * lights the teeth the lesson names, and "Do this lesson in VR" puts the learner by the lake.
 */
async function setUpStageAsync(): Promise<void> {
  const device = await maybeEmulateXRAsync();
  (window as unknown as { __xrDevice?: unknown }).__xrDevice = device;
  const wanted = params.get("view") === "3d";
  const xr = (navigator as Navigator & { xr?: { isSessionSupported(m: string): Promise<boolean> } }).xr;
  const headset = xr ? await xr.isSessionSupported("immersive-vr").catch(() => false) : false;
  if (!wanted && !headset) return;
  const [{ LessonStage }, { LessonVr }] = await Promise.all([
    import("./lessonStage.ts"),
    import("./lessonVr.ts"),
  ]);
  const box = el("section", { class: "ls-stage", "data-testid": "lesson-stage" });
  const canvas = el("canvas", { class: "ls-stage-canvas", "data-testid": "lesson-canvas" });
  const enter = button("Do this lesson in VR", "lesson-enter-vr", "primary", () => {
    if (stage?.xrState === "in_xr") void stage.exitXRAsync();
    else void stage?.enterXRAsync();
  });
  enter.hidden = true;
  box.append(canvas, el("div", { class: "ls-stage-bar" }, enter));
  app.before(box);
  const made = await LessonStage.createAsync(canvas, qualityFromUrl());
  stage = made;
  enter.hidden = !made.xrAvailable;
  made.onXRStateObservable.add((s) => {
    enter.textContent = s === "in_xr" ? "Leave VR" : "Do this lesson in VR";
  });
  vr = new LessonVr(made, {
    lesson: view.lesson,
    personal: () => view.personal,
    answerAsync: async (answers) =>
      (await callAsync<{ graded: GradedAnswer[] }>("/answers", { answers })).graded,
    onStep: (step) => {
      if (flatIndexOf(step) !== index) go(flatIndexOf(step));
    },
    onBrushingStarted: (atMs) => startBrushingHere?.(atMs),
  });
  vr.goTo(index);
  // The flat part now shows its teeth in 3D as well: redraw it without its 2D arch.
  show();
}

/** Part `index` of the lesson, or the quiz after the last part. */
function show(): void {
  stopTimer?.();
  stopTimer = null;
  startBrushingHere = null;
  const { lesson } = view;
  const parts = lesson.sections.length;
  const header = el(
    "header",
    { class: "ls-header" },
    el("h1", {}, lesson.title),
    el(
      "p",
      { class: "ls-progress", "data-testid": "lesson-progress" },
      index < parts ? `Part ${index + 1} of ${parts}` : "Questions",
    ),
  );
  const body = index < parts ? sectionView(lesson.sections[index]!) : quizView();
  const nav = el("nav", { class: "ls-nav" });
  if (index > 0) nav.append(button("Back", "lesson-back", "secondary", () => go(index - 1)));
  if (index < parts)
    nav.append(
      button(index === parts - 1 ? "On to the questions" : "Next", "lesson-next", "primary", () =>
        go(index + 1),
      ),
    );
  app.replaceChildren(header, body, nav);
}

function go(to: number): void {
  index = to;
  show();
  scrollTo({ top: 0 });
  const step = to >= view.lesson.sections.length ? firstQuestionStep(view.lesson) : to;
  if (vr && flatIndexOf(vr.currentStep) !== to) vr.goTo(step);
}

function button(label: string, testid: string, kind: string, onClick: () => void): HTMLButtonElement {
  const b = el("button", { type: "button", class: `ls-btn ${kind}`, "data-testid": testid }, label);
  b.addEventListener("click", onClick);
  return b;
}

function sectionView(s: LessonSection): HTMLElement {
  const box = el(
    "section",
    { class: `ls-section ls-${s.kind}`, "data-testid": "lesson-section", "data-kind": s.kind },
    el("h2", {}, s.title),
    el("p", {}, s.body),
  );
  switch (s.kind) {
    case "text":
      if (s.teeth && s.teeth.length > 0 && stage) {
        box.append(
          el("p", { class: "ls-muted" }, "The teeth this part is about are lit on the 3D model above."),
        );
      } else if (s.teeth && s.teeth.length > 0) {
        const arch = new ArchChart("Your teeth, the ones this part is about lit up");
        arch.light(s.teeth);
        box.append(arch.svg);
      }
      return box;
    case "brushing":
      box.append(brushingView(s.totalSeconds));
      return box;
    case "stephan":
      box.append(stephanChart());
      return box;
    case "personal_ph":
      box.append(personalView(s.noData));
      return box;
  }
}

/** The arch lights the tooth to brush now; the timer counts down from 2:00. */
function brushingView(totalSeconds: number): HTMLElement {
  const walk = brushingWalk(totalSeconds);
  const arch = new ArchChart("Your teeth, the one to brush now lit up");
  const clock = el("div", { class: "ls-clock", "data-testid": "brushing-clock" }, clockText(totalSeconds));
  const now = el(
    "p",
    { class: "ls-now", "data-testid": "brushing-now", "aria-live": "polite" },
    "Press start and brush along.",
  );
  /** Starts the walk at `began` (performance.now()): from this page's button or the headset's panel. */
  const run = (began: number) => {
    if (start.disabled) return;
    start.disabled = true;
    let last: BrushingStop | null = null;
    const tick = () => {
      const seconds = (performance.now() - began) / 1000;
      const at = brushingAt(walk, seconds);
      clock.textContent = clockText(Math.max(0, totalSeconds - seconds));
      if (at === null) {
        now.textContent = "Two minutes: well done! Spit, but don't rinse.";
        arch.light([]);
        wrap.dataset.done = "true";
        stopTimer?.();
        return;
      }
      if (at !== last) {
        last = at;
        arch.light([at.tooth]);
        now.textContent = `Now: the ${SURFACE_WORDS[at.surface]} of ${toothLabel(at.tooth)}`;
        now.dataset.tooth = String(at.tooth);
      }
    };
    const timer = setInterval(tick, 250);
    stopTimer = () => {
      clearInterval(timer);
      startBrushingHere = null;
    };
    tick();
  };
  const start = button("Start the 2-minute timer", "brushing-start", "primary", () => {
    const began = performance.now();
    run(began);
    // With a 3D stage the dentition walks the arch in step with this timer.
    vr?.startBrushing(began);
  });
  startBrushingHere = run;
  const wrap = el(
    "div",
    { class: "ls-brushing" },
    el("div", { class: "ls-brushing-top" }, clock, start),
    now,
    // Where a 3D scene is present its dentition is lit instead of the flat arch.
    stage ? el("p", { class: "ls-muted" }, "Follow the lit tooth on the 3D model above.") : arch.svg,
  );
  return wrap;
}

function clockText(seconds: number): string {
  const s = Math.ceil(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The Stephan curve with the 5.5 line: an SVG polyline, one point a minute. */
function stephanChart(): SVGSVGElement {
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(NS, "svg");
  svg.setAttribute("viewBox", "0 0 420 220");
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    "Plaque pH over an hour after sugar: it falls below 5.5 within minutes and recovers over 30 to 60 minutes",
  );
  svg.classList.add("ls-stephan");
  const x = (m: number) => 40 + m * 6;
  const y = (ph: number) => 200 - (ph - 4) * 50;
  const line = (x1: number, y1: number, x2: number, y2: number, cls: string) => {
    const l = document.createElementNS(NS, "line");
    for (const [k, v] of Object.entries({ x1, y1, x2, y2 })) l.setAttribute(k, String(v));
    l.classList.add(cls);
    return l;
  };
  const label = (tx: number, ty: number, text: string) => {
    const t = document.createElementNS(NS, "text");
    t.setAttribute("x", String(tx));
    t.setAttribute("y", String(ty));
    t.textContent = text;
    return t;
  };
  const poly = document.createElementNS(NS, "polyline");
  poly.setAttribute(
    "points",
    stephanCurve()
      .map((p) => `${x(p.minute)},${y(p.ph).toFixed(1)}`)
      .join(" "),
  );
  svg.append(
    line(40, y(CRITICAL_PH), x(60), y(CRITICAL_PH), "critical"),
    label(x(38), y(CRITICAL_PH) - 6, "5.5: enamel at risk below"),
    poly,
    label(40, 215, "sugar"),
    label(x(55), 215, "60 min"),
    label(4, y(7) + 4, "pH 7"),
  );
  return svg;
}

/** Only after the patient agrees, and only if their record holds pH dips. */
function personalView(noData: string): HTMLElement {
  const box = el("div", { class: "ls-personal", "data-testid": "personal-part" });
  const consent = el("input", { type: "checkbox", id: "ls-consent", "data-testid": "personal-consent" });
  consent.checked = view.assignment.personalConsent === true;
  const draw = () => {
    const p = view.personal;
    const out = el("div", { "data-testid": "personal-result", "data-shown": String(p?.shown === true) });
    if (p?.shown) {
      out.append(
        el(
          "ul",
          {},
          ...p.dips
            .slice(-8)
            .map((d) =>
              el(
                "li",
                {},
                `${new Date(d.startedAt).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}: below 5.5 for about ${d.minutesBelow} min (lowest ${d.lowest.toFixed(1)})`,
              ),
            ),
        ),
      );
    } else out.append(el("p", { class: "ls-muted" }, noData));
    box.replaceChildren(
      el(
        "label",
        { for: "ls-consent", class: "ls-consent" },
        consent,
        " Show my own pH readings from my record in this lesson",
      ),
      out,
    );
  };
  consent.addEventListener("change", async () => {
    consent.disabled = true;
    try {
      view = await callAsync<PlayerView>("/consent", { personal: consent.checked });
    } finally {
      consent.disabled = false;
      draw();
    }
  });
  draw();
  return box;
}

function quizView(): HTMLElement {
  const { quiz } = view.lesson;
  const form = el("form", { class: "ls-quiz", "data-testid": "lesson-quiz" });
  for (const q of quiz) {
    const set = el("fieldset", { "data-question": q.id }, el("legend", {}, q.question));
    q.choices.forEach((choice, i) => {
      const input = el("input", { type: "radio", name: q.id, value: String(i) });
      set.append(el("label", { class: "ls-choice" }, input, ` ${choice}`));
    });
    set.append(el("p", { class: "ls-explain", "data-testid": `explain-${q.id}` }));
    form.append(set);
  }
  const status = el("p", { class: "ls-status", "data-testid": "quiz-status", "aria-live": "polite" });
  form.append(
    el(
      "button",
      { type: "submit", class: "ls-btn primary", "data-testid": "quiz-submit" },
      "Check my answers",
    ),
    status,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const answers: Record<string, number> = {};
    for (const q of quiz) {
      const picked = form.querySelector<HTMLInputElement>(`input[name="${q.id}"]:checked`);
      if (picked) answers[q.id] = Number(picked.value);
    }
    if (Object.keys(answers).length === 0) {
      status.textContent = "Pick an answer to at least one question first.";
      return;
    }
    try {
      const { graded } = await callAsync<{ graded: GradedAnswer[] }>("/answers", { answers });
      for (const g of graded) {
        const q = quiz.find((x) => x.id === g.questionId)!;
        const explain = form.querySelector<HTMLElement>(`[data-testid="explain-${g.questionId}"]`)!;
        explain.textContent = `${g.correct ? "Right." : `Not quite: ${q.choices[q.answer]}.`} ${q.explain}`;
        explain.dataset.correct = String(g.correct);
      }
      const right = graded.filter((g) => g.correct).length;
      status.textContent = `${right} of ${graded.length} right. Your answers are saved for your care team.`;
      status.dataset.saved = "true";
    } catch (error) {
      status.textContent = (error as Error).message;
    }
  });
  return form;
}

void startAsync();
