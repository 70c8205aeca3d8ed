/**
 * The patient's view: seated in the chair, in immersive VR when a headset is there, else a flat
 * screen from the chair. The stop signal is always one action away (controller button, raised hand,
 * the STOP button, the S key) and nothing here can disable it. While the link is down a STOP could
 * not arrive, so the page says so in large type and asks for a raised hand instead.
 */
import { Grant, grantFor, mayDo } from "../../shared/access.ts";
import { MDAS_ANSWERS, MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import { ProcedureCommand, ProcedureStatus } from "../../shared/procedure/types.ts";
import { ErrorCode, Ev, type PersonAuth, type RoomSnapshot } from "../../shared/protocol.ts";
import { Role } from "../../shared/roles.ts";
import { type LinkStatus, RoomConnection } from "../connection.ts";
import { isLive } from "../linkState.ts";
import { STOP_UNREACHABLE } from "../scene/patientPanels.ts";
import { TreatmentScene } from "../scene/treatmentScene.ts";
import { speak } from "./speech.ts";
import { LinkPresenter, maybeEmulateXRAsync, qualityFromUrl } from "./status.ts";
import { exposeTestState, startPoseLoop } from "./testHooks.ts";

/** How long a stop pressed while the link was down is still worth delivering when it comes back. */
const STOP_KEEP_MS = 30_000;

const QUESTIONS: { label: string; value: PatientQuestion }[] = [
  { label: "Will it hurt?", value: PatientQuestion.willItHurt },
  { label: "How long?", value: PatientQuestion.howLong },
  { label: "What's that sound?", value: PatientQuestion.whatIsThatSound },
  { label: "What happens next?", value: PatientQuestion.whatHappensNext },
];

/**
 * `viewer`: a flat-screen viewer (an observer) sees the patient's seated view without the
 * patient's controls, and sends no pose (it has no body in the room).
 */
export async function startPatientAsync(
  root: HTMLElement,
  auth: PersonAuth,
  opts: { viewer: boolean },
): Promise<void> {
  const xrDevice = await maybeEmulateXRAsync();
  // What this seat may do comes from the one access table: the patient stops and asks Otto; a
  // viewer (an observer) may do neither, so it is offered neither.
  const role = opts.viewer ? Role.observer : Role.patient;
  const mayStop = grantFor(role, ProcedureCommand.stop) !== Grant.no;
  // The in-scene panels answer check-ins and the MDAS and ask Otto: the patient's own controls.
  const mayUsePanels = [Ev.checkinSubmit, Ev.mdasSubmit, Ev.ottoAsk].every((c) => mayDo(role, c));
  root.classList.add("patient");
  const canvas = document.createElement("canvas");
  canvas.className = "room-canvas";
  canvas.dataset.testid = "room-canvas";
  const overlay = document.createElement("div");
  overlay.className = "patient-overlay";
  const presenter = new LinkPresenter(root, () => connection.takeSeatBack());
  const notice = document.createElement("div");
  notice.className = "notice";
  notice.dataset.testid = "xr-notice";
  const stepLine = document.createElement("div");
  stepLine.className = "step-line";
  stepLine.dataset.testid = "patient-step";
  const enterVr = button("Enter VR", "enter-vr", "primary");
  const stop = button("Stop  (S)", "stop-button", "stop");
  stop.title = "Pause the treatment at once. You can always do this.";
  const ready = button("I'm ready to continue", "ready-button", "primary");
  ready.hidden = true;
  const mute = button("Mute", "mute-otto", "secondary");
  mute.title = "Mute Otto's voice and the nature sounds";
  const calm = document.createElement("div");
  calm.className = "calm-cue";
  calm.dataset.testid = "calm-cue";
  calm.hidden = true;
  const controls = document.createElement("div");
  controls.className = "patient-controls";
  controls.append(ready, stop);
  const unreachable = document.createElement("div");
  unreachable.className = "stop-unreachable";
  unreachable.dataset.testid = "stop-unreachable";
  unreachable.setAttribute("role", "alert");
  const unreachableWhy = document.createElement("small");
  const top = document.createElement("div");
  top.className = "patient-top";
  top.append(presenter.badge, enterVr, mute);
  overlay.append(top, notice, stepLine, calm, controls, unreachable);
  // A viewer from the chair has no STOP of its own: none is shown, in the page or in the room.
  if (!mayStop) {
    controls.remove();
    enterVr.hidden = true;
  }
  root.append(canvas, overlay);

  const scene = await TreatmentScene.createAsync(canvas, {
    mode: "patient",
    quality: qualityFromUrl(),
    stopControls: mayStop,
  });
  // Browsers allow sound only after a gesture: the nature view's sound starts on the first one.
  let gestured = false;
  const onGesture = () => {
    gestured = true;
    render();
  };
  addEventListener("pointerdown", onGesture, { once: true });
  addEventListener("keydown", onGesture, { once: true });
  let view: RoomSnapshot | null = null;
  let live = false;
  /** The seat is open in another window, or the link was refused: this page is not in the room. */
  let away = false;
  let stopMissed = false;
  let muted = false;
  let lastSpoken: string | null = null;
  const mdasAnswers: number[] = [];
  let mdasSkipped = false;

  if (opts.viewer) {
    notice.textContent = "Flat-screen viewer: the patient's view from the chair.";
    notice.classList.add("flat");
  } else if (scene.xrAvailable) {
    notice.textContent = xrDevice ? "Headset emulator active." : "Put on your headset and press Enter VR.";
  } else {
    enterVr.hidden = true;
    notice.textContent =
      "No VR headset found: showing the flat-screen view. Drag or use the arrow keys to look around.";
    notice.classList.add("flat");
  }
  enterVr.addEventListener("click", () => void scene.enterXRAsync());
  scene.onXRStateObservable.add((state) => {
    document.body.dataset.xr = state;
  });

  const connection = new RoomConnection(auth, {
    onView: (v) => {
      view = v;
      render();
    },
    onReadings: () => {},
    onPoses: (batch, at) => scene.pushPoseBatch(batch, at),
    onLinkState: (status) => onLink(status),
  });

  function onLink(status: LinkStatus): void {
    presenter.set(status);
    live = isLive(status);
    away = status.kind === "replaced" || status.kind === "refused";
    scene.setIdle(away);
    if (live) {
      stopMissed = false;
      deliverPendingStop();
    }
    if (away) {
      // Nothing here may look or sound live: leave the headset view, stop Otto's voice.
      speechSynthesis?.cancel();
      scene.setAmbientSound(false);
      void scene.exitXRAsync();
    }
    showStopReach();
    render();
  }

  /** The STOP is offered only while it can reach the server; otherwise the raise-your-hand message. */
  function showStopReach(): void {
    const reachable = live || !mayStop;
    stop.hidden = !reachable;
    unreachable.hidden = reachable;
    unreachable.classList.toggle("pressed", stopMissed);
    unreachable.replaceChildren(
      stopMissed ? STOP_UNREACHABLE.pressed : STOP_UNREACHABLE.action,
      unreachableWhy,
    );
    unreachableWhy.textContent = STOP_UNREACHABLE.headline;
    if (mayStop) scene.setStopReachable(reachable);
  }
  showStopReach();

  /**
   * A stop pressed while the link is down is still delivered when it comes back (within
   * STOP_KEEP_MS): pausing late is the safe direction, and the patient was told to raise a hand.
   */
  let pendingStop: { source: string; at: number } | null = null;
  const sendStop = (source: string) => {
    if (!mayStop) return;
    const missed = () => {
      pendingStop = { source, at: Date.now() };
      stopMissed = true;
      showStopReach();
    };
    if (!live) {
      missed();
      return;
    }
    // The stop signal goes out even before the room view arrives; the server decides nothing else first.
    void connection.procedureCommand(ProcedureCommand.stop, `patient stop (${source})`).then((r) => {
      if (r.ok || r.error.code === ErrorCode.illegalTransition) return;
      if (r.error.code === ErrorCode.notConnected || r.error.code === ErrorCode.timeout) missed();
      else console.warn(r.error.message);
    });
  };
  const deliverPendingStop = () => {
    const pending = pendingStop;
    pendingStop = null;
    if (pending && Date.now() - pending.at <= STOP_KEEP_MS)
      sendStop(`${pending.source}, sent when the link came back`);
  };
  stop.addEventListener("click", () => sendStop("button"));
  // The S key and Space are handled by the scene (onStopSignalObservable "key").
  scene.onStopSignalObservable.add((source) => sendStop(source));
  ready.addEventListener("click", () => void connection.procedureCommand(ProcedureCommand.ready));
  mute.addEventListener("click", () => {
    muted = !muted;
    mute.textContent = muted ? "Unmute" : "Mute";
    if (muted) speechSynthesis?.cancel();
    render();
  });

  scene.onPanelChoiceObservable.add(({ panel, value }) => {
    switch (panel) {
      case "checkin":
        void connection.submitCheckin(Number(value));
        break;
      case "mdas":
        if (value === "skip") mdasSkipped = true;
        else mdasAnswers.push(Number(value));
        if (mdasAnswers.length === MDAS_ITEMS.length) void connection.submitMdas([...mdasAnswers]);
        render();
        break;
      case "controls":
        if (value === "ready") void connection.procedureCommand(ProcedureCommand.ready);
        break;
      case "stopped":
        if (value === "ready") void connection.procedureCommand(ProcedureCommand.ready);
        if (value === "breathe") void connection.setBreathing(true);
        break;
      case "questions":
        if (value === "breathe") void connection.setBreathing(!view?.comfort.breathingCoach);
        else if (value === "nature" || value === "clinic") void connection.setSurroundings(value);
        else void connection.askOtto(value as PatientQuestion);
        break;
      default:
        break;
    }
  });

  function render(): void {
    if (!view) return;
    scene.setMembers(view.members, view.you);
    scene.setOtto(view.otto);
    scene.setSurroundings(view.comfort.surroundings);
    scene.setAmbientSound(!away && gestured && !muted && view.comfort.surroundings === "nature");
    scene.setBreathingCoach(view.comfort.breathingCoach);
    const p = view.procedure;
    const paused = p?.status === ProcedureStatus.pausedByPatient;
    ready.hidden = !paused || !live;
    stop.classList.toggle("active", paused);
    const stepText = p?.step
      ? `Step ${p.stepIndex + 1} of ${p.stepCount}: ${p.step.title}${p.nextStep ? `  ·  Next: ${p.nextStep.title}` : ""}`
      : p?.status === ProcedureStatus.completed
        ? "All done. Well done!"
        : "Waiting for Dr. Ray to begin";
    const line = paused ? `Paused: you asked to stop. ${stepText}` : stepText;
    stepLine.textContent = line;
    scene.setStepInfo(line);
    scene.highlightTeeth(p?.step?.teeth ?? []);
    // Alarms never reach this view (shared/access.ts): only the calm cue that the team is checking.
    const cue = view.teamChecking
      ? `${view.appointment.clinicianName} is checking something. You're doing well.`
      : null;
    calm.hidden = cue === null;
    calm.textContent = cue ?? "";
    scene.showCalmCue(cue);
    scene.showPanel(mayUsePanels && live ? panelFor(view, paused) : null);
    const u = view.otto.lastUtterance;
    if (u && u.text !== lastSpoken) {
      lastSpoken = u.text;
      if (!muted && (!u.addressee || u.addressee === view.you)) speak(u.text, u.rate);
    }
  }

  function panelFor(v: RoomSnapshot, paused: boolean): Parameters<TreatmentScene["showPanel"]>[0] {
    if (v.comfort.checkinPending) {
      return {
        id: "checkin",
        title: "How comfortable are you right now?",
        body: "0 = very uncomfortable · 10 = completely comfortable",
        buttons: Array.from({ length: 11 }, (_, i) => ({ label: String(i), value: String(i) })),
      };
    }
    if (paused) {
      return {
        id: "stopped",
        title: "Paused. Take your time.",
        body: "Nothing happens until you are ready.",
        buttons: [
          { label: "I'm ready", value: "ready" },
          { label: "Breathe with me", value: "breathe" },
        ],
      };
    }
    if (v.comfort.mdasScore === null && !mdasSkipped && mdasAnswers.length < MDAS_ITEMS.length) {
      const i = mdasAnswers.length;
      return {
        id: "mdas",
        title: `Before we start (${i + 1} of ${MDAS_ITEMS.length})`,
        body: MDAS_ITEMS[i]!,
        buttons: [
          ...MDAS_ANSWERS.map((label, k) => ({ label, value: String(k + 1) })),
          { label: "Skip", value: "skip" },
        ],
      };
    }
    return {
      id: "questions",
      title: "Ask Otto",
      body: "Choose a question, or raise your hand at any time to stop.",
      buttons: [
        ...QUESTIONS,
        { label: v.comfort.breathingCoach ? "Stop breathing guide" : "Breathing guide", value: "breathe" },
        v.comfort.surroundings === "nature"
          ? { label: "Clinic view", value: "clinic" }
          : { label: "Nature view", value: "nature" },
      ],
    };
  }

  if (!opts.viewer) startPoseLoop(connection, scene);
  exposeTestState(() => ({
    role: opts.viewer ? "viewer" : "patient",
    link: connection.link.kind,
    view,
    stats: connection.stats,
    scene: scene.testState(),
  }));
  (window as unknown as { __xrDevice?: unknown }).__xrDevice = xrDevice;
}

function button(label: string, testid: string, kind: string): HTMLButtonElement {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.className = `btn ${kind}`;
  b.dataset.testid = testid;
  return b;
}
