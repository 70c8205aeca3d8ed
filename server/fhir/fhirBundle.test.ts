import type { Bundle, Observation, Resource } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import { bundleJsonChunks, exportBundle } from "./fhirBundle.ts";
import { bundleProblems } from "./fhirChecks.ts";
import {
  LOINC_HEART_RATE,
  LOINC_ORAL_TEMPERATURE,
  LocalSystem,
  SNOMED_DENTAL_PLAQUE,
  SNOMED_GINGIVITIS,
  System,
} from "./fhirCodes.ts";
import { demoVisitInput } from "./fhirFixtures.ts";
import {
  MinuteSummaries,
  NDJSON_CONTENT_TYPE,
  observationsOfNdjson,
  readingNdjsonLine,
  summarizeReadings,
  summaryOfRollup,
  visitReadingsPath,
} from "./fhirReadings.ts";

function resources<T extends Resource["resourceType"]>(
  bundle: Bundle,
  type: T,
): Extract<Resource, { resourceType: T }>[] {
  return (bundle.entry ?? [])
    .map((e) => e.resource)
    .filter((r): r is Extract<Resource, { resourceType: T }> => r?.resourceType === type);
}

function componentInt(o: Observation, code: string): number {
  const c = o.component?.find((x) => x.code.coding?.[0]?.code === code);
  if (c?.valueInteger === undefined) throw new Error(`no ${code} component`);
  return c.valueInteger;
}

const codesOf = (o: Observation) => (o.code.coding ?? []).map((c) => `${c.system}|${c.code}`);

