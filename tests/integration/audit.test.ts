/**
 * The audit trail over a real server and SQLite file (issue 9): every read of patient data writes an
 * entry naming who, what and the patient; the admin's API filters, pages, exports CSV and verifies
 * the chain; a row changed behind the server's back (a second SQLite handle) is found by
 * `npm run audit:verify` with its row id.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditAction, type AuditPageView, type AuditVerifyView } from "../../shared/auditTrail.ts";
import { Ev } from "../../shared/protocol.ts";
import { startTestServer, TestClient, type TestServer } from "../harness.ts";
import { staffApi } from "../recordSeed.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let admin: SignedInStaff;
let ray: SignedInStaff;
/** A clinician of the demo clinic, where Julian's record is. */
let carer: SignedInStaff;

beforeAll(async () => {
  server = await startTestServer();
  admin = await signedInStaff(server, { staffId: "aud-admin", role: "admin" });
  ray = await signedInStaff(server, { staffId: "aud-ray", role: "clinician" });
  carer = await signedInStaff(server, { staffId: "aud-carer", role: "clinician", clinicId: "demo" });
});
afterAll(async () => {
  await server?.stopAsync();
});

async function get(path: string, who: SignedInStaff | null): Promise<Response> {
  return fetch(`${server.origin}${path}`, { headers: who ? { cookie: who.cookie } : {} });
}
async function getJson<T>(path: string, who: SignedInStaff | null = admin): Promise<T> {
  const r = await get(path, who);
  expect(r.status, path).toBe(200);
  return (await r.json()) as T;
}

const entriesOf = async (action: string) =>
  (await server.storage.auditLog(100_000)).filter((e) => e.action === action);

/**
 * Every read of patient data, by the action it is written under: each row reads once and names
 * the patient it read, if any.
 */
const READ_PATHS: { action: string; patientId: string | null; readAsync: () => Promise<void> }[] = [
  {
    action: "soe.history",
    patientId: "julian",
    readAsync: async () => {
      const client = await TestClient.joinAsync(server, "julian", "clinician");
      try {
        const history = await client.command(Ev.soeHistory, { sinceMs: 0 });
        expect(history.ok).toBe(true);
      } finally {
        client.close();
      }
    },
  },
  {
    action: "record.read",
    patientId: "julian",
    readAsync: async () => void (await getJson("/api/patients/julian/record", carer)),
  },
  {
    action: "record.trends",
    patientId: "julian",
    readAsync: async () => void (await getJson("/api/patients/julian/trends?signal=ph", carer)),
  },
  {
    action: AuditAction.read,
    patientId: "julian",
    readAsync: async () => void (await getJson("/api/audit?patient=julian")),
  },
  {
    action: AuditAction.exportCsv,
    patientId: null,
    readAsync: async () => void (await (await get("/api/audit.csv", admin)).text()),
  },
  {
    action: AuditAction.verify,
    patientId: null,
    readAsync: async () => void (await getJson("/api/audit/verify")),
  },
];

describe("every read of patient data", () => {
  it.each(READ_PATHS)("writes one entry for $action", async ({ action, patientId, readAsync }) => {
    const before = (await entriesOf(action)).length;
    await readAsync();
    const after = await entriesOf(action);
    expect(after.length).toBe(before + 1);
    const entry = after.at(-1)!;
    expect(entry.who).not.toBe("");
    expect(entry.at).toBeGreaterThan(Date.now() - 60_000);
    expect(entry.subject).not.toBe("");
    if (patientId) expect(entry.patientId).toBe(patientId);
  });

  it("names the room of an in-room read", async () => {
    const history = (await entriesOf("soe.history")).at(-1)!;
    expect(history.roomId).toBe(server.clinic.appointments.get("julian")!.roomId);
  });
});

