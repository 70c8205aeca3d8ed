/**
 * Small building blocks every FHIR mapper shares: resource ids in FHIR's id alphabet, instants,
 * references and the tooth as a body site. Ids are derived from our own ids, so exporting the same
 * record twice gives the same resource ids (a receiving system can update rather than duplicate).
 */
import { createHash } from "node:crypto";
import type { CodeableConcept, ExtractResource, Reference, ResourceType } from "@medplum/fhirtypes";
import { System } from "./fhirCodes.ts";

/** FHIR id: `[A-Za-z0-9\-.]{1,64}`. */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;

/** A FHIR id from our id parts; other characters become `-`, and an id too long becomes a hash. */
export function fhirId(...parts: string[]): string {
  const joined = parts.join("-").replace(/[^A-Za-z0-9\-.]/g, "-");
  if (FHIR_ID.test(joined)) return joined;
  return `h-${createHash("sha256").update(parts.join("\u0000")).digest("hex").slice(0, 40)}`;
}

export function isFhirId(id: string): boolean {
  return FHIR_ID.test(id);
}

/** An epoch-ms time as a FHIR instant (UTC, milliseconds). */
export function instant(ms: number): string {
  return new Date(ms).toISOString();
}

/** A relative reference to a resource of the Bundle (ids made by `fhirId`). */
export function ref<K extends ResourceType>(
  type: K,
  ourId: string,
  display?: string,
): Reference<ExtractResource<K>> {
  return { reference: `${type}/${fhirId(ourId)}`, ...(display === undefined ? {} : { display }) };
}

/** The FDI tooth as a body site (FHIR's oral site codes use FDI numbers). */
export function toothSite(tooth: number): CodeableConcept {
  return {
    coding: [{ system: System.tooth, code: String(tooth), display: `FDI tooth ${tooth}` }],
    text: `Tooth ${tooth}`,
  };
}