describe("FHIR export of a demo visit", () => {
  const { input, counts, readings } = demoVisitInput();
  const bundle = exportBundle(input, "export-1");
  const visit = input.visits[0]!.visit;
  const ctx = { patientId: visit.patientId, encounterId: visit.id };
  const raw = observationsOfNdjson(readings.map((r, i) => readingNdjsonLine(r, i, ctx)).join(""));
  const summaries = resources(bundle, "Observation").filter((o) => o.effectivePeriod !== undefined);

  it("passes our own checks: required value sets, ids, obs-6, references resolve in the Bundle", () => {
    expect(bundleProblems(bundle)).toEqual([]);
    // The checks can fail: a wrong status is found.
    const broken = structuredClone(bundle);
    const obs = broken.entry!.find((e) => e.resource?.resourceType === "Observation")!.resource!;
    (obs as { status?: string }).status = "done";
    expect(bundleProblems(broken)).toEqual([`Observation.status "done" is not in its required value set`]);
    // The patient's words: sent by the patient to Otto, never to themself, and never without a sender.
    const talk = resources(bundle, "Communication")[1]!;
    const withTalk = (changed: Resource): Bundle => ({
      ...bundle,
      entry: bundle.entry!.map((e) => (e.resource === talk ? { ...e, resource: changed } : e)),
    });
    expect(bundleProblems(withTalk({ ...talk, recipient: [talk.sender!] }))).toEqual([
      `Communication/${talk.id} is sent by Patient/julian to themself`,
    ]);
    expect(bundleProblems(withTalk({ ...talk, sender: undefined }))).toEqual([
      `Communication/${talk.id} has no sender`,
    ]);
  });

  it("holds each resource kind the issue lists", () => {
    const kinds = new Set((bundle.entry ?? []).map((e) => e.resource?.resourceType));
    for (const k of [
      "Patient",
      "Practitioner",
      "Encounter",
      "Procedure",
      "Observation",
      "Device",
      "Questionnaire",
      "QuestionnaireResponse",
      "DetectedIssue",
      "AuditEvent",
      "DocumentReference",
      "Communication",
      "CodeSystem",
    ]) {
      expect(kinds, k).toContain(k);
    }
    expect(bundle.type).toBe("collection");
  });

  it("round-trips the reading counts: NDJSON lines and summary counts equal the stored readings", () => {
    const docs = resources(bundle, "DocumentReference");
    expect(docs).toHaveLength(1);
    expect(docs[0]!.content[0]!.attachment).toMatchObject({
      contentType: NDJSON_CONTENT_TYPE,
      url: visitReadingsPath(visit.id),
    });
    expect(docs[0]!.description).toContain(`${counts.readings} Observations`);
    expect(raw).toHaveLength(counts.readings);
    const summed = summaries.reduce((n, o) => n + componentInt(o, "count"), 0);
    expect(summed).toBe(counts.readings);
    expect(summaries.reduce((n, o) => n + componentInt(o, "retracted"), 0)).toBe(counts.retracted);
    expect(summaries.reduce((n, o) => n + componentInt(o, "invalid"), 0)).toBe(counts.invalid);
    // Far fewer summaries than readings: bite force at 50 Hz is one Observation per minute.
    expect(summaries.length).toBeLessThan(counts.readings / 10);
  });

  it("codes readings with LOINC, SNOMED CT and the local CodeSystem, in UCUM units", () => {
    const all = [...raw, ...summaries];
    const withCode = (code: string) => all.filter((o) => codesOf(o).some((c) => c.endsWith(`|${code}`)));
    expect(withCode(LOINC_HEART_RATE)[0]?.code.coding?.[0]?.system).toBe(System.loinc);
    expect(withCode(LOINC_ORAL_TEMPERATURE).length).toBeGreaterThan(0);
    expect(withCode(SNOMED_DENTAL_PLAQUE).length).toBeGreaterThan(0);
    expect(withCode(SNOMED_GINGIVITIS).length).toBeGreaterThan(0);
    const ph = withCode("saliva-ph").find((o) => o.valueQuantity);
    expect(ph?.code.coding?.[0]?.system).toBe(LocalSystem.signal);
    expect(ph?.valueQuantity).toMatchObject({ system: System.ucum, code: "[pH]" });
    const bite = withCode("bite-force").find((o) => o.valueQuantity);
    expect(bite?.valueQuantity).toMatchObject({ system: System.ucum, code: "N" });
    const hr = withCode(LOINC_HEART_RATE)[0]!;
    expect(hr.category?.[0]?.coding?.[0]?.code).toBe("vital-signs");
    expect(hr.bodySite).toBeUndefined();
    expect(ph?.bodySite?.coding?.[0]).toMatchObject({ system: System.tooth, code: "36" });
    const cs = resources(bundle, "CodeSystem")[0]!;
    expect(cs.url).toBe(LocalSystem.signal);
    expect(cs.concept?.map((c) => c.code)).toEqual([
      "saliva-ph",
      "bite-force",
      "plaque-index",
      "gingival-index",
    ]);
  });

  it("marks retracted readings entered-in-error and invalid ones with dataAbsentReason and no value", () => {
    const retracted = raw.filter((o) => o.status === "entered-in-error");
    expect(retracted).toHaveLength(counts.retracted);
    expect(retracted.every((o) => codesOf(o).includes(`${LocalSystem.signal}|saliva-ph`))).toBe(true);
    const invalid = raw.filter((o) => o.dataAbsentReason);
    expect(invalid).toHaveLength(counts.invalid);
    expect(invalid[0]!.dataAbsentReason?.coding?.[0]).toMatchObject({
      system: System.dataAbsentReason,
      code: "error",
    });
    expect(invalid[0]!.valueQuantity).toBeUndefined();
    expect(invalid[0]!.status).toBe("final");
    expect(raw.filter((o) => o.status === "final").length).toBe(counts.readings - counts.retracted);
    // The minute whose pH readings stand partly keeps final; its mean excludes the retracted ones.
    const phMinute = summaries.find((o) => codesOf(o).includes(`${LocalSystem.signal}|saliva-ph`))!;
    expect(phMinute.status).toBe("final");
    expect(componentInt(phMinute, "retracted")).toBe(counts.retracted);
  });

  it("leaves a gap as a gap: no summary for the minutes without readings", () => {
    const hrMinutes = summaries
      .filter((o) => codesOf(o).includes(`${System.loinc}|${LOINC_HEART_RATE}`))
      .map((o) => Date.parse(o.effectivePeriod!.start!));
    const steps = hrMinutes.slice(1).map((m, i) => m - hrMinutes[i]!);
    expect(steps.some((s) => s >= 2 * 60_000)).toBe(true);
    expect(summaries.every((o) => o.valueQuantity || o.dataAbsentReason)).toBe(true);
  });

  it("maps the visit, its tooth, the device firmware, the MDAS, the alarm and the audit", () => {
    const [encounter] = resources(bundle, "Encounter");
    expect(encounter).toMatchObject({ status: "finished", class: { code: "AMB" } });
    const [procedure] = resources(bundle, "Procedure");
    expect(procedure?.status).toBe("completed");
    expect(procedure?.bodySite?.[0]?.coding?.[0]).toMatchObject({ system: System.tooth, code: "36" });
    const soe = resources(bundle, "Device").find((d) => d.identifier?.[0]?.value === "soe-julian-36")!;
    expect(soe.version?.[0]).toMatchObject({ value: "1.7.0", type: { coding: [{ code: "531976" }] } });
    const [qr] = resources(bundle, "QuestionnaireResponse");
    expect(qr?.item?.find((i) => i.linkId === "total")?.answer?.[0]?.valueInteger).toBe(20);
    expect(resources(bundle, "Questionnaire")[0]?.item?.filter((i) => i.type === "choice")).toHaveLength(5);
    const issues = resources(bundle, "DetectedIssue");
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({
      severity: "moderate",
      mitigation: [{ author: { display: "Dr. Lee" } }],
    });
    expect(issues[0]?.identifiedPeriod?.end).toBeDefined();
    const [audit] = resources(bundle, "AuditEvent");
    expect(audit).toMatchObject({ action: "R", agent: [{ who: { identifier: { value: "dr-lee" } } }] });
    expect(resources(bundle, "Practitioner").map((p) => p.name?.[0]?.text)).toEqual(["Dr. Lee", "Sam"]);
  });

  it("is a function of its input: the same record exports to the same Bundle", () => {
    expect(exportBundle(demoVisitInput().input, "export-1")).toEqual(bundle);
  });

  it("exports a visit without readings and a patient without a date of birth without empty values", () => {
    const bare = demoVisitInput().input;
    const quiet = {
      ...bare,
      patient: { ...bare.patient, dateOfBirth: "" },
      visits: bare.visits.map((v) => ({ ...v, minutes: [], firmware: [] })),
    };
    const b = exportBundle(quiet, "export-2");
    expect(bundleProblems(b)).toEqual([]);
    expect(resources(b, "DocumentReference")).toEqual([]);
    expect(resources(b, "Observation").filter((o) => o.effectivePeriod)).toEqual([]);
    expect(resources(b, "Patient")[0]?.birthDate).toBeUndefined();
  });

  it("holds what the timeline shows: the comfort rating, Otto's words, the hold and the override's reason", () => {
    const rating = resources(bundle, "Observation").find((o) => o.valueInteger !== undefined)!;
    expect(rating).toMatchObject({
      valueInteger: 3,
      code: { coding: [{ system: LocalSystem.comfort, code: "comfort-rating" }] },
      encounter: { reference: `Encounter/${visit.id}` },
    });
    const said = resources(bundle, "Communication").map((c) => [c.sender, c.payload?.[0]?.contentString]);
    expect(said).toEqual([
      [{ display: "Otto (Chairside assistant)" }, "You are doing well."],
      [{ reference: "Patient/julian" }, "It hurts a bit on the left"],
    ]);
    const notes = resources(bundle, "Procedure")[0]!.note!.map((n) => n.text);
    expect(notes).toContain("Safety interlock overridden. Reason: Checked pH by hand: 6.8");
    expect(notes.some((n) => n.startsWith("Held by the safety interlock"))).toBe(true);
    expect(notes).toContain("Paused by patient");
  });

  it("streams as JSON text equal to the Bundle, one entry at a time", () => {
    const chunks = [...bundleJsonChunks(bundle)];
    expect(chunks.length).toBe((bundle.entry?.length ?? 0) + 2);
    expect(JSON.parse(chunks.join(""))).toEqual(bundle);
    expect(chunks.join("")).toBe(JSON.stringify(bundle));
  });
});

