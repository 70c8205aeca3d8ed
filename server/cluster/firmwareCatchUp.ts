/**
 * A node's view of the clinics' firmware quarantines, kept whole when the node bus drops a note.
 * Quarantines and lifts reach the other nodes over Redis PUB/SUB, which delivers at most once: a
 * node cut off Redis while another node quarantined a version would go on trusting that version's
 * readings until it restarted. So when the node's Redis link comes back (and every little while
 * in case a note was lost without a cut), it reads the stored quarantines and lifts again and
 * applies, in stored order, each one it has not seen. Each action is applied once, whichever way
 * it comes first (the note, the catch-up, or this node's own write).
 *
 * This node's own actions are known from the moment its SOE service writes them (`watch`): they
 * are left to the service, which records them once the write is done, so a catch-up that reads
 * the database in between never applies them a second time.
 */
import type { FirmwareAction } from "../../shared/protocol.ts";
import { createLogger } from "../log.ts";
import type { FirmwareRecord, Storage } from "../storage/storage.ts";

const log = createLogger("firmware-catch-up");

/** What the node's SOE service offers: what it knows, and how an action from elsewhere is applied. */
export interface FirmwareBook {
  firmwareHistory(clinicId: string): FirmwareAction[];
  /** Applies an action stored by another node (its rooms hear of it; it is not sent back out). */
  apply(clinicId: string, action: FirmwareAction): void;
}

/** One quarantine or lift, the same wherever it is read (the retracted count is the writer's). */
export function firmwareKey(clinicId: string, action: FirmwareAction): string {
  return JSON.stringify([clinicId, action.action, action.firmware, action.at, action.by]);
}

/**
 * The stored actions this node has not applied, in stored order: neither in its history nor its
 * own (being written by this node right now).
 */
export function missedActions(
  stored: readonly FirmwareRecord[],
  historyOf: (clinicId: string) => readonly FirmwareAction[],
  own: ReadonlySet<string>,
): FirmwareRecord[] {
  const known = new Map<string, Set<string>>();
  const knownIn = (clinicId: string): Set<string> => {
    let keys = known.get(clinicId);
    if (!keys) {
      keys = new Set(historyOf(clinicId).map((a) => firmwareKey(clinicId, a)));
      known.set(clinicId, keys);
    }
    return keys;
  };
  return stored.filter(({ clinicId, action }) => {
    const key = firmwareKey(clinicId, action);
    const keys = knownIn(clinicId);
    if (own.has(key) || keys.has(key)) return false;
    keys.add(key); // the same action twice in one list is applied once
    return true;
  });
}

export class FirmwareCatchUp {
  private readonly own = new Set<string>();
  /** Notes that came while a catch-up read the database: applied after it, so stored order holds. */
  private held: FirmwareRecord[] | null = null;
  private running: Promise<number> | null = null;
  /** Actions applied by catch-ups (tests and logs). */
  caughtUp = 0;

  constructor(
    private readonly read: () => Promise<FirmwareRecord[]>,
    private readonly book: FirmwareBook,
  ) {}

  /** The SOE service's storage, with this node's own quarantines and lifts noted as they are written. */
  watch(storage: Storage): Storage {
    const own = this.own;
    return new Proxy(storage, {
      get(target, prop, receiver) {
        if (prop === "quarantineFirmware") {
          const write: Storage["quarantineFirmware"] = (clinicId, deviceIds, action) => {
            own.add(firmwareKey(clinicId, { ...action, retracted: 0 }));
            return target.quarantineFirmware(clinicId, deviceIds, action);
          };
          return write;
        }
        if (prop === "liftFirmware") {
          const write: Storage["liftFirmware"] = (clinicId, action) => {
            own.add(firmwareKey(clinicId, action));
            return target.liftFirmware(clinicId, action);
          };
          return write;
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** A note from another node: applied now, unless already applied (or a catch-up is reading). */
  receive(clinicId: string, action: FirmwareAction): void {
    if (this.held) {
      this.held.push({ clinicId, action });
      return;
    }
    this.applyOnce([{ clinicId, action }]);
  }

  /** Reads the stored actions and applies the missed ones; resolves with how many were missed. */
  catchUpAsync(): Promise<number> {
    if (!this.running) {
      this.running = this.runAsync().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  private async runAsync(): Promise<number> {
    this.held = [];
    let missed = 0;
    try {
      missed = this.applyOnce(await this.read());
    } finally {
      const held = this.held;
      this.held = null;
      this.applyOnce(held);
    }
    if (missed > 0) {
      this.caughtUp += missed;
      log.warn("firmware actions caught up from storage", { missed });
    }
    return missed;
  }

  private applyOnce(records: readonly FirmwareRecord[]): number {
    const missed = missedActions(records, (c) => this.book.firmwareHistory(c), this.own);
    for (const { clinicId, action } of missed) this.book.apply(clinicId, action);
    return missed.length;
  }
}
