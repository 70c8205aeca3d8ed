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
  next.hidden = !opts.stepByStep;
  next.addEventListener("click", () => {
    fetch("/api/demo/next").catch(() => undefined);
  });
  story.append(heading, detail, next);
  root.querySelector(".room-canvas")?.parentElement?.append(story);

  /** Every act this screen has shown, so a viewer (or a test) can tell none was skipped. */
  const actsSeen = new Set<number>();
  const render = (s: DemoState) => {
    actsSeen.add(s.act);
    heading.textContent = s.act > 0 ? `${s.act} / ${s.actCount} · ${s.title}` : s.title;
    detail.textContent = s.status === "waiting_for_next" ? `${s.detail}  (press Next)` : s.detail;
    story.dataset.status = s.status;
    story.dataset.act = String(s.act);
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
    role: "presenter",
    link: desk.connection.link.kind,
    demo: state ? { ...state, actsSeen: [...actsSeen].sort((a, b) => a - b) } : null,
    view: desk.connection.view,
    stats: desk.connection.stats,
    scene: desk.scene.testState(),
    panel: desk.panel?.testState() ?? null,
  }));
}
