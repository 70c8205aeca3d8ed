/**
 * How the server opens its support groups (issue 12): from storage, with the clinic's patients
 * from the directory (names and ids only) and the clinic's time zone (CHAIRSIDE_CLINIC_TIME_ZONE,
 * else the server's). One call from app.ts.
 */
import type { ClinicDirectory } from "../directory/clinicDirectory.ts";
import type { Storage } from "../storage/storage.ts";
import { GroupRegistry } from "./groupRegistry.ts";

/** The server's own time zone: the clinic's when none is configured (the server runs in the clinic). */
function serverTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}

export function openGroupRegistryAsync(opts: {
  storage: Storage;
  secret: Buffer;
  now: () => number;
  directory: ClinicDirectory;
  /** The clinic's IANA time zone (server/config.ts checked it); absent: the server's own. */
  timeZone?: string | undefined;
}): Promise<GroupRegistry> {
  return GroupRegistry.openAsync({
    storage: opts.storage,
    secret: opts.secret,
    now: opts.now,
    timeZone: opts.timeZone ?? serverTimeZone(),
    patients: (clinicId) =>
      opts.directory
        .listPatients(clinicId, false)
        .map((p) => ({ patientId: p.patientId, displayName: p.displayName })),
  });
}
