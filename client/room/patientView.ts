/**
 * The patient's view: seated in the chair, in immersive VR when a headset is there, else a flat
 * screen from the chair. The stop signal is always one action away (controller button, raised hand,
 * the STOP button, the S key) and nothing here can disable it. While the link is down a STOP could
 * not arrive, so the page says so in large type and asks for a raised hand instead.
 */
import { Grant, grantFor, mayDo } from "../../shared/access.ts";
import { MDAS_ITEMS } from "../../shared/comfort/mdas.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import { ProcedureCommand } from "../../shared/procedure/types.ts";
import { ErrorCode, Ev, type PersonAuth, type RoomSnapshot } from "../../shared/protocol.ts";
import { Role } from "../../shared/roles.ts";
import { type LinkStatus, RoomConnection } from "../connection.ts";
import { isLive } from "../linkState.ts";
import {
  COMFORT_VALUES,
  CONTROL_VALUES,
  calmCueFor,
  isPatientHold,
  PanelId,
  patientPanelFor,
  STOP_UNREACHABLE,
  stepLineFor,
} from "../scene/patientPanels.ts";
import { TreatmentScene } from "../scene/treatmentScene.ts";
import type { PanelSpec } from "../scene/worldPanel.ts";
import "./patientView.css";
import { speak } from "./speech.ts";
import { LinkPresenter, maybeEmulateXRAsync, qualityFromUrl } from "./status.ts";
import { TellOtto } from "./tellOtto.ts";
import { exposeTestState, startPoseLoop } from "./testHooks.ts";

/** How long a stop pressed while the link was down is still worth delivering when it comes back. */
const STOP_KEEP_MS = 30_000;

