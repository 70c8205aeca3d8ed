/**
 * The yardstick for `npm run bench:room`: a plain Socket.IO relay that broadcasts each pose
 * to the rest of its room the moment it arrives, with nothing else (no auth, no room core, no
 * budget, no keyframes, no storage). `BENCH_TREES=relay,.` runs it beside Chairside in one sitting,
 * so "as fast as a relay" is measured on the same machine load, not remembered from another day.
 *
 * It speaks just enough of the room protocol for bench/roomBenchClient.ts: a welcome naming the
 * connection's slot, and each pose sent on as a one-entry batch in the server's batch encoding.
 */
import { createServer } from "node:http";
import { Server } from "socket.io";
import { encodeBatch, poseBytesOf } from "../shared/poseCodec.ts";
import { Ev } from "../shared/protocol.ts";
import { serveBenchParent } from "./serverToParent.ts";

const http = createServer();
const io = new Server(http, { transports: ["websocket"], serveClient: false });
/** Next slot per room: slots start at 1 (0 is Otto's in a real room). */
const nextSlot = new Map<string, number>();

io.on("connection", (socket) => {
  const auth = socket.handshake.auth as { appointmentId?: unknown };
  const room = typeof auth.appointmentId === "string" ? auth.appointmentId : "none";
  const slot = nextSlot.get(room) ?? 1;
  nextSlot.set(room, slot + 1);
  void socket.join(room);
  socket.emit(Ev.welcome, { you: socket.id, members: [{ memberId: socket.id, slot }] });
  socket.on(Ev.pose, (data: unknown) => {
    const pose = poseBytesOf(data);
    if (!pose) return;
    socket.to(room).emit(Ev.poses, encodeBatch(Date.now(), 0, [{ slot, bytes: pose }]));
  });
});

http.listen(0, "127.0.0.1", () => {
  const address = http.address();
  serveBenchParent({
    ready: { port: typeof address === "object" && address ? address.port : 0 },
    stopAsync: async () => {
      io.close();
    },
  });
});
