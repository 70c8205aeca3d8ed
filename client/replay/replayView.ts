/**
 * `/room.html?replay=<visitId>`: a past visit replayed in the 3D room as an observer would have seen
 * it, for staff who may read the record. Reads the recording once over HTTP (no socket, no seat) and
 * rebuilds the room at the playback time with the pure engine (shared/replay.ts, the live reducer);
 * play, pause, seek and 1×–8× run on the pure clock (shared/replayClock.ts).
 */
import type { Alarm } from "../../shared/alarms.ts";
import { alarmText } from "../../shared/alarmWords.ts";
import {
  REPLAY_SPEEDS,
  type ReplayRecording,
  type ReplayState,
  replayEngineOf,
} from "../../shared/replay.ts";
import { ReplayClock } from "../../shared/replayClock.ts";
import { h } from "../panel/dom.ts";
import { formatClock, priorityText, statusText } from "../panel/format.ts";
import { createClinicianLayout } from "../panel/layout.ts";
import { ToothNames } from "../panel/toothNames.ts";
import { qualityFromUrl, showFatal } from "../room/status.ts";
import { exposeTestState } from "../room/testHooks.ts";
import { TreatmentScene } from "../scene/treatmentScene.ts";
import { StaffApi } from "../staff/staffApi.ts";
import "./replay.css";

/** What the page says when the recording cannot be read. */
async function loadRecordingAsync(
  visitId: string,
): Promise<ReplayRecording | { title: string; detail: string; signIn: boolean }> {
  const r = await fetch(`/api/visits/${encodeURIComponent(visitId)}/replay`, { credentials: "same-origin" });
  if (r.ok) return (await r.json()) as ReplayRecording;
  const body = (await r.json().catch(() => null)) as { error?: { message?: unknown } } | null;
  const message = body?.error?.message;
  const detail = typeof message === "string" ? message : `The server answered ${r.status}.`;
  if (r.status === 401) return { title: "Please sign in", detail, signIn: true };
  if (r.status === 403) return { title: "Not allowed", detail, signIn: false };
  return { title: "This visit cannot be replayed", detail, signIn: false };
}

/** How an alarm stood at replay time t: cleared, acknowledged and by whom (`nameOf` a member id). */
function alarmState(a: Alarm, t: number, nameOf: (memberId: string) => string): string {
  const parts: string[] = [];
  if (a.clearedAt !== undefined && a.clearedAt <= t) parts.push("cleared");
  if (a.acknowledgedAt !== undefined && a.acknowledgedAt <= t)
    parts.push(`acknowledged${a.acknowledgedBy ? ` by ${nameOf(a.acknowledgedBy)}` : ""}`);
  return parts.length ? ` · ${parts.join(", ")}` : " · active";
}

/** The reader's tooth notation (the panel's, remembered per signed-in person); FDI if unknown. */
async function readerNamesAsync(): Promise<ToothNames> {
  const names = new ToothNames();
  const me = await new StaffApi().meAsync();
  if (me.ok) names.forPerson(me.value.staff.staffId);
  return names;
}

function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