describe("per-minute summaries from raw readings and the stored rollup", () => {
  const { readings } = demoVisitInput();
  const allRaw = summarizeReadings(readings);

  it("merge exactly: half rolled up, half raw, equals all raw (min, max, mean, counts)", () => {
    // The first half as the rollup stores it (count = usable readings), the rest raw.
    const half = Math.floor(readings.length / 2);
    const merged = new MinuteSummaries();
    for (const m of summarizeReadings(readings.slice(0, half))) {
      const usable = m.usable;
      merged.addMinute(
        summaryOfRollup({
          patientId: "julian",
          unit: "",
          minute: m.minute,
          deviceId: m.deviceId,
          signal: m.signal,
          tooth: m.tooth,
          min: m.min,
          max: m.max,
          mean: usable === 0 ? null : m.sum / usable,
          count: usable,
          invalidCount: m.invalid,
          retractedCount: m.retracted,
        }),
      );
    }
    for (const r of readings.slice(half)) merged.addReading(r);
    const got = merged.list();
    expect(got.map(({ sum, ...rest }) => rest)).toEqual(allRaw.map(({ sum, ...rest }) => rest));
    got.forEach((m, i) => {
      expect(m.sum).toBeCloseTo(allRaw[i]!.sum, 6);
    });
  });
});
