/**
 * Health education lessons over real HTTP (issue 12): Noah (an assistant) assigns a lesson, the
 * patient's link opens it, answers are graded and stored in the patient's record, the personal pH
 * part appears only with the patient's consent AND pH dips in their record, and the doors stay shut
 * to other clinics, other roles and wrong links.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GradedAnswer, Lesson, PersonalPart } from "../../shared/lessons.ts";
import type { PatientRecord } from "../../shared/records.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import { startTestServer, type TestServer } from "../harness.ts";
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
