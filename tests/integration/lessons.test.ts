/**
 * Health education lessons over real HTTP (issue 12): Noah (an assistant) assigns a lesson, the
 * patient's link opens it, answers are graded and stored in the patient's record, the personal pH
 * part appears only with the patient's consent AND pH dips in their record, and the doors stay shut
 * to other clinics, other roles and wrong links.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Manager, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GroupLessonRecords } from "../../server/lessons/groupLessonRecords.ts";
import { LessonAssignments } from "../../server/lessons/lessonAssignments.ts";
import { loadLessons } from "../../server/lessons/lessonCatalog.ts";
import { GroupStatus } from "../../server/storage/groupStore.ts";
import { openWorkerStorage } from "../../server/storage/workerStorage.ts";
import {
  GROUP_LESSON_NAMESPACE,
  type GradedAnswer,
  GroupLessonEv,
  type GroupLessonState,
  type Lesson,
  type PersonalPart,
} from "../../shared/lessons.ts";
import { PROTOCOL_VERSION } from "../../shared/protocol.ts";
import type { PatientRecord } from "../../shared/records.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { GroupEv, type GroupView } from "../../shared/supportGroup.ts";
import { startTestServer, type TestServer, waitFor } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import { staffApi } from "../recordSeed.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let ray: SignedInStaff;
let noah: SignedInStaff;
let admin: SignedInStaff;
let elsewhere: SignedInStaff;
let patient: PatientRecord;

interface PlayerView {
  lesson: Lesson;
  assignment: {
    assignmentId: string;
    answers: GradedAnswer[];
    personalConsent: boolean | null;
    openedAt: number | null;
  };
  personal: PersonalPart | null;
}

beforeAll(async () => {
  server = await startTestServer();
  ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray" });
  noah = await signedInStaff(server, { staffId: "noah", role: "assistant", displayName: "Noah" });
  admin = await signedInStaff(server, { staffId: "boss", role: "admin" });
  elsewhere = await signedInStaff(server, { staffId: "kai", role: "clinician", clinicId: "north" });
  const made = await staffApi<PatientRecord>(server, "POST", "/api/patients", ray, {
    displayName: "Ada Lovelace",
    dateOfBirth: "1985-12-10",
    anxietyNotes: "",
    preferences: "",
  });
  expect(made.status).toBe(201);
  patient = made.body;
});
afterAll(async () => {
  await server.stopAsync();
});

/** The patient's side: no staff cookie, only the link. */
async function viaLink<T>(link: string, method: "GET" | "POST", suffix = "", body?: unknown) {
  const url = new URL(link, server.origin);
  const a = url.searchParams.get("a")!;
  const k = url.searchParams.get("k")!;
  const r = await fetch(`${server.origin}/api/lesson-links/${a}${suffix}?k=${encodeURIComponent(k)}`, {
    method,
    ...(method === "POST"
      ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }
      : {}),
  });
  return { status: r.status, body: (await r.json()) as T };
}

/** A pH dip after a meal, yesterday, from the patient's own sensor. */
async function storeMealDipAsync(): Promise<void> {
  const t0 = Date.now() - 86_400_000;
  const readings: CheckedReading[] = [7, 6.1, 5.3, 5.0, 5.2, 5.8, 6.6].map((value, i) => ({
    deviceId: "soe-ada-36",
    signal: "ph",
    t: t0 + i * 60_000,
    value,
    unit: "[pH]",
    tooth: 36,
    quality: "valid",
    status: "final",
    receivedAt: t0 + i * 60_000 + 2,
  }));
  await server.storage.storeBatches([
    {
      deviceId: "soe-ada-36",
      bootId: "b1",
      patientId: patient.patientId,
      seq: 1,
      digest: "d1",
      firmware: "2.3.1",
      readings,
    },
  ]);
}

