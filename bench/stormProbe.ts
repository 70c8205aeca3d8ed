/**
 * The room that must not notice a storm elsewhere: a clinician and a patient in room a1, and a1's
 * SOEs. Measures three latencies and tags each sample with the phase the bench says it is in:
 * - pose: the patient's pose (send time in the head position) to the clinician's pose batch;
 * - soe: a device's batch send to the clinician's receipt of the first of its readings;
 * - stop: the patient's stop to the clinician's "paused by patient" room event (then "ready").
 */
import { io, type Socket } from "socket.io-client";
import { DeviceClient } from "../devices/deviceClient.ts";
import { SoeSimulator } from "../devices/simulator.ts";
import { deviceKey, loadOrCreateSecret, signInvite } from "../server/tokens.ts";
import { decodeBatch, encodePose, type PoseBatchData } from "../shared/poseCodec.ts";
import { ProcedureCommand, ProcedureStatus } from "../shared/procedure/types.ts";
import {
  type ClientToServerEvents,
  type DeliveredRoomEvent,
  Ev,
  type InviteClaims,
  type ReadingsBatch,
  type RoomSnapshot,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import type { Signal } from "../shared/soe/signals.ts";
import { benchHandshake } from "./benchCredentials.ts";
import { preciseNow } from "./stats.ts";

export interface StormProbeJob {
  port: number;
  dataDir: string;
  appointmentId: string;
  devices: { deviceId: string; tooth: number | null; signals: Signal[] }[];
}

/** Latency samples in ms, per phase. */
export interface ProbeSamples {
  pose: number[];
  soe: number[];
  stop: number[];
}

type PeopleSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const job = JSON.parse(process.argv[2]!) as StormProbeJob;
const secret = loadOrCreateSecret(job.dataDir);
const url = `http://127.0.0.1:${job.port}`;
const POSE_HZ = 30;
const SOE_SEND_MS = 100;
const WINDOW = 60_000;

let phase = "warmup";
const samples = new Map<string, ProbeSamples>();
function record(kind: keyof ProbeSamples, ms: number): void {
  let s = samples.get(phase);
  if (!s) {
    s = { pose: [], soe: [], stop: [] };
    samples.set(phase, s);
  }
  s[kind].push(ms);
}

function connect(personId: string, role: InviteClaims["role"]): PeopleSocket {
  const token = signInvite(secret, {
    appointmentId: job.appointmentId,
    roomId: `room-${job.appointmentId}`,
    personId,
    role,
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  return io(url, {
    ...benchHandshake(token),
    transports: ["websocket"],
    forceNew: true,
  });
}

function welcomedAsync(socket: PeopleSocket): Promise<RoomSnapshot> {
  return new Promise((resolve) => socket.once(Ev.welcome, resolve));
}

const clinician = connect(`clin-${job.appointmentId}`, "clinician");
const patient = connect(job.appointmentId, "patient");
const [, patientView] = await Promise.all([welcomedAsync(clinician), welcomedAsync(patient)]);
const patientSlot = patientView.members.find((m) => m.memberId === patientView.you)!.slot;

// -- pose ---------------------------------------------------------------------------------------
clinician.on(Ev.poses, (data: PoseBatchData) => {
  // Text or bytes
  const batch = decodeBatch(data instanceof ArrayBuffer ? new Uint8Array(data) : data);
  const now = preciseNow() % WINDOW;
  for (const { slot, pose } of batch.poses) {
    if (slot !== patientSlot) continue;
    const sentMs = Math.round(pose.head.p.x * 1000) + 30_000;
    // The send time is rounded to the millisecond: a pose back within it may read a hair below 0,
    // which the modulo would turn into a whole window (60,000 ms).
    const ms = (now - sentMs + WINDOW) % WINDOW;
    record("pose", ms > WINDOW - 1_000 ? 0 : ms);
  }
});
const poseTimer = setInterval(() => {
  const ms = preciseNow() % WINDOW;
  const t = { p: { x: (ms - 30_000) / 1000, y: 1.6, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } };
  patient.volatile.emit(Ev.pose, encodePose({ head: t, left: t, right: t }));
}, 1000 / POSE_HZ);

// -- SOE ----------------------------------------------------------------------------------------
/** Reading key -> its batch; batch -> send time, until the first of its readings reaches the clinician. */
const batchOf = new Map<string, number>();
const batchSentAt = new Map<number, number>();
let nextBatch = 0;
clinician.on(Ev.readings, (batch: ReadingsBatch) => {
  const now = preciseNow();
  for (const r of batch.readings) {
    const key = `${r.deviceId}|${r.signal}|${r.t}`;
    const id = batchOf.get(key);
    if (id === undefined) continue;
    batchOf.delete(key);
    const at = batchSentAt.get(id);
    if (at === undefined) continue;
    batchSentAt.delete(id);
    record("soe", now - at);
  }
});
const start = Date.now();
const seqBase = start * 1000;
const devices = job.devices.map((d, k) => ({
  deviceId: d.deviceId,
  sim: new SoeSimulator({
    seed: 7 + k,
    patientSeed: 1,
    device: { ...d, firmware: "2.3.1" },
    startTime: start,
  }),
  client: new DeviceClient({ url, deviceId: d.deviceId, deviceKey: deviceKey(secret, d.deviceId) }),
}));
const soeTimer = setInterval(() => {
  for (const d of devices) {
    for (const batch of d.sim.advance(Date.now())) {
      // The display stream may thin readings out: any reading of a batch stands for the batch.
      const id = nextBatch++;
      batchSentAt.set(id, preciseNow());
      for (const r of batch.readings) batchOf.set(`${d.deviceId}|${r.signal}|${r.t}`, id);
      d.client.send({ ...batch, seq: seqBase + batch.seq });
    }
  }
}, SOE_SEND_MS);

// -- stop ---------------------------------------------------------------------------------------
let status: string | undefined;
let statusWaiter: { want: (s: string | undefined) => boolean; resolve: () => void } | null = null;
clinician.on(Ev.roomEvent, (e: DeliveredRoomEvent) => {
  if (e.body.type !== "procedure") return;
  status = e.body.procedure?.status;
  if (statusWaiter?.want(status)) {
    statusWaiter.resolve();
    statusWaiter = null;
  }
});
function clinicianSeesAsync(want: (s: string | undefined) => boolean): Promise<void> {
  if (want(status)) return Promise.resolve();
  return new Promise((resolve) => {
    statusWaiter = { want, resolve };
  });
}
const paused = (s: string | undefined) => s === ProcedureStatus.pausedByPatient;
let running = true;
async function stopLoopAsync(): Promise<void> {
  while (running) {
    const sent = preciseNow();
    const seen = clinicianSeesAsync(paused);
    // The answer is not needed (the clinician's view is what is measured); a closing socket rejects it.
    patient.emitWithAck(Ev.procedureCommand, { command: ProcedureCommand.stop }).catch(() => undefined);
    await seen;
    record("stop", preciseNow() - sent);
    const resumed = clinicianSeesAsync((s) => !paused(s));
    patient.emitWithAck(Ev.procedureCommand, { command: ProcedureCommand.ready }).catch(() => undefined);
    await resumed;
    await new Promise((r) => setTimeout(r, 100));
  }
}
// A stop before the start is a "not yet" that leaves the procedure not started: start it first, so
// each stop pauses a running procedure (what the bench measures) and "I'm ready" resumes it.
clinicianSeesAsync((s) => s !== undefined && s !== ProcedureStatus.notStarted).then(() => stopLoopAsync());
clinician.emitWithAck(Ev.procedureCommand, { command: ProcedureCommand.start }).catch(() => undefined);

process.on("message", (m: { type: string; phase?: string }) => {
  if (m.type === "phase") phase = m.phase!;
  if (m.type === "finish") {
    running = false;
    clearInterval(poseTimer);
    clearInterval(soeTimer);
    process.send?.({ type: "samples", samples: Object.fromEntries(samples) });
    for (const d of devices) d.client.close();
    clinician.close();
    patient.close();
    setTimeout(() => process.exit(0), 200);
  }
});
// Give the devices a moment to connect before the bench starts measuring.
setTimeout(() => process.send?.({ type: "ready" }), 1000);
