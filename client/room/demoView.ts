/**
 * The flat-screen demo: starts (or joins) the server's self-running story and watches it as the
 * presenter (the care team's view, every control disabled), with the act shown over the room. Works on any screen, with no headset.
 */
import type { DemoPass } from "../../shared/httpSchemas.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import { startDeskAsync } from "./deskView.ts";
import { exposeTestState } from "./testHooks.ts";

interface DemoState {
  loop: number;
  act: number;
  actCount: number;
  title: string;
  detail: string;
  status: string;
  stepByStep: boolean;
}

const POLL_MS = 250;

/**
 * The panel card that carries each act's story (by its `data-testid`), brought into view when the
 * act begins so the audience looks where the narration points: the charts while the sensor fails,
 * the procedure while the interlock holds, the devices while Dr. Ray quarantines, comfort while
 * Julian is calmed.
 */
const ACT_FOCUS: Readonly<Record<number, string>> = {
  1: "procedure",
  2: "procedure",
  3: "soe-charts",
  4: "procedure",
  5: "devices",
  6: "comfort",
  7: "procedure",
};

export async function startDemoAsync(
  root: HTMLElement,
  opts: { stepByStep: boolean; speed: number },
): Promise<void> {
  const query = new URLSearchParams({ speed: String(opts.speed), step: opts.stepByStep ? "1" : "0" });
  if (new URLSearchParams(location.search).get("restart") === "1") query.set("restart", "1");
  let state: DemoState | null = null;
  // The story starts when the room is drawn, not before: drawing it first can take seconds on a
  // slow machine, and the first act would play to a screen that is not there yet.
  const desk = await startDeskAsync(
    root,
    async () => {
      const start = (await (await fetch(`/api/demo/start?${query}`)).json()) as {
        pass: DemoPass;
        state: DemoState;
      };
      state = start.state;
      // The presenter's pass stays in memory: this page is the demo screen and nothing else.
      return {
        protocolVersion: PROTOCOL_VERSION,
        appointmentId: start.pass.appointmentId,
        pass: start.pass.pass,
      };
    },
    { title: "Chairside demo" },
  );
  // The audience's camera: the chair, Dr. Ray and the patient in view, nobody's head in the way.
  desk.scene.setDesktopFraming("demo");

  const story = document.createElement("section");
  story.className = "demo-story";
  story.dataset.testid = "demo-story";
  story.setAttribute("aria-live", "polite");
  const heading = document.createElement("h2");
  const detail = document.createElement("p");
  const next = document.createElement("button");
  next.type = "button";
  next.className = "btn primary";
  next.textContent = "Next act ▶";
  next.dataset.testid = "demo-next";
  next.hidden = true;
  next.addEventListener("click", () => {
    fetch("/api/demo/next").catch(() => undefined);
  });
  story.append(heading, detail, next);
  root.querySelector(".room-canvas")?.parentElement?.append(story);

  /** Every act this screen has shown, so a viewer (or a test) can tell none was skipped. */
  const actsSeen = new Set<number>();
  let focusedAct = -1;
  /**
   * Cards above the act's card grow and shrink as alarms come and go, pushing it off screen: the
   * screen follows it back until someone scrolls or presses a key themselves.
   */
  let follow = true;
  let offScreenPolls = 0;
  for (const type of ["wheel", "touchstart", "keydown"] as const) {
    window.addEventListener(type, () => {
      follow = false;
    });
  }
  const render = (s: DemoState) => {
    actsSeen.add(s.act);
    heading.textContent = s.act > 0 ? `${s.act} / ${s.actCount} · ${s.title}` : s.title;
    // "Next act" only while an act waits for it: never during an act, never after the last.
    const offerNext = s.stepByStep && s.status === "waiting_for_next" && s.act < s.actCount;
    next.hidden = !offerNext;
    detail.textContent = offerNext ? `${s.detail}  (press Next)` : s.detail;
    story.dataset.status = s.status;
    story.dataset.act = String(s.act);
    // Retried on each poll until the card exists (the panel may still be building at act 1).
    if (s.act !== focusedAct && focusCard(ACT_FOCUS[s.act])) {
      focusedAct = s.act;
      follow = true;
      offScreenPolls = 0;
    } else if (follow && focusedAct === s.act) {
      // Two polls in a row off screen: not a smooth scroll still on its way.
      const card = document.querySelector<HTMLElement>("[data-demo-focus]");
      const top = card?.getBoundingClientRect().top;
      offScreenPolls =
        top !== undefined && (top < 0 || top > window.innerHeight - 80) ? offScreenPolls + 1 : 0;
      if (offScreenPolls >= 2) {
        card?.scrollIntoView({ block: "start" });
        offScreenPolls = 0;
      }
    }
  };
  if (state) render(state);
  const firstLoop = (state as DemoState | null)?.loop ?? 0;
  const pollAsync = async (): Promise<void> => {
    try {
      const r = await fetch("/api/demo/state");
      const s = r.ok ? ((await r.json()) as DemoState | null) : null;
      if (s) {
        // Each loop opens a fresh room: reconnect by reloading the page.
        if (s.loop > Math.max(firstLoop, 1) && s.status === "starting") location.reload();
        state = s;
        render(s);
      }
    } catch {
      // The server is away (restart): the room's link shows it; keep asking.
    }
    setTimeout(() => void pollAsync(), POLL_MS);
  };
  void pollAsync();

  exposeTestState(() => ({
    demoFocus: document.querySelector<HTMLElement>("[data-demo-focus]")?.dataset.testid ?? null,
    role: "presenter",
    link: desk.connection.link.kind,
    demo: state ? { ...state, actsSeen: [...actsSeen].sort((a, b) => a - b) } : null,
    view: desk.connection.view,
    stats: desk.connection.stats,
    scene: desk.scene.testState(),
    panel: desk.panel?.testState() ?? null,
  }));
}

/**
 * Marks the act's card and scrolls it into view (the panel scrolls; the room stays still).
 * Returns false while the card is not there yet.
 */
function focusCard(testid: string | undefined): boolean {
  if (testid === undefined) return true;
  const card = document.querySelector<HTMLElement>(`.cp-card[data-testid="${testid}"]`);
  if (!card || card.hidden) return false;
  for (const el of document.querySelectorAll<HTMLElement>("[data-demo-focus]")) delete el.dataset.demoFocus;
  card.dataset.demoFocus = "1";
  card.scrollIntoView({ block: "start", behavior: "smooth" });
  return true;
}
