/**
 * bench:scale's rooms on one node, in their own process (the bench's own event loop must not be
 * what saturates): each room has a clinician, an assistant, the patient and an observer sending
 * poses at `hz`, and the patient's 2 SOEs sending once a second. On the bench's word it adds rooms,
 * or measures the stop: in every room at once the patient presses STOP, and the time until the
 * clinician's page has the pause is one sample; the patient's "I'm ready" ends each sample.
 */
import { io, type Socket } from "socket.io-client";
import { DeviceClient } from "../devices/deviceClient.ts";
import { type SimDeviceConfig, SoeSimulator } from "../devices/simulator.ts";
import { deviceKey, loadOrCreateSecret, signInvite } from "../server/tokens.ts";
import { encodePose } from "../shared/poseCodec.ts";
import {
  type ClientToServerEvents,
  type DeliveredRoomEvent,
  Ev,
  type ServerToClientEvents,
} from "../shared/protocol.ts";
import type { AudienceRole } from "../shared/roles.ts";
import { benchHandshake } from "./benchCredentials.ts";
import { preciseNow } from "./stats.ts";

export interface ScaleRoomsJob {
  port: number;
  dataDir: string;
  hz: number;
}

export type ScaleRoomsOrder =
  | { type: "add"; rooms: number[] }
  | { type: "probe"; samples: number }
  | { type: "stop" };

export type ScaleRoomsReport =
  | { type: "added"; rooms: number; failed: string[] }
  | { type: "stops"; ms: number[]; failed: number };

type PersonSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

interface Room {
  id: string;
  clinician: PersonSocket;
  patient: PersonSocket;
  sockets: PersonSocket[];
  devices: DeviceClient[];
  /** Waiting for the clinician to see the procedure reach a status. */
  waiting: { to: string; resolve: () => void } | null;
}

const job = JSON.parse(process.argv[2]!) as ScaleRoomsJob;
const secret = loadOrCreateSecret(job.dataDir);
const url = `http://127.0.0.1:${job.port}`;
const rooms: Room[] = [];
const ROLES: readonly AudienceRole[] = ["clinician", "assistant", "patient", "observer"];

function person(appointmentId: string, role: AudienceRole): PersonSocket {
  const token = signInvite(secret, {
    appointmentId,
    roomId: `room-${appointmentId}`,
    personId: `${role}-${appointmentId}`,
    role,
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  return io(url, { ...benchHandshake(token), transports: ["websocket"], forceNew: true });
}

const welcomed = (socket: PersonSocket): Promise<void> =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no welcome in 30 s")), 30_000);
    socket.once(Ev.welcome, () => {
      clearTimeout(timer);
      resolve();
    });
  });

async function openRoom(i: number): Promise<Room> {
  const id = `a${i}`;
  const sockets = ROLES.map((role) => person(id, role));
  await Promise.all(sockets.map(welcomed));
  const [clinician, , patient] = sockets as [PersonSocket, PersonSocket, PersonSocket, PersonSocket];
  const room: Room = { id, clinician, patient, sockets, devices: [], waiting: null };
  clinician.on(Ev.roomEvent, (e: DeliveredRoomEvent) => {
    const body = e.body as { type: string; transition?: { to?: string } };
    if (body.type !== "procedure" || body.transition?.to !== room.waiting?.to) return;
    room.waiting?.resolve();
  });
  const intake = await patient.timeout(10_000).emitWithAck(Ev.mdasSubmit, { answers: [2, 2, 2, 2, 2] });
  if (!intake.ok) throw new Error(`intake refused in ${id}: ${intake.error.message}`);
  const started = await clinician.timeout(10_000).emitWithAck(Ev.procedureCommand, { command: "start" });
  if (!started.ok) throw new Error(`start refused in ${id}: ${started.error.message}`);
  // Poses at hz from each person, each on its own phase.
  sockets.forEach((s, k) => {
    const pose = encodePose({
      head: { p: { x: k * 0.3, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } },
      left: null,
      right: null,
    });
    setTimeout(
      () => setInterval(() => s.emit(Ev.pose, pose), 1000 / job.hz),
      Math.random() * (1000 / job.hz),
    );
  });
  // The patient's two SOEs: a heart-rate wearable and the sensor at 36, once a second each.
  const start = Date.now();
  const pair: SimDeviceConfig[] = [
    { deviceId: `hr-${id}`, tooth: null, signals: ["heartRate"], firmware: "2.3.1" },
    {
      deviceId: `soe-${id}-36`,
      tooth: 36,
      signals: ["ph", "temperature", "biteForce", "plaque", "inflammation"],
      firmware: "2.3.1",
    },
  ];
  for (const [k, d] of pair.entries()) {
    const sim = new SoeSimulator({ seed: i * 31 + k, patientSeed: i, device: d, startTime: start });
    const client = new DeviceClient({ url, deviceId: d.deviceId, deviceKey: deviceKey(secret, d.deviceId) });
    room.devices.push(client);
    const seqBase = Date.now() * 1000;
    setTimeout(
      () =>
        setInterval(() => {
          for (const batch of sim.advance(Date.now())) client.send({ ...batch, seq: seqBase + batch.seq });
        }, 1000),
      Math.random() * 1000,
    );
  }
  return room;
}

/** The clinician sees the procedure reach `to` within 10 s (false if not). */
function seen(room: Room, to: string): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      room.waiting = null;
      resolve(false);
    }, 10_000);
    room.waiting = {
      to,
      resolve: () => {
        clearTimeout(timer);
        room.waiting = null;
        resolve(true);
      },
    };
  });
}

async function stopSamples(room: Room, samples: number, ms: number[]): Promise<number> {
  let failed = 0;
  for (let k = 0; k < samples; k++) {
    const paused = seen(room, "paused_by_patient");
    const t0 = preciseNow();
    room.patient.emit(Ev.procedureCommand, { command: "stop" }, () => undefined);
    if (await paused) ms.push(preciseNow() - t0);
    else failed += 1;
    const resumed = seen(room, "running");
    room.patient.emit(Ev.procedureCommand, { command: "ready" }, () => undefined);
    if (!(await resumed)) failed += 1;
  }
  return failed;
}

process.on("message", (order: ScaleRoomsOrder) => {
  if (order.type === "add") {
    void Promise.allSettled(order.rooms.map(openRoom)).then((opened) => {
      const failed: string[] = [];
      for (const o of opened) {
        if (o.status === "fulfilled") rooms.push(o.value);
        else failed.push(String(o.reason));
      }
      process.send?.({ type: "added", rooms: rooms.length, failed } satisfies ScaleRoomsReport);
    });
  } else if (order.type === "probe") {
    const ms: number[] = [];
    void Promise.all(rooms.map((r) => stopSamples(r, order.samples, ms))).then((fails) => {
      const failed = fails.reduce((a, b) => a + b, 0);
      process.send?.({ type: "stops", ms, failed } satisfies ScaleRoomsReport);
    });
  } else {
    for (const r of rooms) {
      for (const s of r.sockets) s.close();
      for (const d of r.devices) d.close();
    }
    process.exit(0);
  }
});
