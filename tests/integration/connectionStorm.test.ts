/**
 * A crowd opening the same room at once (issue 7, bench:storm) on a real server over real sockets:
 * everyone gets in and nobody is refused for being in a crowd, yet no single turn of the event
 * loop takes the whole crowd's handshakes or joins, so a patient's stop in another room is never
 * held behind all of them. Turns are counted with a setImmediate chain in the server's own process
 * (one tick per pass of the loop), and each connection's arrival is tagged with the turn it
 * completed in.
 */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { syntheticClinic } from "../../server/clinic.ts";
import { HANDSHAKES_PER_TURN } from "../../server/handshake.ts";
import { JOINS_PER_BATCH } from "../../server/peopleGateway.ts";
import { ProcedureCommand, ProcedureStatus } from "../../shared/procedure/types.ts";
import { Ev } from "../../shared/protocol.ts";
import type { CrowdJob, CrowdSettled } from "../crowdClients.ts";
import { cookieAuth, startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";
import { IssuedCredentials } from "../issuedCredentials.ts";

const CROWD = 60;
const CROWD_ROOM = "ben";
const OTHER_ROOM = "ada";

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer(
    {},
    {
      clinic: syntheticClinic({
        patientIds: [OTHER_ROOM, CROWD_ROOM],
        teeth: [36],
        planId: "sensor-check-36",
      }),
    },
  );
});
afterAll(async () => {
  await server?.stopAsync();
});

/** Counts passes of the event loop: one tick per check phase. */
function loopTurns(): { readonly turn: number; stop(): void } {
  let turn = 0;
  let running = true;
  const tick = () => {
    turn += 1;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get turn() {
      return turn;
    },
    stop() {
      running = false;
    },
  };
}

/** How many events fell in the busiest turn. */
function busiest(perTurn: Map<number, number>): number {
  return Math.max(0, ...perTurn.values());
}

describe("a connection storm into one room", () => {
  it("admits the whole crowd, a few handshakes and joins per turn, while another room's stop goes through", async () => {
    const patient = await TestClient.joinAsync(server, OTHER_ROOM, "patient");
    const clinician = await TestClient.joinAsync(server, OTHER_ROOM, "clinician");
    expect(await clinician.command(Ev.procedureCommand, { command: ProcedureCommand.start })).toMatchObject({
      ok: true,
    });

    // The teacher is in the room first and watches the crowd arrive.
    const issued = IssuedCredentials.for(server);
    const cookies = Array.from(
      { length: CROWD },
      (_, k) => issued.observer(server, CROWD_ROOM, `Student ${k + 1}`).cookie,
    );
    const watcher = new TestClient(
      server.origin,
      cookieAuth(CROWD_ROOM),
      issued.observer(server, CROWD_ROOM, "Teacher").cookie,
    );
    await watcher.welcomedAsync("the teacher");

    const turns = loopTurns();
    const handshakes = new Map<number, number>();
    const count = (perTurn: Map<number, number>) =>
      perTurn.set(turns.turn, (perTurn.get(turns.turn) ?? 0) + 1);
    server.io.engine.on("connection", () => count(handshakes));
    // A batch of joins runs in one task: its connection events follow one another in the same
    // run of the tick queue. The marker set at a batch's first join is cleared by a tick queued
    // behind the rest of that batch. (A setImmediate count would not separate a batch in one
    // iteration's check phase from the next one, run from a timer early in the following iteration.)
    const joinTimes: { batch: number; at: number }[] = [];
    let batch = 0;
    let inBatch = false;
    server.io.on("connection", (socket) => {
      if (socket.data.seat?.appointmentId !== CROWD_ROOM) return;
      if (!inBatch) {
        inBatch = true;
        batch += 1;
        process.nextTick(() => {
          inBatch = false;
        });
      }
      joinTimes.push({ batch, at: performance.now() });
    });
    const crowd = fork(
      fileURLToPath(new URL("../crowdClients.ts", import.meta.url)),
      [JSON.stringify({ origin: server.origin, appointmentId: CROWD_ROOM, cookies } satisfies CrowdJob)],
      { execArgv: ["--import", "tsx"] },
    );
    const settled = new Promise<CrowdSettled>((resolve, reject) => {
      crowd.once("message", (m: CrowdSettled) => resolve(m));
      crowd.once("exit", (code) => reject(new Error(`the crowd's process ended first (${code})`)));
    });
    // The patient in the other room presses stop while the crowd arrives.
    await waitFor(() => handshakes.size > 0, "the crowd's first handshake", 30_000);
    const stopped = patient.command(Ev.procedureCommand, { command: ProcedureCommand.stop });
    try {
      const outcome = await settled;
      expect(outcome.refusals).toEqual([]);
      expect(outcome.welcomed).toBe(CROWD);
      expect(await stopped).toMatchObject({ ok: true });
      await waitFor(
        () => clinician.view?.procedure?.status === ProcedureStatus.pausedByPatient,
        "the clinician sees the stop",
      );

      expect([...handshakes.values()].reduce((a, b) => a + b, 0)).toBe(CROWD);
      expect(joinTimes).toHaveLength(CROWD);
      // Spread over turns: never the whole crowd (or more than its batch) in one pass of the loop...
      expect(busiest(handshakes)).toBeLessThanOrEqual(HANDSHAKES_PER_TURN);
      const perBatch = new Map<number, number>();
      for (const j of joinTimes) perBatch.set(j.batch, (perBatch.get(j.batch) ?? 0) + 1);
      expect(busiest(perBatch)).toBeLessThanOrEqual(JOINS_PER_BATCH);
      // ...and more than one batch: the crowd was spread. How far apart the batches are is a matter
      // of the clock, asserted with a fake one in server/admissionQueue.test.ts, not the wall clock
      // of a busy machine (a join's connection event may leave a few ms after its batch ended).
      expect(batch).toBeGreaterThanOrEqual(Math.ceil(CROWD / JOINS_PER_BATCH));
      // Nothing was lost on the way: the teacher's page learns of every student.
      await waitFor(
        () => (watcher.view?.members.filter((m) => m.role === "observer").length ?? 0) >= CROWD + 1,
        "the teacher sees the whole crowd",
        30_000,
      );
    } finally {
      turns.stop();
      crowd.send({ type: "leave" });
      watcher.close();
      patient.close();
      clinician.close();
    }
  }, 90_000);
});