describe("lessons", () => {
  let link = "";

  it("Noah lists the lessons and assigns one; the answer carries the patient's link", async () => {
    const list = await staffApi<{ lessons: { id: string }[] }>(server, "GET", "/api/lessons", noah);
    expect(list.status).toBe(200);
    expect(list.body.lessons.map((l) => l.id)).toEqual([
      "between-teeth",
      "brushing",
      "sensors",
      "sugar-acid",
    ]);
    const made = await staffApi<{ link: string }>(
      server,
      "POST",
      `/api/patients/${patient.patientId}/lessons`,
      noah,
      {
        lessonId: "sugar-acid",
      },
    );
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.link).toMatch(/^\/lessons\/lesson\.html\?a=ls-[\w-]+&k=[\w-]+$/);
    link = made.body.link;
    const audit = await server.storage.auditLog(20);
    expect(
      audit.some(
        (e) => e.action === "lesson.assign" && e.who === "noah" && e.patientId === patient.patientId,
      ),
    ).toBe(true);
  });

  it("the personal pH part appears only with consent and data", async () => {
    const opened = await viaLink<PlayerView>(link, "GET");
    expect(opened.status).toBe(200);
    expect(opened.body.lesson.id).toBe("sugar-acid");
    expect(opened.body.assignment.openedAt).not.toBeNull();
    expect(opened.body.personal).toEqual({ shown: false, why: "no_consent" });
    // Consent, but nothing in the record yet.
    const consented = await viaLink<PlayerView>(link, "POST", "/consent", { personal: true });
    expect(consented.body.personal).toEqual({ shown: false, why: "no_data" });
    // Data, but no consent: still nothing.
    await viaLink<PlayerView>(link, "POST", "/consent", { personal: false });
    await storeMealDipAsync();
    expect((await viaLink<PlayerView>(link, "GET")).body.personal).toEqual({
      shown: false,
      why: "no_consent",
    });
    // Both: the patient's own dip.
    const both = await viaLink<PlayerView>(link, "POST", "/consent", { personal: true });
    expect(both.body.personal).toMatchObject({ shown: true, dips: [{ lowest: 5, minutesBelow: 2 }] });
  });

  it("answers are graded and stored in the patient's record", async () => {
    const answered = await viaLink<{ graded: GradedAnswer[] }>(link, "POST", "/answers", {
      answers: { "critical-ph": 1, recovery: 0 },
    });
    expect(answered.status, JSON.stringify(answered.body)).toBe(200);
    expect(answered.body.graded).toEqual([
      { questionId: "critical-ph", choice: 1, correct: true },
      { questionId: "recovery", choice: 0, correct: false },
    ]);
    // A second try on one question keeps the latest answer.
    await viaLink(link, "POST", "/answers", { answers: { recovery: 1 } });
    const progress = await staffApi<{
      assignments: { lessonId: string; answers: GradedAnswer[]; title: string }[];
    }>(server, "GET", `/api/patients/${patient.patientId}/lessons`, ray);
    expect(progress.status).toBe(200);
    expect(progress.body.assignments).toHaveLength(1);
    expect(progress.body.assignments[0]).toMatchObject({
      lessonId: "sugar-acid",
      title: "Sugar, acid and your enamel",
    });
    expect(progress.body.assignments[0]!.answers).toEqual([
      { questionId: "critical-ph", choice: 1, correct: true },
      { questionId: "recovery", choice: 1, correct: true },
    ]);
  });

  it("the record's FHIR export holds the answers as a QuestionnaireResponse", async () => {
    const r = await fetch(`${server.origin}/fhir/Patient/${patient.patientId}/$everything`, {
      headers: { cookie: ray.cookie },
    });
    expect(r.status).toBe(200);
    const bundle = (await r.json()) as { entry: { resource: Record<string, unknown> }[] };
    const responses = bundle.entry
      .map((e) => e.resource)
      .filter(
        (res) =>
          res.resourceType === "QuestionnaireResponse" &&
          String(res.questionnaire).endsWith("lesson-sugar-acid"),
      );
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({
      status: "in-progress",
      subject: { reference: `Patient/${patient.patientId}` },
      item: [
        {
          linkId: "critical-ph",
          answer: [{ valueString: "5.5" }],
          item: [{ answer: [{ valueBoolean: true }] }],
        },
        { linkId: "recovery", answer: [{ valueString: "Roughly 30 to 60 minutes" }] },
      ],
    });
  });

  it("refuses a wrong link, bad answers, other clinics and roles without the right", async () => {
    const wrong = link.replace(/k=[\w-]+/, "k=not-the-right-secret-at-all");
    expect((await viaLink(wrong, "GET")).status).toBe(404);
    const badAnswer = await viaLink<{ error: { code: string } }>(link, "POST", "/answers", {
      answers: { nope: 0 },
    });
    expect(badAnswer.status).toBe(400);
    expect(badAnswer.body.error.code).toBe("invalid");
    const other = await staffApi(server, "GET", `/api/patients/${patient.patientId}/lessons`, elsewhere);
    expect(other.status).toBe(404);
    const unknownLesson = await staffApi(server, "POST", `/api/patients/${patient.patientId}/lessons`, ray, {
      lessonId: "juggling",
    });
    expect(unknownLesson.status).toBe(404);
    expect((await staffApi(server, "GET", "/api/lessons", admin)).status).toBe(403);
    expect((await staffApi(server, "GET", "/api/lessons", null)).status).toBe(401);
  });
});