describe("every change made on someone's word", () => {
  it("writes each change to the clinic's records with who, the route and the patient; a refused one writes nothing", async () => {
    const made = await staffApi<{ patientId: string }>(server, "POST", "/api/patients", ray, {
      displayName: "Grace Hopper",
      dateOfBirth: "1976-12-09",
      anxietyNotes: "",
      preferences: "",
    });
    expect(made.status).toBe(201);
    const id = made.body.patientId;
    const edited = await staffApi(server, "PUT", `/api/patients/${id}`, ray, {
      displayName: "Grace Hopper",
      dateOfBirth: "1976-12-09",
      anxietyNotes: "Prefers the chair upright",
      preferences: "",
    });
    expect(edited.status).toBe(200);
    const archived = await staffApi(server, "POST", `/api/patients/${id}/archive`, ray, {});
    expect(archived.status).toBe(200);
    const refused = await staffApi(server, "POST", "/api/patients", ray, { displayName: "" });
    expect(refused.status).toBe(400);

    const trail = (await server.storage.auditLog(100_000)).filter((e) => e.who === "aud-ray");
    expect(trail.map((e) => e.action)).toEqual([
      "POST /api/patients",
      "PUT /api/patients/:id",
      "POST /api/patients/:id/archive",
    ]);
    expect(trail.slice(1).every((e) => e.patientId === id && e.subject === id)).toBe(true);
  });

  it("writes an interlock override with who, the patient, the room and the written reason", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    try {
      const command = (c: string, reason?: string) =>
        ray.command<{ status: string }>(
          Ev.procedureCommand,
          reason ? { command: c, reason } : { command: c },
        );
      expect((await ray.command(Ev.procedureSelect, { planId: "sensor-check-36" })).ok).toBe(true);
      expect((await command("start")).ok).toBe(true);
      // No SOE data has arrived for tooth 36: the automated step is held by the interlock.
      const next = await command("next");
      expect(next.ok && next.value.status).toBe("blocked");
      expect((await command("override", "Checked clinically, sensor cable reseated")).ok).toBe(true);
    } finally {
      ray.close();
    }
    const flower = server.clinic.appointments.get("flower")!;
    const entry = (await entriesOf("procedure.override")).at(-1)!;
    expect(entry).toMatchObject({
      patientId: flower.patientId,
      roomId: flower.roomId,
      subject: flower.patientId,
    });
    expect(entry.who).not.toBe("");
    expect(entry.why).toMatch(/Checked clinically, sensor cable reseated$/);
  });
});

describe("the admin's audit API", () => {
  it("refuses the signed-out (401) and staff without audit.read (403)", async () => {
    for (const path of ["/api/audit", "/api/audit.csv", "/api/audit/verify"]) {
      expect((await get(path, null)).status, path).toBe(401);
      expect((await get(path, ray)).status, path).toBe(403);
    }
  });

  it("answers a bad filter with 400 and a problem per field", async () => {
    const r = await get("/api/audit?from=yesterday&page=0&pageSize=5000&color=red", admin);
    expect(r.status).toBe(400);
    const body = (await r.json()) as { error: { problems: { path: string }[] } };
    const paths = body.error.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(["from", "page", "pageSize"]));
    const range = await get("/api/audit?from=2000&to=1000", admin);
    expect(range.status).toBe(400);
    expect(
      ((await range.json()) as { error: { problems: { path: string }[] } }).error.problems[0]?.path,
    ).toBe("to");
  });

  it("filters by person, patient and time, pages newest first", async () => {
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < 7; i++) {
      await server.storage.audit({
        at: t0 + i * 1_000,
        who: i % 2 === 0 ? "filter-dr" : "filter-nurse",
        action: "record.read",
        subject: `patient filter-p${i % 3}`,
        why: "",
        patientId: `filter-p${i % 3}`,
      });
    }
    const byWho = await getJson<AuditPageView>("/api/audit?who=filter-dr&pageSize=2&page=1");
    expect(byWho.total).toBe(4);
    expect(byWho.entries.map((e) => e.at)).toEqual([t0 + 6_000, t0 + 4_000]);
    const page2 = await getJson<AuditPageView>("/api/audit?who=filter-dr&pageSize=2&page=2");
    expect(page2.entries.map((e) => e.at)).toEqual([t0 + 2_000, t0]);
    const byPatient = await getJson<AuditPageView>("/api/audit?patient=filter-p1");
    // The admin's own look at this patient's entries comes first: reading the trail is on the trail.
    expect(byPatient.entries.map((e) => [e.who, e.action])).toEqual([
      ["aud-admin", AuditAction.read],
      ["filter-dr", "record.read"],
      ["filter-nurse", "record.read"],
    ]);
    expect(byPatient.entries.slice(1).map((e) => e.at)).toEqual([t0 + 4_000, t0 + 1_000]);
    const byTime = await getJson<AuditPageView>(
      `/api/audit?who=filter-nurse&from=${t0 + 1_000}&to=${t0 + 5_000}`,
    );
    expect(byTime.entries.map((e) => e.at)).toEqual([t0 + 3_000, t0 + 1_000]);
    expect(byTime.entries[0]!.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("exports the filtered rows as a CSV download, quoted and formula-safe", async () => {
    await server.storage.audit({
      at: 1_600_000_000_000,
      who: "csv-dr",
      action: "override",
      subject: "room csv",
      why: '=HYPERLINK("http://evil") "quoted", comma',
      patientId: "csv-p",
    });
    const r = await get("/api/audit.csv?who=csv-dr", admin);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(r.headers.get("content-disposition")).toMatch(
      /^attachment; filename="chairside-audit-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = (await r.text()).split("\r\n");
    expect(lines[0]).toBe('"id","time (UTC)","who","action","subject","why","patient","room","hash"');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain('"2020-09-13T12:26:40.000Z","csv-dr","override","room csv"');
    expect(lines[1]).toContain(`"'=HYPERLINK(""http://evil"") ""quoted"", comma","csv-p",""`);
    expect(lines[2]).toBe("");
  });
});

/**
 * `npm run audit:verify` in its own process, as an operator runs it. Every other handle on the live
 * file in these tests is another process too: a second SQLite handle in the server's own process
 * shares its POSIX locks, and closing it drops the server's (SQLite's documented pitfall).
 */
function verifyCommand(): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, ["--import", "tsx", "server/audit/verifyCli.ts", server.dataDir], {
    encoding: "utf8",
    timeout: 60_000,
  });
}

