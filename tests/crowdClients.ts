/**
 * A crowd in its own process (tests/integration/connectionStorm.test.ts): opens one Socket.IO
 * connection per cookie in one synchronous loop, the way a class opening the same link reaches
 * the server, and reports over IPC once each was welcomed or refused. In the test's own process
 * the clients would share the server's event loop and arrive spread over its turns.
 */
import { io, type Socket } from "socket.io-client";
import {
  type ClientToServerEvents,
  Ev,
  PROTOCOL_VERSION,
  type ServerToClientEvents,
} from "../shared/protocol.ts";

export interface CrowdJob {
  origin: string;
  appointmentId: string;
  cookies: string[];
}

export interface CrowdSettled {
  type: "settled";
  welcomed: number;
  refusals: string[];
}

const job = JSON.parse(process.argv[2]!) as CrowdJob;
let welcomed = 0;
const refusals: string[] = [];
const settle = () => {
  if (welcomed + refusals.length === job.cookies.length)
    process.send?.({ type: "settled", welcomed, refusals } satisfies CrowdSettled);
};
const sockets: Socket<ServerToClientEvents, ClientToServerEvents>[] = job.cookies.map((cookie) => {
  const socket = io(job.origin, {
    auth: { protocolVersion: PROTOCOL_VERSION, appointmentId: job.appointmentId },
    extraHeaders: { cookie },
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: 60_000,
  });
  socket.once(Ev.welcome, () => {
    welcomed += 1;
    settle();
  });
  socket.once("connect_error", (error) => {
    refusals.push(error.message);
    settle();
  });
  return socket;
});
process.on("message", (m: { type: string }) => {
  if (m.type !== "leave") return;
  for (const s of sockets) s.close();
  process.exit(0);
});
