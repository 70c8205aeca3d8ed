import { describe, expect, it } from "vitest";
import type { AuditEntry } from "../storage/storage.ts";
import {
  auditHash,
  type ChainedAuditRow,
  canonicalAuditContent,
  describeChainReport,
  GENESIS_HASH,
  verifyAuditChainAsync,
  verifyAuditRows,
} from "./auditChain.ts";

const entries: AuditEntry[] = [
  { at: 1, who: "dr-ana", action: "record.read", subject: "patient p1", why: "", patientId: "p1" },
  { at: 2, who: "ben", action: "soe.history", subject: "p1", why: "chart", patientId: "p1", roomId: "r1" },
  { at: 3, who: "admin", action: "audit.read", subject: "audit trail (all)", why: "page 1" },
];

function chain(list: readonly AuditEntry[]): ChainedAuditRow[] {
  let prev = GENESIS_HASH;
  return list.map((e, i) => {
    const hash = auditHash(prev, i + 1, e);
    const row = { ...e, id: i + 1, prevHash: prev, hash };
    prev = hash;
    return row;
  });
}

describe("canonical audit content", () => {
  it("is the same whatever the key order and whether absent fields are missing or undefined", () => {
    const a: AuditEntry = { at: 5, who: "w", action: "a", subject: "s", why: "y" };
    const b = { why: "y", subject: "s", action: "a", who: "w", at: 5, patientId: undefined } as AuditEntry;
    expect(canonicalAuditContent(7, a)).toBe(canonicalAuditContent(7, b));
    expect(canonicalAuditContent(7, a)).toBe('[7,5,"w","a","s","y",null,null]');
  });

  it("tells every field apart, the id too", () => {
    const base = entries[1]!;
    const variants: AuditEntry[] = [
      { ...base, at: 3 },
      { ...base, who: "x" },
      { ...base, action: "x" },
      { ...base, subject: "x" },
      { ...base, why: "x" },
      { ...base, patientId: "x" },
      { ...base, roomId: "x" },
    ];
    const hashes = new Set([auditHash(GENESIS_HASH, 1, base), auditHash(GENESIS_HASH, 2, base)]);
    for (const v of variants) hashes.add(auditHash(GENESIS_HASH, 1, v));
    expect(hashes.size).toBe(variants.length + 2);
  });

  it("cannot be fooled by moving text between fields", () => {
    const a: AuditEntry = { at: 1, who: "ab", action: "c", subject: "", why: "" };
    const b: AuditEntry = { at: 1, who: "a", action: "bc", subject: "", why: "" };
    expect(auditHash(GENESIS_HASH, 1, a)).not.toBe(auditHash(GENESIS_HASH, 1, b));
  });
});

describe("verifying the chain", () => {
  it("holds for an untouched chain and answers its last hash", () => {
    const rows = chain(entries);
    expect(verifyAuditRows(rows, GENESIS_HASH)).toEqual({ broken: null, lastHash: rows[2]!.hash });
  });

  it("finds a changed row by its content hash", () => {
    const rows = chain(entries);
    rows[1] = { ...rows[1]!, why: "nothing to see" };
    const { broken } = verifyAuditRows(rows, GENESIS_HASH);
    expect(broken).toMatchObject({ id: 2, field: "hash", found: rows[1]!.hash });
  });

  it("finds a removed row at the row after it", () => {
    const rows = chain(entries);
    rows.splice(1, 1);
    expect(verifyAuditRows(rows, GENESIS_HASH).broken).toMatchObject({ id: 3, field: "prev_hash" });
  });

  it("finds a row rewritten with a fresh hash at the next link", () => {
    const rows = chain(entries);
    const forged = { ...rows[0]!, who: "someone-else" };
    forged.hash = auditHash(GENESIS_HASH, 1, forged);
    rows[0] = forged;
    expect(verifyAuditRows(rows, GENESIS_HASH).broken).toMatchObject({ id: 2, field: "prev_hash" });
  });

  it("walks a trail page by page and counts the entries before the break", async () => {
    const many = Array.from({ length: 23 }, (_, i) => ({ ...entries[i % 3]!, at: i }));
    const rows = chain(many);
    const pages = (list: ChainedAuditRow[]) => async (afterId: number, limit: number) =>
      list.filter((r) => r.id > afterId).slice(0, limit);
    const intact = await verifyAuditChainAsync(pages(rows), 5);
    expect(intact).toEqual({ checked: 23, broken: null, lastHash: rows[22]!.hash });
    expect(describeChainReport(intact)).toContain("23 entries");

    rows[16] = { ...rows[16]!, subject: "edited" };
    const broken = await verifyAuditChainAsync(pages(rows), 5);
    expect(broken.broken?.id).toBe(17);
    expect(broken.checked).toBe(16);
    expect(describeChainReport(broken)).toMatch(/^Broken at entry 17: its content was changed/);
  });

  it("holds for an empty trail", async () => {
    expect(await verifyAuditChainAsync(async () => [])).toEqual({
      checked: 0,
      broken: null,
      lastHash: GENESIS_HASH,
    });
  });
});