describe("tamper evidence", () => {
  it("refuses UPDATE and DELETE on the trail from any handle", () => {
    const attempt = spawnSync(
      process.execPath,
      [
        "-e",
        `const db = new (require("better-sqlite3-multiple-ciphers"))(process.argv[1]);
         for (const sql of ["UPDATE audit_log SET why = 'x' WHERE id = 1", "DELETE FROM audit_log WHERE id = 1"]) {
           try { db.prepare(sql).run(); console.log("allowed"); } catch (e) { console.log(e.message); }
         }
         db.close();`,
        join(server.dataDir, "chairside.db"),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(attempt.status, attempt.stderr).toBe(0);
    expect(attempt.stdout.trim().split("\n")).toEqual([
      "the audit trail is append-only",
      "the audit trail is append-only",
    ]);
  });

  it("finds a row changed through a second SQLite handle, with its row id", async () => {
    const intact = await getJson<AuditVerifyView>("/api/audit/verify");
    expect(intact).toMatchObject({ intact: true, brokenAt: null });
    expect(intact.checked).toBeGreaterThan(5);
    const before = verifyCommand();
    expect(before.status, before.stdout + before.stderr).toBe(0);

    const target = (await server.storage.auditChain(0, 100_000)).find((r) => r.who === "filter-nurse")!;
    // Someone with the file, in another process: drops the guard and edits one entry.
    const tamper = spawnSync(
      process.execPath,
      [
        "-e",
        `const db = new (require("better-sqlite3-multiple-ciphers"))(process.argv[1]);
         db.exec("DROP TRIGGER audit_log_no_update");
         db.prepare("UPDATE audit_log SET who = 'filter-dr' WHERE id = ?").run(Number(process.argv[2]));
         db.close();`,
        join(server.dataDir, "chairside.db"),
        String(target.id),
      ],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(tamper.status, tamper.stderr).toBe(0);

    // The command, as an operator runs it beside the live server: exit 1 and the row id.
    const after = verifyCommand();
    expect(after.status, after.stderr).toBe(1);
    expect(after.stdout).toContain(`row id ${target.id}, hash`);
    const page = await getJson<AuditVerifyView>("/api/audit/verify");
    expect(page).toMatchObject({ intact: false, brokenAt: target.id });
    expect(page.message).toMatch(new RegExp(`^Broken at entry ${target.id}: its content was changed`));
  });
});
