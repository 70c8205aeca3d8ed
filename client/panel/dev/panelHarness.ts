/**
 * Development harness for the clinician panel: a fake room (members, a blocked filling procedure,
 * alarms, five devices) and synthetic readings at 10 Hz with a dropout, invalid and retracted
 * readings. Query parameters: role=clinician|assistant|observer, status=<ProcedureStatus>, tooth=36,
 * fail=1 (every action is refused, to show inline errors).
 */
import type { Alarm } from "../../../shared/alarms.ts";
import type { ProcedureStatus, ProcedureStep, ProcedureView } from "../../../shared/procedure/types.ts";
import { fail, ok, type Result, type RoomSnapshot } from "../../../shared/protocol.ts";
import type { CheckedReading, Signal } from "../../../shared/soe/signals.ts";
import type { RoomActions } from "../../roomActions.ts";
import { ClinicianPanel, createClinicianLayout } from "../panel.ts";
import type { PanelRole } from "../permissions.ts";

const params = new URLSearchParams(location.search);
const role = (params.get("role") ?? "clinician") as PanelRole;
const status = (params.get("status") ?? "blocked") as ProcedureStatus;
const T0 = Date.now();

const steps: ProcedureStep[] = [
  ["Explain the procedure", "narration", []],
  ["Local anaesthetic", "manual", []],
  ["Caries check with pH sensor", "automated", ["ph"]],
  ["Remove decay", "manual", []],
  ["Etch and bond", "manual", []],
  ["Place composite", "manual", []],
  ["Check the bite", "checkin", []],
].map(([title, kind, dependsOn], i) => ({
  id: `s${i + 1}`,
  kind: kind as ProcedureStep["kind"],
  title: title as string,
  teeth: i === 0 ? [] : [36],
  surfaces: i === 0 ? [] : ["M", "O"],
  explanation: "",
  dependsOn: dependsOn as Signal[],
  expectedSeconds: 60,
}));

const procedure: ProcedureView = {
  planId: "filling-36-mo",
  planName: "Class II composite filling · 36 MO",
  status,
  stepIndex: 2,
  stepCount: steps.length,
  step: steps[2]!,
  nextStep: steps[3]!,
  blockedReason: status === "blocked" ? "pH sensor on 36 unreliable: use clinical exam" : null,
  override: null,
};

const alarms: Alarm[] = [
  {
    id: "a-1",
    kind: "technical",
    priority: "high",
    key: "technical:soe-36:ph",
    message: "pH sensor on 36 reports impossible values (firmware 2.4.0-beta)",
    deviceId: "soe-36",
    tooth: 36,
    raisedAt: T0 - 25_000,
    silencedUntil: T0 + 95_000,
  },
  {
    id: "a-2",
    kind: "physiological",
    priority: "medium",
    key: "physiological:hr",
    message: "Heart rate 24% above the patient's baseline for 60 s",
    raisedAt: T0 - 70_000,
  },
  {
    id: "a-0",
    kind: "technical",
    priority: "low",
    key: "technical:soe-26:dropout",
    message: "Sensor on 26 stopped sending for 20 s",
    deviceId: "soe-26",
    tooth: 26,
    raisedAt: T0 - 80_000,
    clearedAt: T0 - 50_000,
    acknowledgedAt: T0 - 45_000,
    acknowledgedBy: "m-ray",
  },
];

