/**
 * The storm: on the bench's word, `count` people open a connection to ONE room at the same moment
 * (one synchronous loop, like a class of students opening the same link). Reports how long each
 * waited for its welcome; on the next word, all of them leave.
 */
import { io, type Socket } from "socket.io-client";
import { loadOrCreateSecret, signInvite } from "../server/tokens.ts";
import { type ClientToServerEvents, Ev, type ServerToClientEvents } from "../shared/protocol.ts";
import { benchHandshake } from "./benchCredentials.ts";
import { preciseNow } from "./stats.ts";

export interface StormJob {
  port: number;
  dataDir: string;
  appointmentId: string;
  count: number;
}

/** How long each connection of a storm took from `io()` to its welcome, and how many never got one. */
export interface StormJoined {
  type: "joined";
  joinMs: number[];
  refused: number;
}

const job = JSON.parse(process.argv[2]!) as StormJob;
const secret = loadOrCreateSecret(job.dataDir);
const JOIN_TIMEOUT_MS = 60_000;
let sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = [];

function storm(round: number): void {
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const tokens = Array.from({ length: job.count }, (_, k) =>
    signInvite(secret, {
      appointmentId: job.appointmentId,
      roomId: `room-${job.appointmentId}`,
      personId: `storm-${round}-${k}`,
      role: "observer",
      exp,
    }),
  );
  const joinMs: number[] = [];
  let refused = 0;
  let settled = 0;
  const settle = () => {
    settled += 1;
    if (settled === job.count) process.send?.({ type: "joined", joinMs, refused } satisfies StormJoined);
  };
  const start = preciseNow();
  sockets = tokens.map((token) => {
    const socket = io(`http://127.0.0.1:${job.port}`, {
      ...benchHandshake(token),
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      timeout: JOIN_TIMEOUT_MS,
    });
    socket.once(Ev.welcome, () => {
      joinMs.push(preciseNow() - start);
      settle();
    });
    socket.once("connect_error", () => {
      refused += 1;
      settle();
    });
    return socket;
  });
}

process.on("message", (m: { type: string; round?: number }) => {
  if (m.type === "storm") storm(m.round!);
  if (m.type === "leave") {
    for (const s of sockets) s.close();
    sockets = [];
    process.send?.({ type: "left" });
  }
  if (m.type === "finish") process.exit(0);
});
process.send?.({ type: "ready" });