describe("a lesson for the support group's circle", () => {
  const managers: Manager[] = [];
  afterAll(() => {
    for (const m of managers) m.engine?.close();
  });

  /** One page: its `/group` socket and (once that is in) its `/group-lesson` socket, on one connection. */
  async function pageAsync(auth: Record<string, unknown>, cookie?: string) {
    const manager = new Manager(server.origin, {
      transports: ["websocket"],
      reconnection: false,
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    managers.push(manager);
    const group = manager.socket("/group", { auth: { protocolVersion: PROTOCOL_VERSION, ...auth } });
    let view: GroupView | null = null;
    group.on(GroupEv.view, (v: GroupView) => {
      view = v;
    });
    await waitFor(() => view !== null, "in the circle");
    const page = {
      group,
      lesson: null as unknown as Socket,
      state: null as GroupLessonState | null,
      view: () => view!,
    };
    page.lesson = manager.socket(GROUP_LESSON_NAMESPACE, {
      auth: { protocolVersion: PROTOCOL_VERSION, groupSocketId: group.id },
    });
    page.lesson.on(GroupLessonEv.state, (st: GroupLessonState) => {
      page.state = st;
    });
    await waitFor(() => page.state !== null, "the lesson link");
    return page;
  }
  const send = (s: Socket, event: string, payload: unknown) =>
    s.timeout(5_000).emitWithAck(event, payload) as Promise<{
      ok: boolean;
      error?: { code: string; message: string };
    }>;

  it("the host leads, everyone sees the step, answers stay each person's own, and nobody borrows another's seat", async () => {
    const scheduled = await callApi(server.origin, "POST", "/api/groups", {
      staff: noah,
      body: { title: "Brushing together", startsAt: "2026-12-04T18:00:00+01:00", agenda: [] },
    });
    const groupId = (scheduled.body as { groupId: string }).groupId;
    const invite = await callApi(server.origin, "POST", `/api/groups/${groupId}/invites`, { staff: noah });
    const token = decodeURIComponent((invite.body as { link: string }).link.split("#invite=")[1]!);
    const host = await pageAsync({ groupId }, noah.cookie);
    const ana = await pageAsync({ groupId, invite: token, name: "Ana" });
    expect(ana.state).toMatchObject({ lesson: null, yourAnswers: [], keptInRecord: false });

    // A connection of its own naming Ana's group socket is not Ana.
    const other = new Manager(server.origin, { transports: ["websocket"], reconnection: false });
    managers.push(other);
    const thief = other.socket(GROUP_LESSON_NAMESPACE, {
      auth: { protocolVersion: PROTOCOL_VERSION, groupSocketId: ana.group.id },
    });
    let refused: { code: string; message: string } | null = null;
    thief.on("connect_error", (e) => {
      refused = (e as Error & { data?: { code: string; message: string } }).data ?? null;
    });
    await waitFor(() => refused !== null, "the borrowed seat refused");
    expect(refused).toEqual({ code: "forbidden", message: "Join the circle first." });

    // Only the host leads.
    expect(await send(ana.lesson, GroupLessonEv.lead, { lessonId: "brushing", step: 0 })).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: "Only the host runs a lesson for the circle." },
    });
    expect(await send(host.lesson, GroupLessonEv.lead, { lessonId: "brushing", step: "one" })).toMatchObject({
      ok: false,
      error: { code: "bad_payload" },
    });
    expect((await send(host.lesson, GroupLessonEv.lead, { lessonId: "brushing", step: 3 })).ok).toBe(true);
    await waitFor(
      () => ana.state?.lesson?.id === "brushing" && ana.state.step === 3,
      "Ana sees the host's step",
    );

    // Ana answers the first question for herself; the host's state never holds it.
    const answered = await send(ana.lesson, GroupLessonEv.answer, { questionId: "how-long", choice: 1 });
    expect(answered.ok).toBe(true);
    await waitFor(() => ana.state?.yourAnswers.length === 1, "Ana's own answer");
    expect(ana.state!.yourAnswers).toEqual([{ questionId: "how-long", choice: 1, correct: true }]);
    expect(host.state!.yourAnswers).toEqual([]);
    // A plain invitation names no patient: nothing goes to any record.
    expect(ana.state!.keptInRecord).toBe(false);

    // The host ends it: gone for everyone.
    expect((await send(host.lesson, GroupLessonEv.lead, { lessonId: null, step: 0 })).ok).toBe(true);
    await waitFor(() => ana.state?.lesson === null, "the lesson ended for Ana");
  });
});

