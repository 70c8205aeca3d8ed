/** Roles are enforced for every procedure command over a real socket, as the role table says. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Grant, grantFor } from "../../shared/access.ts";
import { ProcedureCommand, type ProcedureView } from "../../shared/procedure/types.ts";
import { ErrorCode, Ev } from "../../shared/protocol.ts";
import type { InviteRole } from "../../shared/roles.ts";
import { startTestServer, TestClient, type TestServer } from "../harness.ts";

let server: TestServer;
const clients = {} as Record<InviteRole, TestClient>;

beforeAll(async () => {
  server = await startTestServer();
  for (const role of ["clinician", "assistant", "patient", "observer"] as const) {
    clients[role] = await TestClient.joinAsync(server, "flower", role);
  }
});
afterAll(async () => {
  for (const c of Object.values(clients)) c.close();
  await server.stopAsync();
});

type Setup = (ray: TestClient, patient: TestClient) => Promise<void>;
/** Paced like a person at the controls, well inside the per-socket command rate. */
const cmd = async (c: TestClient, command: string, reason?: string) => {
  await new Promise((r) => setTimeout(r, 60));
  return c.command<ProcedureView>(Ev.procedureCommand, reason ? { command, reason } : { command });
};

async function fresh(ray: TestClient, planId: string): Promise<void> {
  await cmd(ray, "abort");
  await new Promise((r) => setTimeout(r, 60));
  const selected = await ray.command(Ev.procedureSelect, { planId });
  expect(selected.ok, JSON.stringify(selected)).toBe(true);
}

/** Drives the room to a state where the command is legal for someone allowed to send it. */
const SETUPS: Record<ProcedureCommand, Setup> = {
  start: (ray) => fresh(ray, "sensor-check-36"),
  pause: async (ray) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
  },
  resume: async (ray) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
    await cmd(ray, "pause");
  },
  next: async (ray) => {
    await fresh(ray, "extraction-48");
    await cmd(ray, "start");
  },
  repeat: async (ray) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
  },
  abort: async (ray) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
  },
  stop: async (ray) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
  },
  ready: async (ray, patient) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
    await cmd(patient, "stop");
  },
  // No SOE data has arrived for 36, so the automated step is blocked by the interlock.
  override: async (ray) => {
    await fresh(ray, "sensor-check-36");
    await cmd(ray, "start");
    const next = await cmd(ray, "next");
    expect(next.ok && next.value.status).toBe("blocked");
  },
};

const ROLES = ["clinician", "assistant", "patient", "observer"] as const;
const cases = Object.values(ProcedureCommand).flatMap((command) =>
  ROLES.map((role) => [command, role] as const),
);

describe("procedure commands over a real socket", () => {
  it.each(cases)("%s from the %s follows the role table", async (command, role) => {
    await SETUPS[command](clients.clinician, clients.patient);
    const reason = command === "override" ? "Checked clinically" : undefined;
    const result = await cmd(clients[role], command, reason);
    const grant = grantFor(role, command);
    if (grant === Grant.no) {
      expect(result, `${role} ${command}`).toMatchObject({ ok: false, error: { code: ErrorCode.forbidden } });
    } else {
      expect(result.ok, `${role} ${command}: ${JSON.stringify(result)}`).toBe(true);
    }
  });

  it("pauses at once for the patient's stop, tells everyone, and refuses next until resumed properly", async () => {
    await SETUPS.stop(clients.clinician, clients.patient);
    const stopped = await cmd(clients.patient, "stop");
    expect(stopped.ok && stopped.value.status).toBe("paused_by_patient");
    const seq = server.sessions.forAppointment("flower").room.lastSeq;
    for (const c of Object.values(clients)) {
      await expect.poll(() => c.view!.seq).toBe(seq);
      expect(c.view!.procedure?.status).toBe("paused_by_patient");
    }
    expect(await cmd(clients.clinician, "next")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.illegalTransition },
    });
    expect(await cmd(clients.assistant, "resume")).toMatchObject({ ok: false });
    expect(await cmd(clients.clinician, "resume")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.illegalTransition },
    });
    const resumed = await cmd(clients.clinician, "resume", "Spoke with Flower, she is ready to continue");
    expect(resumed.ok && resumed.value.status).toBe("running");
  });
});
