/**
 * A lesson for the whole support group (issue 12): the host picks one of the clinic's lessons and
 * starts it for the circle; everyone sees the host's step, on the circle's world panel (in VR too)
 * and on a card under it (phones, screen readers), and the brushing walk lights the circle's 3D
 * dentition. Everyone answers the quiz for themselves; the server keeps a patient's answers in their
 * record only when their invitation names them. Its own link is `/group-lesson` on the same
 * connection as the page's `/group` socket (server/lessons/groupLessonGateway.ts).
 */
import type { Socket } from "socket.io-client";
import {
  GROUP_LESSON_NAMESPACE,
  type GroupLessonCommand,
  GroupLessonEv,
  type GroupLessonState,
} from "../../shared/lessons.ts";
import { PROTOCOL_VERSION, type Result } from "../../shared/protocol.ts";
import type { GroupView } from "../../shared/supportGroup.ts";
import {
  brushingNow,
  LessonPanelValue,
  lessonSteps,
  parseAnswer,
  stepPanel,
  stepTeeth,
} from "../lessons/lessonSteps.ts";
import { patchChildren } from "../patchDom.ts";
import type { PanelSpec } from "../scene/worldPanel.ts";
import type { CircleMount } from "./circleView.ts";
import type { GroupStageContext } from "./groupStage.ts";

declare global {
  interface Window {
    __chairsideCircleLesson?: () => {
      linked: boolean;
      state: Omit<GroupLessonState, "lesson"> & { lessonId: string | null };
      panel: PanelSpec | null;
      error: string | null;
      /** Times the page tried to link (tests tell "never tried" from "refused"). */
      linkTries: number;
      /** Why the page's group link dropped lately. */
      groupDrops: string[];
    };
  }
}

type LessonSocket = Socket<
  { [GroupLessonEv.state]: (s: GroupLessonState) => void },
  Record<GroupLessonCommand, (p: unknown, ack: (r: Result<GroupLessonState>) => void) => void>
>;

interface CatalogEntry {
  id: string;
  title: string;
}

export interface CircleLesson {
  update(view: GroupView): void;
  dispose(): void;
}

