/**
 * No reading is lost or duplicated across a crash: a real server child process is killed with
 * SIGKILL mid-stream and restarted on the same data folder; the device resends what was not acked.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { deviceKey, loadOrCreateSecret } from "../../server/tokens.ts";
import { waitFor } from "../harness.ts";
import { freePort, startServerProcess } from "../serverProcess.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-crash-"));
let child: ChildProcess | null = null;
const serverErrors: string[] = [];

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

describe("delivery across a server crash", () => {
  it("stores every reading sent exactly once after SIGKILL and restart", async () => {
    const port = await freePort();
    const secret = loadOrCreateSecret(dataDir);
    child = await startServerProcess(port, dataDir, serverErrors);
    const id = "soe-julian-36";
    const device = new DeviceClient({
      url: `http://127.0.0.1:${port}`,
      deviceId: id,
      deviceKey: deviceKey(secret, id),
      ackTimeoutMs: 1000,
    });
    await waitFor(() => device.connected, "device connected", 10_000);

    const total = 300;
    const perBatch = 5;
    const t0 = Date.now() - 3_600_000;
    let seq = 0;
    const sendSome = (n: number) => {
      for (let i = 0; i < n && seq < total; i++) {
        seq += 1;
        device.send({
          seq,
          firmware: "2.3.1",
          readings: Array.from({ length: perBatch }, (_, k) => ({
            signal: "ph" as const,
            t: t0 + (seq * perBatch + k) * 1000,
            value: 7 + ((seq + k) % 5) / 10,
            unit: "[pH]",
            tooth: 36,
          })),
        });
      }
    };
    // Stream, and kill the server while batches are in flight.
    const streaming = setInterval(() => sendSome(5), 10);
    await waitFor(() => device.stats.acked >= 60, "some batches acked", 10_000);
    child.kill("SIGKILL");
    await new Promise((r) => child!.once("exit", r));
    const ackedBeforeCrash = device.stats.acked;
    await new Promise((r) => setTimeout(r, 300));
    child = await startServerProcess(port, dataDir, serverErrors);
    await waitFor(() => seq >= total, "all batches queued", 20_000);
    clearInterval(streaming);
    const flushed = await device.flushAsync(20_000);
    expect(
      flushed,
      JSON.stringify({
        stats: device.stats,
        pending: device.pending,
        server: serverErrors.join("").slice(0, 1500),
      }),
    ).toBe(true);
    device.close();
    child.kill("SIGTERM");
    await new Promise((r) => child!.once("exit", r));
    child = null;

    expect(ackedBeforeCrash).toBeLessThan(total);
    const db = new Database(join(dataDir, "chairside.db"), { readonly: true });
    // A batch's readings are one pack (server/storage/readingStore.ts).
    const readings = db
      .prepare(
        `SELECT COALESCE(SUM(p.n), 0) AS n, COUNT(DISTINCT p.t0) AS distinct_t0 FROM reading_packs p
         JOIN reading_streams s ON s.id = p.stream_id WHERE s.device_id = ?`,
      )
      .get(id) as { n: number; distinct_t0: number };
    const batches = db
      .prepare(
        "SELECT COUNT(*) AS n, COUNT(DISTINCT boot_id) AS boots FROM device_boot_batches WHERE device_id = ?",
      )
      .get(id) as { n: number; boots: number };
    db.close();
    // One boot of the device across the server's crash: its resends were recognised as such.
    expect(batches).toEqual({ n: total, boots: 1 });
    expect(readings.n).toBe(total * perBatch);
    // Each batch starts at its own time: a batch stored twice would repeat one.
    expect(readings.distinct_t0).toBe(total);
  }, 90_000);
});