const view: RoomSnapshot = {
  protocolVersion: 1,
  appointment: {
    appointmentId: "appt-1",
    roomId: "room-1",
    patientName: "Julian Park",
    clinicianName: "Dr. Ray",
    scheduledAt: new Date(T0 - 20 * 60_000).toISOString(),
  },
  you: role === "clinician" ? "m-ray" : role === "assistant" ? "m-noah" : "m-obs",
  seq: 10,
  members: [
    {
      memberId: "m-ray",
      personId: "p-ray",
      displayName: "Dr. Ray",
      role: "clinician",
      connection: "connected",
      slot: 1,
    },
    {
      memberId: "m-noah",
      personId: "p-noah",
      displayName: "Noah",
      role: "assistant",
      connection: "reconnecting",
      slot: 2,
    },
    {
      memberId: "m-julian",
      personId: "p-julian",
      displayName: "Julian",
      role: "patient",
      connection: "connected",
      slot: 3,
    },
    {
      memberId: "m-otto",
      personId: "otto",
      displayName: "Otto",
      role: "otto",
      connection: "connected",
      slot: 4,
    },
  ],
  otto: {
    state: "talking",
    lookAt: "m-julian",
    lastUtterance: {
      kind: "narration",
      text: "Dr. Ray is checking the tooth by hand now. Raise your hand any time you want a break.",
      addressee: "m-julian",
    },
  },
  procedure,
  comfort: {
    mdasScore: 21,
    pathway: "high_anxiety",
    surroundings: "nature",
    breathingCoach: true,
    checkinPending: null,
    lastCheckin: { score: 3, at: T0 - 8 * 60_000 },
    heartRateBaseline: 74,
  },
  alarms,
  teamChecking: true,
  devices: [
    { deviceId: "soe-16", firmware: "2.3.1", tooth: 16, quarantined: false, lastSeenAt: T0 },
    { deviceId: "soe-26", firmware: "2.3.1", tooth: 26, quarantined: false, lastSeenAt: T0 },
    { deviceId: "soe-36", firmware: "2.4.0-beta", tooth: 36, quarantined: false, lastSeenAt: T0 },
    { deviceId: "soe-46", firmware: "2.4.0-beta", tooth: 46, quarantined: false, lastSeenAt: T0 },
    { deviceId: "hr-band", firmware: "1.2.0", tooth: null, quarantined: false, lastSeenAt: T0 },
  ],
  quarantinedFirmware: [],
  firmwareHistory: [],
  serverTime: T0,
};

const TEETH = [16, 26, 36, 46];
const BASE: Record<Signal, number> = {
  ph: 7.1,
  temperature: 34.6,
  biteForce: 0,
  plaque: 0.8,
  inflammation: 1.1,
  heartRate: 90,
};
const UNIT: Record<Signal, string> = {
  ph: "[pH]",
  temperature: "Cel",
  biteForce: "N",
  plaque: "{score}",
  inflammation: "{score}",
  heartRate: "/min",
};

/** Deterministic synthetic sample for a device/signal at time t. */
function sample(signal: Signal, tooth: number | null, t: number): CheckedReading | null {
  const s = t / 1000;
  const k = tooth ?? 0;
  // Tooth 26 drops out between 70 s and 50 s ago.
  if (tooth === 26 && t > T0 - 70_000 && t < T0 - 50_000) return null;
  let value: number;
  switch (signal) {
    case "ph":
      value = BASE.ph - (k === 46 ? 0.9 : k === 16 ? 0.3 : k === 26 ? -0.3 : 0) + 0.15 * Math.sin(s / 9 + k);
      break;
    case "temperature":
      value = BASE.temperature + 0.2 * Math.sin(s / 20 + k) + (k === 46 ? 0.9 : 0);
      break;
    case "biteForce":
      // Chewing bursts on the molars of one side every 20 s; near zero at rest.
      value =
        (k === 36 || k === 46) && s % 20 < 4
          ? Math.max(0, 420 * Math.sin(s * 3.1) ** 2 + 15 * Math.sin(s * 11))
          : 4 + 2 * Math.sin(s * 5 + k);
      break;
    case "plaque":
      value = BASE.plaque + (k === 36 ? 1.1 : k === 46 ? 1.8 : k === 26 ? 0.5 : 0) + 0.02 * Math.sin(s / 30);
      break;
    case "inflammation":
      value = BASE.inflammation + (k === 16 ? -1 : k === 46 ? 1 : 0) + 0.02 * Math.sin(s / 40);
      break;
    case "heartRate":
      value = BASE.heartRate + 6 * Math.sin(s / 25);
      break;
  }
  const r: CheckedReading = {
    signal,
    t,
    value,
    unit: UNIT[signal],
    ...(tooth !== null ? { tooth } : {}),
    deviceId: tooth === null ? "hr-band" : `soe-${tooth}`,
    quality: "valid",
    status: "final",
    receivedAt: t + 40,
  };
  // pH on 36 goes bad 25 s ago: impossible values from the beta firmware.
  if (signal === "ph" && tooth === 36 && t > T0 - 25_000) {
    r.value = 11.7;
    r.quality = "invalid";
    r.reason = "value outside the physical range (3–9 pH)";
  }
  // A few isolated invalid pH spikes earlier on 36.
  if (signal === "ph" && tooth === 36 && Math.floor(s) % 17 === 0) {
    r.value = 2.1;
    r.quality = "invalid";
    r.reason = "spike: faster than the sensor can respond";
  }
  // Temperature on 46 suspect now and then.
  if (signal === "temperature" && tooth === 46 && Math.floor(s) % 11 === 0) {
    r.quality = "suspect";
    r.reason = "stuck at the same value for 30 samples";
  }
  // Plaque on 46 from 100-80 s ago was retracted (bad firmware, entered in error).
  if (signal === "plaque" && tooth === 46 && t > T0 - 100_000 && t < T0 - 80_000)
    r.status = "entered-in-error";
  return r;
}

