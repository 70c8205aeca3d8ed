/**
 * A graceful stop (SIGTERM, Ctrl-C) with a crowd in a room, on a real server and a real database
 * file. Closing its connections makes every member a departure in the admission queue, which lets
 * a crowd out a batch at a time (server/admissionQueue.ts). Each departure must reach its room and
 * the stored history before the storage closes; one still queued then was an event for a closed
 * storage ("append room event failed: The storage is closing"), lost.
 */
import { fork } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, it } from "vitest";
import { syntheticClinic } from "../../server/clinic.ts";
import { SqliteStorage } from "../../server/storage/sqliteStorage.ts";
import { ConnectionState } from "../../shared/protocol.ts";
import type { CrowdJob, CrowdSettled } from "../crowdClients.ts";
import { startTestServer } from "../harness.ts";
import { IssuedCredentials } from "../issuedCredentials.ts";

const CROWD = 60;
const ROOM = "ben";

it("stores every member's departure before the storage closes", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "chairside-graceful-"));
  const crowdCookies: string[] = [];
  const server = await startTestServer(
    { dataDir },
    { clinic: syntheticClinic({ patientIds: [ROOM], teeth: [36], planId: "sensor-check-36" }) },
  );
  const issued = IssuedCredentials.for(server);
  for (let k = 0; k < CROWD; k++) crowdCookies.push(issued.observer(server, ROOM, `Student ${k + 1}`).cookie);
  const crowd = fork(
    fileURLToPath(new URL("../crowdClients.ts", import.meta.url)),
    [
      JSON.stringify({
        origin: server.origin,
        appointmentId: ROOM,
        cookies: crowdCookies,
      } satisfies CrowdJob),
    ],
    { execArgv: ["--import", "tsx"] },
  );
  try {
    const settled = await new Promise<CrowdSettled>((resolve, reject) => {
      crowd.once("message", (m: CrowdSettled) => resolve(m));
      crowd.once("exit", (code) => reject(new Error(`the crowd's process ended first (${code})`)));
    });
    expect(settled).toEqual({ type: "settled", welcomed: CROWD, refusals: [] });

    await server.stopAsync();

    const storage = new SqliteStorage(join(dataDir, "chairside.db"));
    try {
      const events = await storage.roomEvents(`room-${ROOM}`, 10_000);
      const dropped = new Set(
        events.flatMap((e) =>
          e.body.type === "member_updated" && e.body.member.connection === ConnectionState.reconnecting
            ? [e.body.member.memberId]
            : [],
        ),
      );
      expect(dropped.size).toBe(CROWD);
    } finally {
      await storage.close();
    }
  } finally {
    crowd.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