export function startCircleLesson(ctx: GroupStageContext, circle: CircleMount): CircleLesson {
  let lessonSocket: LessonSocket | null = null;
  let state: GroupLessonState | null = null;
  let view: GroupView | null = ctx.view();
  let panel: PanelSpec | null = null;
  let error: string | null = null;
  let catalog: CatalogEntry[] | null = null;

  const card = document.createElement("section");
  card.className = "gc-lesson";
  card.dataset.testid = "circle-lesson";
  card.hidden = true;
  const hostBar = document.createElement("div");
  hostBar.className = "gc-lesson-host";
  hostBar.hidden = true;
  circle.element.append(hostBar, card);

  const isHost = () => view?.members.find((m) => m.memberId === view?.you)?.role === "host";
  window.__chairsideCircleLesson = () => ({
    linked: lessonSocket?.connected ?? false,
    state: {
      lessonId: state?.lesson?.id ?? null,
      step: state?.step ?? 0,
      brushStartedAt: state?.brushStartedAt ?? null,
      yourAnswers: state?.yourAnswers ?? [],
      keptInRecord: state?.keptInRecord ?? false,
      serverTime: state?.serverTime ?? 0,
    },
    panel,
    error,
    linkTries,
    groupDrops,
  });

  const sendAsync = async (event: GroupLessonCommand, payload: unknown) => {
    const s = lessonSocket;
    if (!s?.connected) return;
    try {
      const r = await s.timeout(8_000).emitWithAck(event, payload);
      if (r.ok) {
        state = r.value;
        error = null;
      } else error = r.error.message;
    } catch {
      error = "No answer: check your connection.";
    }
    render();
  };

  const choose = (value: string) => {
    if (!state?.lesson) return;
    const answer = parseAnswer(value);
    if (answer) return void sendAsync(GroupLessonEv.answer, answer);
    if (!isHost()) return;
    const lessonId = state.lesson.id;
    switch (value) {
      case LessonPanelValue.next:
        return void sendAsync(GroupLessonEv.lead, { lessonId, step: state.step + 1 });
      case LessonPanelValue.back:
        return void sendAsync(GroupLessonEv.lead, { lessonId, step: Math.max(0, state.step - 1) });
      case LessonPanelValue.brush:
        return void sendAsync(GroupLessonEv.lead, { lessonId, step: state.step, brushing: true });
      case LessonPanelValue.close:
        return void sendAsync(GroupLessonEv.lead, { lessonId: null, step: 0 });
    }
  };

  function render(): void {
    const lesson = state?.lesson ?? null;
    renderHostBar();
    if (!state || !lesson) {
      panel = null;
      card.hidden = true;
      circle.setPanelOverride(null, null);
      circle.lightTeeth(null);
      return;
    }
    const serverNow = Date.now() - ctx.skew();
    const step = lessonSteps(lesson)[state.step];
    const brushing =
      step?.kind === "section" && step.section.kind === "brushing"
        ? brushingNow(step.section.totalSeconds, state.brushStartedAt, serverNow)
        : null;
    panel = stepPanel(lesson, state.step, {
      answers: new Map(state.yourAnswers.map((a) => [a.questionId, a])),
      brushing,
      personal: null,
      leads: isHost(),
    });
    circle.setPanelOverride(panel, choose);
    const teeth = stepTeeth(lesson, state.step, brushing);
    circle.lightTeeth(step?.kind === "section" && (teeth.length > 0 || brushing) ? teeth : null);
    // The same step as HTML under the circle: for phones, keyboards and screen readers.
    const key = JSON.stringify(panel);
    if (card.dataset.key === key) return;
    card.dataset.key = key;
    card.dataset.step = String(state.step);
    const h = document.createElement("h2");
    h.textContent = `${lesson.title}: ${panel.title}`;
    const body = document.createElement("p");
    body.className = "gc-lesson-body";
    body.textContent = panel.body;
    const buttons = document.createElement("div");
    buttons.className = "gc-lesson-buttons";
    for (const b of panel.buttons) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = `g-button ${b.tone === "primary" ? "primary" : "secondary"}`;
      button.textContent = b.label;
      button.dataset.testid = `circle-lesson-${b.value}`;
      button.onclick = () => choose(b.value);
      buttons.append(button);
    }
    const note = document.createElement("p");
    note.className = "g-hint";
    note.textContent = state.keptInRecord
      ? "Your answers are kept in your dental record for your care team."
      : "Your answers are yours: nobody else in the circle sees them.";
    // Patched, not rebuilt: while brushing the step's clock changes every second (client/patchDom.ts).
    patchChildren(card, [h, body, buttons, note]);
    card.hidden = false;
  }

  function renderHostBar(): void {
    hostBar.hidden = !isHost();
    if (!isHost()) return;
    if (catalog === null) {
      catalog = [];
      void fetch("/api/lessons")
        .then((r) => (r.ok ? (r.json() as Promise<{ lessons: CatalogEntry[] }>) : { lessons: [] }))
        .then((j) => {
          catalog = j.lessons;
          hostBar.dataset.key = "";
          renderHostBar();
        });
    }
    const running = state?.lesson ?? null;
    const key = `${running?.id ?? ""}|${catalog.map((c) => c.id).join(",")}`;
    if (hostBar.dataset.key === key) return;
    hostBar.dataset.key = key;
    const label = document.createElement("label");
    label.textContent = "A lesson for the circle ";
    const pick = document.createElement("select");
    pick.dataset.testid = "circle-lesson-pick";
    for (const c of catalog) pick.append(new Option(c.title, c.id));
    label.append(pick);
    const go = document.createElement("button");
    go.type = "button";
    go.className = "g-button primary";
    go.dataset.testid = "circle-lesson-start";
    go.textContent = running ? "Start another" : "Start it for everyone";
    go.addEventListener("click", () => void sendAsync(GroupLessonEv.lead, { lessonId: pick.value, step: 0 }));
    hostBar.replaceChildren(label, go);
    if (running) {
      const end = document.createElement("button");
      end.type = "button";
      end.className = "g-button secondary";
      end.dataset.testid = "circle-lesson-end";
      end.textContent = "End the lesson";
      end.addEventListener("click", () => void sendAsync(GroupLessonEv.lead, { lessonId: null, step: 0 }));
      hostBar.append(end);
    }
  }

  /**
   * The lesson link rides the page's own `/group` connection (its Manager) and names the group
   * socket's current id. It goes down with the group socket and comes back after it (a new id),
   * so it never knocks with a stale or missing id.
   */
  let linkTries = 0;
  let groupDrops: string[] = [];
  const link = () => {
    linkTries += 1;
    if (!ctx.socket.connected || !ctx.socket.id) return;
    if (!lessonSocket) {
      const s = ctx.socket.io.socket(GROUP_LESSON_NAMESPACE, {
        auth: (cb) => cb({ protocolVersion: PROTOCOL_VERSION, groupSocketId: ctx.socket.id ?? "" }),
      }) as unknown as LessonSocket;
      s.on("connect", () => {
        error = null;
      });
      s.on("connect_error", (e) => {
        error = (e as Error & { data?: { message: string } }).data?.message ?? e.message;
      });
      s.on(GroupLessonEv.state, (next) => {
        state = next;
        render();
      });
      lessonSocket = s;
    } else if (!lessonSocket.connected) lessonSocket.connect();
  };
  const unlink = (reason: string) => {
    groupDrops = [...groupDrops.slice(-4), reason];
    lessonSocket?.disconnect();
  };
  ctx.socket.on("connect", link);
  ctx.socket.on("disconnect", unlink);
  link();
  const ticker = setInterval(() => {
    if (state?.lesson) render();
  }, 500);

  return {
    update(v) {
      view = v;
      render();
    },
    dispose() {
      clearInterval(ticker);
      ctx.socket.off("connect", link);
      ctx.socket.off("disconnect", unlink);
      lessonSocket?.disconnect();
      card.remove();
      hostBar.remove();
    },
  };
}