export async function startReplayAsync(root: HTMLElement, visitId: string): Promise<void> {
  const loaded = await loadRecordingAsync(visitId);
  if (!("visitId" in loaded)) {
    showFatal(root, loaded.title, loaded.detail, loaded.signIn);
    return;
  }
  const names = await readerNamesAsync();
  const engine = replayEngineOf(loaded);
  const clock = new ReplayClock(engine.startAt, engine.endAt);
  const { canvasHost, panelRoot } = createClinicianLayout(root);
  const canvas = h("canvas", { class: "room-canvas", "data-testid": "room-canvas" });
  canvasHost.prepend(canvas);
  const scene = await TreatmentScene.createAsync(canvas, { mode: "desktop", quality: qualityFromUrl() });
  // The 3D chart names teeth in the reader's notation, as the alarms card does.
  scene.setToothNotation(names.current);

  const appt = loaded.initial.appointment;
  const playButton = h(
    "button",
    { type: "button", class: "btn primary", "data-testid": "replay-play" },
    "Play",
  );
  const seek = h("input", {
    type: "range",
    min: "0",
    max: String(engine.endAt - engine.startAt),
    step: "100",
    value: "0",
    "aria-label": "Position in the visit",
    "data-testid": "replay-seek",
  });
  const speed = h("select", { "aria-label": "Speed", "data-testid": "replay-speed" });
  for (const s of REPLAY_SPEEDS) speed.append(h("option", { value: String(s) }, `${s}×`));
  const time = h("span", { class: "replay-time", "data-testid": "replay-time" });
  const procedure = h("p", { class: "replay-procedure", "data-testid": "replay-procedure" });
  const step = h("p", { class: "replay-step" });
  const caption = h("p", { class: "replay-caption", "data-testid": "replay-caption", "aria-live": "polite" });
  const alarms = h("ul", { class: "replay-alarms", "data-testid": "replay-alarms" });
  const people = h("ul", { class: "replay-people" });
  const stopButton = h(
    "button",
    { type: "button", class: "btn", "data-testid": "replay-next-stop" },
    "Next stop by patient",
  );
  panelRoot.classList.add("cp-panel", "replay-panel");
  const card = (title: string, ...children: HTMLElement[]) =>
    h(
      "section",
      { class: "cp-card" },
      h("header", { class: "cp-card-header" }, h("h3", { class: "cp-card-title" }, title)),
      h("div", { class: "cp-card-body" }, ...children),
    );
  panelRoot.append(
    card(
      "Replay of a visit",
      h(
        "p",
        { class: "replay-who" },
        `${appt.patientName} · ${appt.clinicianName} · ${new Date(engine.startAt).toLocaleString()}`,
      ),
      h("div", { class: "replay-controls" }, playButton, speed, time),
      seek,
      stopButton,
    ),
    card("Procedure", procedure, step),
    card("Otto said", caption),
    card("Alarms", alarms),
    card("In the room", people),
  );

  let shown: ReplayState | null = null;
  let lastPoses: ReplayState["poses"] = null;
  const render = (state: ReplayState) => {
    shown = state;
    const v = state.view;
    scene.setMembers(v.members, "replay");
    scene.setOtto(v.otto);
    scene.setSurroundings(v.comfort.surroundings);
    scene.setBreathingCoach(v.comfort.breathingCoach);
    scene.highlightTeeth(v.procedure?.step?.teeth ?? []);
    if (state.poses && state.poses !== lastPoses) scene.pushPoseBatch(state.poses, performance.now());
    lastPoses = state.poses;
    procedure.textContent = v.procedure
      ? `${v.procedure.planName}: ${statusText(v.procedure.status)}`
      : "Not started";
    procedure.dataset.status = v.procedure?.status ?? "none";
    step.textContent = v.procedure?.step
      ? `Step ${v.procedure.stepIndex + 1} of ${v.procedure.stepCount}: ${v.procedure.step.title}`
      : "";
    caption.textContent = state.caption ?? "—";
    const listed: Alarm[] = v.alarms;
    const nameOf = (memberId: string) =>
      v.members.find((m) => m.memberId === memberId)?.displayName ?? "the care team";
    alarms.replaceChildren(
      ...(listed.length
        ? listed.map((a) =>
            h(
              "li",
              { class: `replay-alarm ${a.priority}`, "data-testid": "replay-alarm" },
              `${priorityText(a.priority)} · ${alarmText(a, names)}${alarmState(a, state.t, nameOf)}`,
            ),
          )
        : [h("li", { class: "replay-none" }, "None")]),
    );
    people.replaceChildren(...v.members.map((m) => h("li", {}, `${m.displayName} (${m.role})`)));
    time.textContent = `${elapsed(state.t - engine.startAt)} / ${elapsed(engine.endAt - engine.startAt)} · ${formatClock(state.t)}`;
    if (document.activeElement !== seek) seek.value = String(state.t - engine.startAt);
    playButton.textContent = clock.isPlaying ? "Pause" : "Play";
  };
  const show = (t: number) => {
    if (shown && shown.t === t) return;
    render(engine.seek(t));
  };

  playButton.addEventListener("click", () => {
    const now = performance.now();
    if (clock.isPlaying) clock.pause(now);
    else clock.play(now);
    render(engine.seek(clock.position(now)));
  });
  seek.addEventListener("input", () => {
    const now = performance.now();
    clock.seek(engine.startAt + Number(seek.value), now);
    show(clock.position(now));
  });
  speed.addEventListener("change", () => clock.setSpeed(Number(speed.value), performance.now()));
  stopButton.addEventListener("click", () => {
    const now = performance.now();
    const from = clock.position(now) + 1;
    const at = engine.findTime((v) => v.procedure?.status === "paused_by_patient", from);
    if (at === null) return;
    clock.seek(at, now);
    render(engine.seek(at));
  });

  const frame = () => {
    show(clock.position(performance.now()));
    requestAnimationFrame(frame);
  };
  render(engine.seek(engine.startAt));
  requestAnimationFrame(frame);

  exposeTestState(() => ({
    role: "replay",
    replay: {
      visitId: loaded.visitId,
      startAt: engine.startAt,
      endAt: engine.endAt,
      t: shown?.t ?? null,
      playing: clock.isPlaying,
      speed: clock.speed,
      procedure: shown?.view.procedure?.status ?? null,
    },
    view: shown?.view ?? null,
    scene: scene.testState(),
  }));
}
