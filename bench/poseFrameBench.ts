/**
 * What one pose batch costs the server per broadcast, as bytes (a binary Socket.IO event: a text
 * header frame and an attachment frame, encoded per receiver) and as text (one frame, which
 * Socket.IO frames once per broadcast: shared/poseCodec.ts). `npx tsx bench/poseFrameBench.ts`.
 *
 * It counts the server's CPU time, not wall time, over a fixed number of broadcasts to 8 real
 * receivers in another process, the two forms interleaved over several rounds: unlike latency,
 * CPU time per broadcast hardly depends on what else the machine runs (the room benchmark's
 * latencies do, a lot, on a shared 2-core machine).
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import { loadavg } from "node:os";
import { Server } from "socket.io";
import { io as connect } from "socket.io-client";
import { encodeBatch, encodeBatchText, encodePose } from "../shared/poseCodec.ts";
import { Ev } from "../shared/protocol.ts";
import { fmt } from "./stats.ts";

const RECEIVERS = 8;
const BROADCASTS = Number(process.env.BENCH_BROADCASTS ?? "20000");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? "3");
/** Broadcasts per event-loop turn: a busy room's batches, a few per turn. */
const PER_TURN = 4;

if (process.argv[2] === "receivers") {
  const port = Number(process.argv[3]);
  let got = 0;
  for (let i = 0; i < RECEIVERS; i++) {
    const socket = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], forceNew: true });
    socket.on(Ev.poses, () => {
      got += 1;
    });
  }
  setInterval(() => process.send?.({ got }), 50);
} else {
  const http = createServer();
  const io = new Server(http, { transports: ["websocket"], serveClient: false });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address() as { port: number };
  let joined = 0;
  io.on("connection", (socket) => {
    void socket.join("room");
    joined += 1;
  });
  const receivers = fork(import.meta.filename, ["receivers", String(port)], {
    execArgv: ["--import", "tsx"],
  });
  let got = 0;
  receivers.on("message", (m: { got: number }) => {
    got = m.got;
  });
  while (joined < RECEIVERS) await new Promise((r) => setTimeout(r, 20));

  // Two poses a batch: 8 people at 72 Hz within the room's budget of 4 batches a tick.
  const t = { p: { x: 0.1, y: 1.6, z: 0.2 }, q: { x: 0, y: 0, z: 0, w: 1 } };
  const entries = [1, 2].map((slot) => ({ slot, bytes: encodePose({ head: t, left: t, right: t }) }));
  const forms = {
    bytes: () => encodeBatch(Date.now(), 7, entries),
    text: () => encodeBatchText(Date.now(), 7, entries),
  };
  const results: Record<string, number[]> = { bytes: [], text: [] };
  const loads: number[] = [];
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, encode] of Object.entries(forms)) {
      loads.push(loadavg()[0]!);
      const start = got;
      const cpu = process.cpuUsage();
      let sent = 0;
      await new Promise<void>((done) => {
        const turn = () => {
          for (let k = 0; k < PER_TURN && sent < BROADCASTS; k++, sent++)
            io.to("room").emit(Ev.poses, encode());
          if (sent < BROADCASTS) setImmediate(turn);
          else done();
        };
        turn();
      });
      while (got - start < BROADCASTS * RECEIVERS) await new Promise((r) => setTimeout(r, 10));
      const used = process.cpuUsage(cpu);
      // Round 0 warms the JIT up and is not counted.
      if (round > 0) results[name]!.push((used.user + used.system) / BROADCASTS);
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(
    `Pose batch broadcast to ${RECEIVERS} receivers, ${BROADCASTS} broadcasts x ${ROUNDS} rounds, 1-minute load ${fmt(Math.min(...loads))}–${fmt(Math.max(...loads))}`,
  );
  for (const [name, runs] of Object.entries(results)) {
    console.log(
      `  ${name.padEnd(5)}  server CPU ${fmt(median(runs))} µs per broadcast (median; each ${runs.map((r) => fmt(r)).join(", ")})`,
    );
  }
  receivers.kill();
  await io.close();
  process.exit(0);
}
