/**
 * The flat-screen demo: starts (or joins) the server's self-running story and watches it as an
 * observer, with the act shown over the room. Works on any screen, with no headset.
 */
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

export async function startDemoAsync(
  root: HTMLElement,
  opts: { stepByStep: boolean; speed: number },
): Promise<void> {
  const query = new URLSearchParams({ speed: String(opts.speed), step: opts.stepByStep ? "1" : "0" });
  if (new URLSearchParams(location.search).get("restart") === "1") query.set("restart", "1");
  const start = (await (await fetch(`/api/demo/start?${query}`)).json()) as {
    token: string;
    state: DemoState;
  };
  const desk = await startDeskAsync(root, start.token, { title: "Chairside demo" });

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
  next.addEventListener("click", () => void fetch("/api/demo/next"));
  story.append(heading, detail, next);
  root.querySelector(".room-canvas")?.parentElement?.append(story);

  let state = start.state;
  const render = () => {
    heading.textContent = state.act > 0 ? `${state.act} / ${state.actCount} · ${state.title}` : state.title;
    detail.textContent = state.status === "waiting_for_next" ? `${state.detail}  (press Next)` : state.detail;
    story.dataset.status = state.status;
    story.dataset.act = String(state.act);
  };
  render();
  const firstLoop = state.loop;
  setInterval(async () => {
    const r = await fetch("/api/demo/state");
    if (!r.ok) return;
    const s = (await r.json()) as DemoState | null;
    if (!s) return;
    // Each loop opens a fresh room: reconnect by reloading the page.
    if (s.loop > Math.max(firstLoop, 1) && s.status === "starting") location.reload();
    state = s;
    render();
  }, 500);

  exposeTestState(() => ({
    role: "observer",
    demo: state,
    view: desk.connection.view,
    stats: desk.connection.stats,
    scene: desk.scene.testState(),
    panel: desk.panel?.testState() ?? null,
  }));
}
