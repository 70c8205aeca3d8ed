import { describe, expect, it } from "vitest";
import type { FirmwareAction } from "../../shared/protocol.ts";
import type { FirmwareRecord, Storage } from "../storage/storage.ts";
import { FirmwareCatchUp, firmwareKey, missedActions } from "./firmwareCatchUp.ts";

type Quarantine = Extract<FirmwareAction, { action: "quarantine" }>;

const quarantine = (at: number, firmware = "2.3.1"): Quarantine => ({
  action: "quarantine",
  firmware,
  since: at - 1000,
  at,
  by: "dr-ray",
  reason: "stuck readings",
  retracted: 3,
});
const lift = (at: number, firmware = "2.3.1"): FirmwareAction => ({
  action: "lift",
  firmware,
  at,
  by: "dr-ray",
  reason: "charger fault",
});
const rec = (clinicId: string, action: FirmwareAction): FirmwareRecord => ({ clinicId, action });

/** The SOE service's side, as plain lists per clinic. */
function book() {
  const history = new Map<string, FirmwareAction[]>();
  const applied: FirmwareRecord[] = [];
  return {
    applied,
    firmwareHistory: (clinicId: string) => [...(history.get(clinicId) ?? [])],
    apply(clinicId: string, action: FirmwareAction) {
      history.set(clinicId, [...(history.get(clinicId) ?? []), action]);
      applied.push(rec(clinicId, action));
    },
  };
}

describe("missedActions", () => {
  it("keeps stored order and leaves out what is known, this node's own, and repeats", () => {
    const known = [quarantine(1)];
    const stored = [
      rec("demo", quarantine(1)),
      rec("demo", lift(2)),
      rec("main", quarantine(1)),
      rec("demo", quarantine(3)),
      rec("demo", lift(2)),
    ];
    const own = new Set([firmwareKey("demo", quarantine(3))]);
    const missed = missedActions(stored, (c) => (c === "demo" ? known : []), own);
    expect(missed).toEqual([rec("demo", lift(2)), rec("main", quarantine(1))]);
  });

  it("matches a quarantine whatever retracted count the reader got", () => {
    const stored = [rec("demo", { ...quarantine(1), retracted: 0 })];
    expect(missedActions(stored, () => [quarantine(1)], new Set())).toEqual([]);
  });
});

describe("FirmwareCatchUp", () => {
  it("applies each action once, whether the note or the catch-up brings it first", async () => {
    const side = book();
    let stored: FirmwareRecord[] = [];
    const catchUp = new FirmwareCatchUp(async () => stored, side);
    catchUp.receive("demo", quarantine(1));
    stored = [rec("demo", quarantine(1)), rec("demo", lift(2))];
    expect(await catchUp.catchUpAsync()).toBe(1);
    catchUp.receive("demo", lift(2)); // the note, late
    expect(side.applied.map((r) => r.action.action)).toEqual(["quarantine", "lift"]);
  });

  it("holds notes that come while it reads, and applies them after the stored ones", async () => {
    const side = book();
    let release: (records: FirmwareRecord[]) => void = () => undefined;
    const catchUp = new FirmwareCatchUp(
      () => new Promise<FirmwareRecord[]>((resolve) => (release = resolve)),
      side,
    );
    const running = catchUp.catchUpAsync();
    catchUp.receive("demo", lift(2));
    expect(side.applied).toEqual([]);
    release([rec("demo", quarantine(1))]);
    expect(await running).toBe(1);
    expect(side.applied.map((r) => r.action.action)).toEqual(["quarantine", "lift"]);
  });

  it("never applies this node's own action, even when storage has it before the service does", async () => {
    const side = book();
    const writes: string[] = [];
    const storage = {
      quarantineFirmware: async () => {
        writes.push("quarantine");
        return 3;
      },
      liftFirmware: async () => {
        writes.push("lift");
      },
    } as unknown as Storage;
    const own = quarantine(5);
    const catchUp = new FirmwareCatchUp(async () => [rec("demo", own)], side);
    const { retracted: _r, ...asked } = own;
    await catchUp.watch(storage).quarantineFirmware("demo", ["d1"], asked);
    expect(writes).toEqual(["quarantine"]);
    expect(await catchUp.catchUpAsync()).toBe(0);
    expect(side.applied).toEqual([]);
  });
});
