/**
 * A room survives its server: a real server child process on a real data folder is killed with
 * SIGKILL (a crash) or stopped with SIGTERM (a graceful restart) while the patient's stop holds,
 * with a latched alarm and an acknowledged one, and is started again on the same folder.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import { DemoPasses } from "../../server/auth/demoPass.ts";
import { seedClinic } from "../../server/clinic.ts";
import { deviceKey, loadOrCreateSecret } from "../../server/tokens.ts";
import type { ProcedureTransition } from "../../shared/procedure/types.ts";
import { ConnectionState, Ev, PROTOCOL_VERSION, type RoomSnapshot } from "../../shared/protocol.ts";
import type { InviteRole } from "../../shared/roles.ts";
import { startTestServer, TestClient, waitFor } from "../harness.ts";
import { freePort, startServerProcess } from "../serverProcess.ts";

const dataDir = mkdtempSync(join(tmpdir(), "chairside-durable-"));
let child: ChildProcess | null = null;
const serverErrors: string[] = [];
const clients: TestClient[] = [];
const devices: DeviceClient[] = [];

afterAll(() => {
  for (const c of clients) c.close();
  for (const d of devices) d.close();
  child?.kill("SIGKILL");
  rmSync(dataDir, { recursive: true, force: true });
});

async function stopServerProcess(signal: "SIGKILL" | "SIGTERM"): Promise<number | null> {
  const proc = child!;
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  proc.kill(signal);
  const code = await exited;
  child = null;
  return code;
}

/** A client that counts its welcomes, so a test can wait for the next one after a restart. */
class Participant {
  welcomes = 0;
  constructor(readonly client: TestClient) {
    client.socket.on(Ev.welcome, () => {
      this.welcomes += 1;
    });
  }
  get view(): RoomSnapshot {
    return this.client.view!;
  }
}

function participant(url: string, passes: DemoPasses, role: InviteRole): Participant {
  const { pass } = passes.mint("julian", role)!;
  const client = new TestClient(url, { protocolVersion: PROTOCOL_VERSION, appointmentId: "julian", pass });
  clients.push(client);
  return new Participant(client);
}

function device(url: string, secret: Buffer, id: string): DeviceClient {
  const d = new DeviceClient({ url, deviceId: id, deviceKey: deviceKey(secret, id), ackTimeoutMs: 1000 });
  devices.push(d);
  return d;
}

/** What must be the same after a restart (members aside: they come back reconnecting). */
function roomState(view: RoomSnapshot) {
  return {
    procedure: view.procedure,
    alarms: [...view.alarms].sort((a, b) => a.id.localeCompare(b.id)),
    comfort: view.comfort,
    otto: view.otto,
    quarantinedFirmware: view.quarantinedFirmware,
  };
}

function storedHistory(): ProcedureTransition[] {
  const db = new Database(join(dataDir, "chairside.db"), { readonly: true });
  try {
    const row = db.prepare("SELECT body FROM room_state WHERE room_id = ?").get("room-julian") as {
      body: string;
    };
    return (JSON.parse(row.body) as { machine: { history: ProcedureTransition[] } }).machine.history;
  } finally {
    db.close();
  }
}

const member = (p: Participant, personId: string) => p.view.members.find((m) => m.personId === personId);