function readingsAt(t: number, slowTick: boolean): CheckedReading[] {
  const out: CheckedReading[] = [];
  for (const tooth of TEETH) {
    const b = sample("biteForce", tooth, t);
    if (b) out.push(b);
    if (!slowTick) continue;
    for (const signal of ["ph", "temperature", "plaque", "inflammation"] as const) {
      const r = sample(signal, tooth, t);
      if (r) out.push(r);
    }
  }
  if (slowTick) {
    const hr = sample("heartRate", null, t);
    if (hr) out.push(hr);
  }
  return out;
}

function history(since: number): CheckedReading[] {
  const out: CheckedReading[] = [];
  const start = T0 - Math.floor((T0 - Math.max(since, T0 - 600_000)) / 100) * 100;
  for (let t = start; t < T0; t += 100) {
    const slow = (t - T0) % 1000 === 0;
    if (t < T0 - 125_000 && !slow) continue;
    out.push(...readingsAt(t, slow));
  }
  return out;
}

const failing = params.get("fail") === "1";
const log = <T>(name: string, value: T, ...args: unknown[]): Result<T> => {
  console.info(`[harness] ${name}`, ...args);
  return failing ? fail("forbidden", `The room refused “${name}”: not allowed for this role.`) : ok(value);
};
const actions: RoomActions = {
  selectPlan: async (planId) => log("selectPlan", procedure, planId),
  procedureCommand: async (command, reason) => log("procedureCommand", procedure, command, reason),
  submitMdas: async () => ok(view.comfort),
  submitCheckin: async () => ok(view.comfort),
  requestCheckin: async (reason) => log("requestCheckin", view.comfort, reason),
  setBreathing: async (on) => log("setBreathing", { ...view.comfort, breathingCoach: on }, on),
  setSurroundings: async (s) => log("setSurroundings", { ...view.comfort, surroundings: s }, s),
  askOtto: async () => ok({ kind: "answer", text: "" }),
  acknowledgeAlarm: async (id) => log("acknowledgeAlarm", alarms.find((a) => a.id === id)!, id),
  silenceAlarm: async (id, seconds) => log("silenceAlarm", alarms.find((a) => a.id === id)!, id, seconds),
  quarantineFirmware: async (p) =>
    log("quarantineFirmware", { devices: 2, patients: 1, retracted: 412 }, p.firmware, p.since),
  liftFirmware: async (p) =>
    log("liftFirmware", {
      action: "lift" as const,
      firmware: p.firmware,
      at: T0,
      by: "dr-ray",
      reason: p.reason,
    }),
  loadHistory: async (since) => ok({ readings: history(since) }),
};

const app = document.getElementById("app")!;
const { canvasHost, panelRoot } = createClinicianLayout(app);
canvasHost.innerHTML = '<div class="harness-scene">3D room (Babylon canvas goes here)</div>';
const panel = new ClinicianPanel(panelRoot, actions, {
  role,
  plans: [
    { id: "filling-36-mo", name: "Class II composite filling · 36 MO" },
    { id: "checkup", name: "Check-up and cleaning" },
  ],
  speech: false,
});

// Earlier check-ins, a request and the patient's stop, replayed so the timeline has history.
panel.onView(view);
view.comfort = {
  ...view.comfort,
  checkinPending: { reason: "heart rate up", requestedAt: T0 - 5.2 * 60_000 },
};
panel.onView(view);
panel.onTransition({
  at: T0 - 5.5 * 60_000,
  command: "stop",
  by: { memberId: "m-julian", role: "patient" },
  from: "running",
  to: "paused_by_patient",
  stepIndex: 1,
});
view.comfort = { ...view.comfort, checkinPending: null, lastCheckin: { score: 7, at: T0 - 5 * 60_000 } };
panel.onView(view);
view.comfort = { ...view.comfort, lastCheckin: { score: 6, at: T0 - 3 * 60_000 } };
panel.onView(view);

const tooth = params.get("tooth");
if (tooth !== null) panel.selectTooth(Number(tooth));

let tick = 0;
setInterval(() => {
  const t = T0 + tick * 100;
  tick++;
  panel.onReadings(readingsAt(t, tick % 10 === 0));
  for (const d of view.devices) d.lastSeenAt = t;
}, 100);

declare global {
  interface Window {
    panel: ClinicianPanel;
  }
}
window.panel = panel;