const QUESTION_VALUES: readonly string[] = Object.values(PatientQuestion);

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
  // The patient may also tell Otto in their own words (issue 12); a viewer may not.
  const mayTellOtto = mayDo(role, Ev.ottoTell);
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
  const mute = button("Mute sounds", "mute-otto", "secondary");
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
  /** In the headset the page's own buttons are out of sight: the room's panels carry them. */
  let inHeadset = false;
  let shownPanel: PanelSpec | null = null;
  let shownPanelKey = "";

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
  scene.keepBubbleClearOf(notice);
  enterVr.addEventListener("click", () => void scene.enterXRAsync());
  scene.onXRStateObservable.add((state) => {
    document.body.dataset.xr = state;
    inHeadset = state === "in_xr";
    render();
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
  const sayReady = () => void connection.procedureCommand(ProcedureCommand.ready);
  stop.addEventListener("click", () => sendStop("button"));
  // The S key and Space are handled by the scene (onStopSignalObservable "key").
  scene.onStopSignalObservable.add((source) => sendStop(source));
  ready.addEventListener("click", () => sayReady());
  const tell = mayTellOtto ? new TellOtto({ connection, live: () => live, stopOffline: sendStop }) : null;
  if (tell) overlay.append(tell.root);
  mute.addEventListener("click", () => {
    muted = !muted;
    mute.textContent = muted ? "Sounds on" : "Mute sounds";
    if (muted) speechSynthesis?.cancel();
    render();
  });

  scene.onPanelChoiceObservable.add(({ panel, value }) => {
    if (panel.startsWith("mdas:")) {
      // One answer per question, in order: a double press on the same panel counts once.
      if (value === COMFORT_VALUES.skipMdas) mdasSkipped = true;
      else if (Number(panel.slice(5)) === mdasAnswers.length + 1) mdasAnswers.push(Number(value));
      if (mdasAnswers.length === MDAS_ITEMS.length) void connection.submitMdas([...mdasAnswers]);
      render();
      return;
    }
    if (panel === PanelId.checkin) {
      void connection.submitCheckin(Number(value));
      return;
    }
    if (value === CONTROL_VALUES.ready) sayReady();
    else if (value === COMFORT_VALUES.breathe) void connection.setBreathing(!view?.comfort.breathingCoach);
    else if (value === COMFORT_VALUES.nature || value === COMFORT_VALUES.clinic)
      void connection.setSurroundings(value);
    else if (QUESTION_VALUES.includes(value)) void connection.askOtto(value as PatientQuestion);
  });

  function render(): void {
    if (!view) return;
    scene.setMembers(view.members, view.you);
    scene.setOtto(view.otto);
    scene.setSurroundings(view.comfort.surroundings);
    scene.setAmbientSound(!away && gestured && !muted && view.comfort.surroundings === "nature");
    scene.setBreathingCoach(view.comfort.breathingCoach);
    const p = view.procedure;
    const hold = isPatientHold(p);
    // One "I'm ready" on each surface: the page's on the flat screen, the panel's in the headset.
    ready.hidden = !hold || !live;
    ready.textContent = p?.notYet ? "I'm ready to start" : "I'm ready to continue";
    stop.classList.toggle("active", hold);
    const clinician = view.appointment.clinicianName;
    const line = stepLineFor(p, clinician);
    // Alarms never reach this view (shared/access.ts), and the cue shows only while the team has
    // held the treatment: never before the start, never for a reading the patient cannot notice.
    const cue = calmCueFor(p, view.teamChecking, clinician);
    // Each sentence once: on the page for a flat screen, in the room for the headset.
    stepLine.textContent = line;
    stepLine.hidden = inHeadset;
    calm.hidden = cue === null || inHeadset;
    calm.textContent = cue ?? "";
    scene.setStepInfo(inHeadset ? line : null);
    scene.showCalmCue(inHeadset ? cue : null);
    scene.highlightTeeth(p?.step?.teeth ?? []);
    showPanel(mayUsePanels && live ? panelNow(view) : null);
    // In the headset the page is out of sight; listening (if on) goes on there.
    if (tell) tell.root.hidden = inHeadset || !live;
    const u = view.otto.lastUtterance;
    if (u && u.text !== lastSpoken) {
      lastSpoken = u.text;
      if (!muted && (!u.addressee || u.addressee === view.you)) speak(u.text, u.rate);
    }
  }

  /** Redraws the panel's texture only when what it shows changed (a redraw also drops the hover). */
  function showPanel(spec: PanelSpec | null): void {
    const key = JSON.stringify(spec);
    if (key === shownPanelKey) return;
    shownPanelKey = key;
    shownPanel = spec;
    scene.showPanel(spec);
  }

  function panelNow(v: RoomSnapshot): PanelSpec | null {
    const mdasDone = v.comfort.mdasScore !== null || mdasSkipped || mdasAnswers.length >= MDAS_ITEMS.length;
    return patientPanelFor({
      procedure: v.procedure,
      inHeadset,
      checkinPending: v.comfort.checkinPending !== null,
      checkinReason: null,
      mdasNext: mdasDone ? null : mdasAnswers.length,
      comfort: { breathing: v.comfort.breathingCoach, surroundings: v.comfort.surroundings },
    });
  }

  /** What the patient can press now, per surface: the tests count these (one STOP, one ready). */
  function visibleChoices(): { page: string[]; room: string[] } {
    const shown = (b: HTMLButtonElement) => b.isConnected && !b.hidden && !controls.hidden;
    const page = [
      ...(shown(stop) ? [CONTROL_VALUES.stop] : []),
      ...(shown(ready) ? [CONTROL_VALUES.ready] : []),
    ];
    const room = [
      ...(scene.testState().stopShown ? [CONTROL_VALUES.stop] : []),
      ...(shownPanel?.buttons.map((b) => b.value) ?? []),
    ];
    return { page, room };
  }

  if (!opts.viewer) startPoseLoop(connection, scene);
  exposeTestState(() => ({
    role: opts.viewer ? "viewer" : "patient",
    link: connection.link.kind,
    // The whole status (attempt, wait, refusal): what a test says when the link never comes up.
    linkStatus: connection.link,
    view,
    stats: connection.stats,
    scene: scene.testState(),
    patient: {
      inHeadset,
      panel: shownPanel?.id ?? null,
      choices: visibleChoices(),
      tell: tell?.state() ?? null,
    },
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