describe("room state across a server restart", () => {
  it("keeps the patient's stop, alarms, comfort and people after SIGKILL, then after SIGTERM", async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const secret = loadOrCreateSecret(dataDir);
    const invites = new DemoPasses(secret, seedClinic(), 12, Date.now);
    child = await startServerProcess(port, dataDir, serverErrors);

    const ray = participant(url, invites, "clinician");
    let julian = participant(url, invites, "patient");
    await waitFor(() => ray.welcomes > 0 && julian.welcomes > 0, "both joined");

    // Comfort: the intake, the breathing coach, nature, and a check-in the team asked for.
    expect((await julian.client.command(Ev.mdasSubmit, { answers: [4, 4, 4, 4, 4] })).ok).toBe(true);
    expect((await julian.client.command(Ev.surroundings, { surroundings: "nature" })).ok).toBe(true);
    expect((await ray.client.command(Ev.checkinRequest, { reason: "Asked by Dr. Ray" })).ok).toBe(true);
    expect((await ray.client.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);

    // A resting heart rate (a baseline) and three impossible pH readings (a device fault).
    const hr = device(url, secret, "hr-julian");
    const soe = device(url, secret, "soe-julian-36");
    await waitFor(() => hr.connected && soe.connected, "devices connected", 10_000);
    const t0 = Date.now() - 70_000;
    hr.send({
      seq: 1,
      firmware: "2.3.1",
      readings: Array.from({ length: 65 }, (_, i) => ({
        signal: "heartRate" as const,
        t: t0 + i * 1000,
        value: 69 + (i % 3),
        unit: "/min",
      })),
    });
    soe.send({
      seq: 1,
      firmware: "2.3.1",
      readings: [0, 1, 2].map((i) => ({
        signal: "ph" as const,
        t: Date.now() - 3000 + i * 1000,
        value: 12,
        unit: "[pH]",
        tooth: 36,
      })),
    });
    await waitFor(() => ray.view.comfort.heartRateBaseline !== null, "heart-rate baseline", 10_000);
    // A device's faults are causes of its one technical alarm (issue 10).
    const lists = (a: { causes?: { key: string }[] }, key: string) => a.causes?.some((c) => c.key === key);
    await waitFor(() => ray.view.alarms.some((a) => lists(a, "technical:soe-julian-36:ph")), "device fault");
    const fault = ray.view.alarms.find((a) => lists(a, "technical:soe-julian-36:ph"))!;
    expect((await ray.client.command(Ev.alarmAck, { alarmId: fault.id })).ok).toBe(true);

    // A latched alarm: the wearable goes quiet (a dropout), then talks again (cleared, not acknowledged).
    await waitFor(() => ray.view.alarms.some((a) => lists(a, "dropout:hr-julian")), "dropout", 15_000);
    await waitFor(() => ray.view.alarms.some((a) => lists(a, "dropout:soe-julian-36")), "dropout", 15_000);
    hr.send({
      seq: 2,
      firmware: "2.3.1",
      readings: [{ signal: "heartRate", t: Date.now(), value: 70, unit: "/min" }],
    });
    await waitFor(
      () => ray.view.alarms.some((a) => a.key === "device:hr-julian" && a.clearedAt !== undefined),
      "dropout cleared",
    );
    hr.close();
    soe.close();

    // The patient stops. The ack promises the stop is stored.
    expect((await julian.client.command(Ev.procedureCommand, { command: "stop" })).ok).toBe(true);
    // The stop's whole reaction (procedure, breathing coach, Otto's words to the patient) arrives
    // as separate events: take the picture once the last of them has reached the clinician.
    await waitFor(
      () =>
        ray.view.procedure?.status === "paused_by_patient" &&
        ray.view.comfort.breathingCoach &&
        ray.view.otto.lastUtterance?.addressee === "m-julian",
      "clinician sees the stop and Otto's answer to it",
    );
    const before = roomState(ray.view);
    const seqBefore = ray.view.seq;
    const historyBefore = ray.client.events.flatMap((e) =>
      e.body.type === "procedure" && e.body.transition ? [e.body.transition] : [],
    );
    expect(before.alarms.find((a) => a.id === fault.id)?.acknowledgedAt).toBeDefined();
    expect(before.alarms.find((a) => a.key === "device:hr-julian")?.acknowledgedAt).toBeUndefined();

    // -- crash ---------------------------------------------------------------------------------
    expect(await stopServerProcess("SIGKILL")).toBeNull();
    julian.client.close();
    const rayWelcomes = ray.welcomes;
    child = await startServerProcess(port, dataDir, serverErrors);
    // The clinician's client reconnects by itself and gets the room as it was.
    await waitFor(() => ray.welcomes > rayWelcomes, "clinician back after the crash", 10_000);
    expect(roomState(ray.view)).toEqual(before);
    expect(ray.view.seq).toBeGreaterThanOrEqual(seqBefore);
    expect(storedHistory()).toEqual(historyBefore);
    expect(member(ray, "dr-ray")?.connection).toBe(ConnectionState.connected);
    // The patient has not come back yet: listed as reconnecting until they do.
    expect(member(ray, "julian")?.connection).toBe(ConnectionState.reconnecting);

    // The stop still holds: the clinician cannot simply carry on.
    expect((await ray.client.command(Ev.procedureCommand, { command: "next" })).ok).toBe(false);
    expect((await ray.client.command(Ev.procedureCommand, { command: "resume" })).ok).toBe(false);

    julian = participant(url, invites, "patient");
    await waitFor(() => julian.welcomes > 0, "patient back");
    await waitFor(
      () => member(ray, "julian")?.connection === ConnectionState.connected,
      "patient listed again",
    );
    expect(roomState(julian.view).procedure?.status).toBe("paused_by_patient");

    // -- graceful restart ----------------------------------------------------------------------
    const beforeStop = roomState(ray.view);
    const welcomes = [ray.welcomes, julian.welcomes];
    expect(await stopServerProcess("SIGTERM")).toBe(0);
    child = await startServerProcess(port, dataDir, serverErrors);
    // Both pages come back by themselves: a graceful stop no longer tells clients not to retry.
    await waitFor(
      () => ray.welcomes > welcomes[0]! && julian.welcomes > welcomes[1]!,
      "both back after the graceful restart",
      15_000,
    );
    expect(roomState(ray.view)).toEqual(beforeStop);
    await waitFor(
      () => ray.view.members.every((m) => m.connection === ConnectionState.connected),
      "everyone connected again",
    );

    // Only the patient's ready lifts their stop, and it continues where it was.
    expect((await julian.client.command(Ev.procedureCommand, { command: "ready" })).ok).toBe(true);
    await waitFor(() => ray.view.procedure?.status === "running", "running again");
    expect(ray.view.procedure?.stepIndex).toBe(before.procedure?.stepIndex);
    expect(serverErrors.join("")).not.toMatch(/room state (refused|failed)/);
  }, 120_000);
});

describe("a damaged saved room", () => {
  it("is refused and the room starts fresh, its sequence going on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "chairside-damaged-"));
    try {
      const first = await startTestServer({ dataDir: dir });
      const ray = await TestClient.joinAsync(first, "julian", "clinician");
      expect((await ray.command(Ev.procedureCommand, { command: "start" })).ok).toBe(true);
      const seqBefore = ray.view!.seq;
      ray.close();
      await first.stopAsync();

      const db = new Database(join(dir, "chairside.db"));
      db.prepare("UPDATE room_state SET body = ? WHERE room_id = ?").run(
        '{"version":1,"room":{}}',
        "room-julian",
      );
      db.close();

      const second = await startTestServer({ dataDir: dir });
      const again = await TestClient.joinAsync(second, "julian", "clinician");
      expect(again.view!.procedure?.status).toBe("not_started");
      expect(again.view!.seq).toBeGreaterThan(seqBefore);
      again.close();
      await second.stopAsync();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