describe("answers from a lesson in the circle, in a patient's record", () => {
  it("are kept only for an invitation made for a patient, and not once it is withdrawn", async () => {
    const dir = mkdtempSync(join(tmpdir(), "circle-lesson-"));
    const storage = await openWorkerStorage(join(dir, "chairside.db"));
    try {
      const now = () => 1_800_000_000_000;
      await storage.saveSupportGroup({
        groupId: "g-circle01",
        clinicId: "main",
        hostStaffId: "noah",
        hostName: "Noah",
        title: "Brushing together",
        startsAt: "2026-12-04T18:00:00+01:00",
        timeZone: "Europe/Amsterdam",
        agenda: [],
        status: GroupStatus.scheduled,
        createdAt: now(),
        closedAt: null,
      });
      const invite = (inviteId: string, patientId: string | null) =>
        storage.saveGroupInvite({
          inviteId,
          groupId: "g-circle01",
          patientId,
          createdAt: now(),
          expiresAt: now() + 86_400_000,
          withdrawnAt: null,
        });
      await invite("i-named", "p-ada");
      await invite("i-plain", null);
      await invite("i-gone", "p-bob");
      await storage.withdrawGroupInvite("i-gone", now());
      const records = new GroupLessonRecords(
        storage,
        (groupId) => (groupId === "g-circle01" ? { clinicId: "main", hostStaffId: "noah" } : null),
        now,
      );
      const brushing = loadLessons().lessons.get("brushing")!;
      const first: GradedAnswer = { questionId: "how-long", choice: 1, correct: true };
      const second: GradedAnswer = { questionId: "angle", choice: 0, correct: false };

      expect(await records.keepAsync("g-circle01", "i-named", brushing, [first])).toBe(true);
      expect(await records.keepAsync("g-circle01", "i-named", brushing, [first, second])).toBe(true);
      expect(await records.keepAsync("g-circle01", "i-plain", brushing, [first])).toBe(false);
      expect(await records.keepAsync("g-circle01", "i-gone", brushing, [first])).toBe(false);
      expect(await records.keepAsync("g-gone", "i-named", brushing, [first])).toBe(false);

      const assignments = new LessonAssignments(storage, now);
      const ada = await assignments.ofPatientAsync("p-ada", "main");
      // One assignment for the group's lesson, as if the host had assigned it, holding both answers.
      expect(ada).toHaveLength(1);
      expect(ada[0]).toMatchObject({ lessonId: "brushing", assignedBy: "noah", answers: [first, second] });
      expect(await assignments.ofPatientAsync("p-bob", "main")).toEqual([]);
    } finally {
      await storage.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
