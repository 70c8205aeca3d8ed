/**
 * One process of simulated participants for the room benchmark. Each participant joins with its
 * own signed token, streams poses at a fixed rate with the send time encoded in the head position,
 * and measures fan-out latency from the batches it receives.
 */
import { io, type Socket } from "socket.io-client";
import { loadOrCreateSecret, signInvite } from "../server/tokens.ts";
import { decodeBatch, encodePoseText, type PoseBatchData } from "../shared/poseCodec.ts";
import { Ev, type RoomSnapshot } from "../shared/protocol.ts";
import { benchHandshake } from "./benchCredentials.ts";
import { preciseNow } from "./stats.ts";

interface Job {
  port: number;
  dataDir: string;
  participants: { appointmentId: string; personId: string }[];
  hz: number;
  warmupMs: number;
  measureMs: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const secret = loadOrCreateSecret(job.dataDir);
const WINDOW = 60_000;

interface P {
  appointmentId: string;
  socket: Socket;
  view: RoomSnapshot | null;
  slot: number;
  sent: number;
  /** Distinct poses received from each slot (a keyframe's repeat of one already here is not news). */
  received: Map<number, number>;
  /** Each slot's last pose received, by its send time: a repeat of it is skipped. */
  lastSentMs: Map<number, number>;
  bytesIn: number;
  updatesIn: number;
}

const latencies: number[] = [];
let measuring = false;
const people: P[] = job.participants.map(({ appointmentId, personId }) => {
  const token = signInvite(secret, {
    appointmentId,
    roomId: `room-${appointmentId}`,
    personId,
    role: "observer",
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const socket = io(`http://127.0.0.1:${job.port}`, {
    ...benchHandshake(token),
    transports: ["websocket"],
    forceNew: true,
  });
  const p: P = {
    appointmentId,
    socket,
    view: null,
    slot: -1,
    sent: 0,
    received: new Map(),
    lastSentMs: new Map(),
    bytesIn: 0,
    updatesIn: 0,
  };
  socket.on(Ev.welcome, (s: RoomSnapshot) => {
    p.view = s;
    p.slot = s.members.find((m) => m.memberId === s.you)!.slot;
  });
  socket.io.on("open", () => {
    socket.io.engine.on("packet", (packet: { type: string; data?: unknown }) => {
      if (!measuring || packet.type !== "message") return;
      const d = packet.data;
      p.bytesIn += typeof d === "string" ? d.length + 1 : ((d as ArrayBuffer).byteLength ?? 0);
    });
  });
  socket.on(Ev.poses, (data: PoseBatchData) => {
    const batch = decodeBatch(data);
    if (!measuring) return;
    const now = preciseNow() % WINDOW;
    for (const { slot, pose } of batch.poses) {
      if (slot === p.slot || slot === 0) continue;
      p.updatesIn += 1;
      const sentMs = Math.round(pose.head.p.x * 1000) + 30_000;
      // The keyframe a second repeats every member's latest pose: its age is not fan-out latency,
      // and counting it again would hide a pose that was lost. Each pose counts once, when it first
      // arrives (relayed, or in a keyframe that makes good a lost one). A sender's poses arrive in
      // order and 13.9 ms apart at 72 Hz, so the latest send time identifies a repeat.
      if (p.lastSentMs.get(slot) === sentMs) continue;
      p.lastSentMs.set(slot, sentMs);
      p.received.set(slot, (p.received.get(slot) ?? 0) + 1);
      // The send time travels in whole millimetres (milliseconds): a quick delivery can come out
      // a fraction of a millisecond "before" it was sent, which is 0, not a minute.
      const wrapped = (now - sentMs + WINDOW) % WINDOW;
      const latency = wrapped > WINDOW / 2 ? 0 : wrapped;
      if (latencies.length < 200_000) latencies.push(latency);
    }
  });
  return p;
});

const period = 1000 / job.hz;
const start = preciseNow();
// BENCH_INDEPENDENT=1: each participant's frames start at its own phase, like real headsets whose
// frame loops are not in step; by default one loop paces every participant of this process at once.
const independent = process.env.BENCH_INDEPENDENT === "1";
const phases = people.map((_, i) => (independent ? (i * period) / people.length + Math.random() : 0));
const nextTick = people.map(() => 0);
// A loop that is late sends one frame, not a catch-up burst (a headset drops frames), and a pose
// counts as sent only when it goes on the wire: a volatile emit while the transport is busy is
// discarded by the client library itself, which is no loss of the server's.
const timer = setInterval(
  () => {
    const elapsed = preciseNow() - start;
    for (const [i, p] of people.entries()) {
      const due = Math.floor((elapsed - phases[i]!) / period);
      if (due < nextTick[i]!) continue;
      nextTick[i] = due + 1;
      if (!p.socket.connected || !p.view) continue;
      if (!p.socket.io.engine?.transport?.writable) continue;
      const ms = preciseNow() % WINDOW;
      const t = { p: { x: (ms - 30_000) / 1000, y: 1.6, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } };
      // As the browser sends it (client/connection.ts): base64 text, one frame.
      p.socket.volatile.emit(Ev.pose, encodePoseText({ head: t, left: t, right: t }));
      if (measuring) p.sent += 1;
    }
  },
  independent ? 1 : Math.max(1, Math.floor(period / 2)),
);

setTimeout(() => {
  measuring = true;
}, job.warmupMs);
setTimeout(() => {
  measuring = false;
  clearInterval(timer);
  const result = {
    type: "result",
    latencies,
    participants: people.map((p) => ({
      appointmentId: p.appointmentId,
      slot: p.slot,
      sent: p.sent,
      received: Object.fromEntries(p.received),
      bytesIn: p.bytesIn,
      updatesIn: p.updatesIn,
    })),
  };
  for (const p of people) p.socket.close();
  // Exit once the result is handed over: a large one (200,000 latencies) takes a while to send.
  process.send?.(result, () => process.exit(0));
}, job.warmupMs + job.measureMs);
