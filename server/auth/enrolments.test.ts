import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { SqliteStorage } from "../storage/sqliteStorage.ts";
import { ENROLMENT_TTL_MS, Enrolments, SETUP_TTL_MS } from "./enrolments.ts";

const dirs: string[] = [];
const open: SqliteStorage[] = [];
afterEach(() => {
  for (const s of open.splice(0)) s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "chairside-enrol-"));
  dirs.push(dir);
  return join(dir, "chairside.db");
}

/** Enrolment links over a real SQLite file; `reopen()` is a server restart on the same file. */
function enrolments(path = dataFile()) {
  let now = 5_000_000;
  const make = () => {
    const storage = new SqliteStorage(path);
    open.push(storage);
    return new Enrolments(
      storage,
      () => "https://chairside.clinic.example",
      () => now,
    );
  };
  const e = make();
  return {
    e,
    advance: (ms: number) => (now += ms),
    reopen: () => {
      for (const s of open.splice(0)) s.close();
      return make();
    },
  };
}
const tokenOf = (url: string) => url.split("#")[1]!;

describe("enrolment and setup links", () => {
  it("put the token in the fragment, never in the path or query", () => {
    const { e } = enrolments();
    const { url } = e.createFirstAdmin();
    expect(url).toMatch(/^https:\/\/chairside\.clinic\.example\/setup\.html#[A-Za-z0-9_-]{43}$/);
  });

  it("work once", async () => {
    const { e } = enrolments();
    const token = tokenOf((await e.create("ana-1")).url);
    expect((await e.peek(token))?.staffId).toBe("ana-1");
    expect((await e.consume(token))?.staffId).toBe("ana-1");
    expect(await e.consume(token)).toBeNull();
    expect(await e.peek(token)).toBeNull();
    const setup = tokenOf(e.createFirstAdmin().url);
    expect(await e.consume(setup)).toEqual({ staffId: null, expiresAt: expect.any(Number) });
    expect(await e.consume(setup)).toBeNull();
  });

  it("expire: setup after 30 minutes, enrolment after a day", async () => {
    const { e, advance } = enrolments();
    const setup = tokenOf(e.createFirstAdmin().url);
    const enrol = tokenOf((await e.create("ana-1")).url);
    advance(SETUP_TTL_MS - 1);
    expect(await e.peek(setup)).not.toBeNull();
    advance(1);
    expect(await e.consume(setup)).toBeNull();
    advance(ENROLMENT_TTL_MS - SETUP_TTL_MS - 1);
    expect(await e.peek(enrol)).not.toBeNull();
    advance(1);
    expect(await e.consume(enrol)).toBeNull();
  });

  it("a new link for the same account replaces the old one", async () => {
    const { e } = enrolments();
    const first = tokenOf((await e.create("ana-1")).url);
    const second = tokenOf((await e.create("ana-1", "http://localhost:8080")).url);
    expect(await e.peek(first)).toBeNull();
    expect((await e.peek(second))?.staffId).toBe("ana-1");
    await e.revokeFor("ana-1");
    expect(await e.peek(second)).toBeNull();
  });

  it("an enrolment link survives a restart; the setup link does not (a new one is printed)", async () => {
    const { e, reopen } = enrolments();
    const enrol = tokenOf((await e.create("ana-1")).url);
    const setup = tokenOf(e.createFirstAdmin().url);
    const after = reopen();
    expect(await after.peek(setup)).toBeNull();
    expect((await after.consume(enrol))?.staffId).toBe("ana-1");
    expect(await after.consume(enrol)).toBeNull();
  });
});
