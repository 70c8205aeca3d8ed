/**
 * The real server on PostgreSQL (issue 11): a server child process with CHAIRSIDE_DATABASE_URL
 * pointing at a throw-away PostgreSQL runs a short session (a clinician and a patient, Start, the
 * patient's stop, a device's batches acknowledged, one resent), is killed with SIGKILL and started
 * again, and the room comes back from the database: the stop holds, every acknowledged reading is
 * there once, and no SQLite file was ever written in the data folder.
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { verifyAuditChainAsync } from "../../server/audit/auditChain.ts";
import { DemoPasses } from "../../server/auth/demoPass.ts";
import { seedClinic } from "../../server/clinic.ts";
import { openPgStorage, type PgStorage } from "../../server/storage/pgStorage.ts";
import { deviceKey, loadOrCreateSecret } from "../../server/tokens.ts";
import { Ev, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import type { InviteRole } from "../../shared/roles.ts";
import { TestClient, waitFor } from "../harness.ts";
import { freePort, startServerProcess } from "../serverProcess.ts";
import { type PostgresService, startPostgres } from "../services/postgres.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-pg-server-"));
let postgres: PostgresService | null = null;
let databaseUrl = "";
let child: ChildProcess | null = null;
let observer: PgStorage | null = null;
const serverErrors: string[] = [];
const clients: TestClient[] = [];
const devices: DeviceClient[] = [];
const savedUrl = process.env.CHAIRSIDE_DATABASE_URL;

beforeAll(async () => {
  postgres = await startPostgres();
  databaseUrl = await postgres.createDatabase("server");
  // startServerProcess passes this process's environment on to the server.
  process.env.CHAIRSIDE_DATABASE_URL = databaseUrl;
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.close();
  for (const d of devices) d.close();
  child?.kill("SIGKILL");
  await observer?.close();
  if (savedUrl === undefined) delete process.env.CHAIRSIDE_DATABASE_URL;
  else process.env.CHAIRSIDE_DATABASE_URL = savedUrl;
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function participant(url: string, passes: DemoPasses, role: InviteRole): TestClient {
  const { pass } = passes.mint("julian", role)!;
  const client = new TestClient(url, { protocolVersion: PROTOCOL_VERSION, appointmentId: "julian", pass });
  clients.push(client);
  return client;
}

function phBatch(seq: number, t: number) {
  return {
    seq,
    firmware: "2.3.1",
    readings: [0, 1, 2, 3].map((i) => ({
      signal: "ph" as const,
      t: t + i * 250,
      value: 6.8 + i / 10,
      unit: "[pH]",
      tooth: 36,
    })),
  };
}

describe("the server on PostgreSQL", () => {
  it("stores a session's readings once and restores the room after SIGKILL, the stop holding", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const secret = loadOrCreateSecret(dataDir);
    const passes = new DemoPasses(secret, seedClinic(), 12, Date.now);
    child = await startServerProcess(port, dataDir, serverErrors);
    observer = await openPgStorage(databaseUrl);

    const ray = participant(url, passes, "clinician");
    let welcomes = 0;
    ray.socket.on(Ev.welcome, () => {
      welcomes += 1;
    });
    const julian = participant(url, passes, "patient");
    await waitFor(() => ray.view !== null && julian.view !== null, "both joined", 10_000);
    expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);

    const soe = new DeviceClient({
      url,
      deviceId: "soe-julian-36",
      deviceKey: deviceKey(secret, "soe-julian-36"),
      ackTimeoutMs: 2000,
    });
    devices.push(soe);
    await waitFor(() => soe.connected, "device connected", 10_000);
    const t0 = Date.now() - 5000;
    for (let seq = 1; seq <= 5; seq++) soe.send(phBatch(seq, t0 + seq * 1000));
    expect(await soe.flushAsync(15_000)).toBe(true);
    // A repeating firmware sends seq 3 again: acknowledged as a duplicate, stored once.
    soe.transmitUntracked(phBatch(3, t0 + 3000));
    expect(soe.stats.acked).toBe(5);
    expect(await observer.countReadings({ deviceId: "soe-julian-36" })).toBe(20);
    expect(await observer.lastSeq("soe-julian-36", soe.bootId)).toBe(5);

    // The patient stops; the ack promises it is stored.
    expect((await julian.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    await waitFor(() => ray.view?.procedure?.status === "paused_by_patient", "clinician sees the stop");
    const stepBefore = ray.view!.procedure?.stepIndex;
    const seqBefore = ray.view!.seq;

    // -- crash, and a fresh server on the same database ---------------------------------------
    const proc = child;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
    child = null;
    julian.close();
    const welcomesBefore = welcomes;
    child = await startServerProcess(port, dataDir, serverErrors);
    // The clinician's client reconnects by itself and is welcomed with the room as it was.
    await waitFor(() => welcomes > welcomesBefore, "clinician back after the crash", 15_000);
    expect(ray.view?.procedure?.status).toBe("paused_by_patient");
    expect(ray.view!.seq).toBeGreaterThanOrEqual(seqBefore);
    expect(ray.view!.procedure?.stepIndex).toBe(stepBefore);
    // The stop holds: the clinician cannot carry on.
    expect((await ray.command(Ev.procedureCommand, { command: "next" })).ok).toBe(false);

    // The device reconnects to the new server; its resends are duplicates, nothing stored twice.
    soe.send(phBatch(6, t0 + 6000));
    expect(await soe.flushAsync(15_000)).toBe(true);
    expect(await observer.countReadings({ deviceId: "soe-julian-36" })).toBe(24);
    expect(await observer.lastSeq("soe-julian-36", soe.bootId)).toBe(6);

    // Everything went to PostgreSQL: no SQLite file in the data folder, and the audit chain holds.
    expect(existsSync(join(dataDir, "chairside.db"))).toBe(false);
    const chain = await verifyAuditChainAsync((after, limit) => observer!.auditChain(after, limit));
    expect(chain.broken).toBeNull();
    expect((await observer.roomStates()).map((r) => r.roomId)).toContain("room-julian");
    expect(serverErrors.join("")).not.toMatch(/room state (refused|failed)|storage.*failed/i);
  }, 120_000);
});
