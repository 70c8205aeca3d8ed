import { describe, expect, it } from "vitest";
import { GROUP_CAPACITY, GroupEv } from "../../shared/supportGroup.ts";
import { GroupInvites } from "./groupInvites.ts";
import { GroupRoom } from "./groupRoom.ts";

const plan = {
  groupId: "g-test000",
  title: "Smiles without worry",
  startsAt: "2026-12-03T18:00:00+01:00",
  agenda: [{ title: "How was your week?", minutes: 10 }],
  hostStaffId: "noah",
  hostName: "Noah",
  clinicId: "main",
};

function circle(now = () => 1_000) {
  const g = new GroupRoom(plan, now);
  const host = g.join({ host: true, staffId: "noah" }, "Noah");
  const a = g.join({ host: false, inviteId: "i-a" }, "Ana");
  const b = g.join({ host: false, inviteId: "i-b" }, "Ben");
  if (!host.ok || !a.ok || !b.ok) throw new Error("join failed");
  return { g, host: host.memberId, a: a.memberId, b: b.memberId };
}

describe("GroupRoom", () => {
  it("only the host mutes, removes, locks, runs the agenda and ends; everyone raises a hand and writes", () => {
    const { g, host, a, b } = circle();
    const table: [string, string, unknown, boolean][] = [
      [a, GroupEv.hand, { raised: true }, true],
      [a, GroupEv.mute, { memberId: b, muted: true }, false],
      [a, GroupEv.remove, { memberId: b }, false],
      [a, GroupEv.lock, { locked: true }, false],
      [a, GroupEv.topic, { index: 0 }, false],
      [a, GroupEv.note, { text: "hi" }, true],
      [a, GroupEv.end, {}, false],
      [host, GroupEv.mute, { memberId: b, muted: true }, true],
      [host, GroupEv.mute, { memberId: host, muted: true }, false],
      [host, GroupEv.topic, { index: 3 }, false],
      [host, GroupEv.topic, { index: 0 }, true],
      ["m-stranger", GroupEv.hand, { raised: true }, false],
    ];
    for (const [who, command, payload, ok] of table) {
      // biome-ignore lint/suspicious/noExplicitAny: table rows carry each command's own payload
      expect(g.handle(who, command as any, payload as any).result.ok, `${who} ${command}`).toBe(ok);
    }
    expect(g.viewFor(a).members.find((m) => m.memberId === b)!.mutedByHost).toBe(true);
    expect(g.viewFor(a).topic).toEqual({ index: 0, startedAt: 1_000, endsAt: 1_000 + 10 * 60_000 });
  });

  it("a removed participant leaves; the lock keeps newcomers out but lets a dropped member back", () => {
    const { g, host, a, b } = circle();
    const removed = g.handle(host, GroupEv.remove, { memberId: a });
    expect(removed.effects.removed).toBe(a);
    expect(g.viewFor(host).members.map((m) => m.name)).toEqual(["Otto", "Noah", "Ben"]);
    g.handle(host, GroupEv.lock, { locked: true });
    g.drop(b);
    expect(g.admits({ host: false, inviteId: "i-b" })).toBeNull();
    expect(g.admits({ host: false, inviteId: "i-new" })).toMatch(/closed to newcomers/);
    expect(g.join({ host: false, inviteId: "i-b" }, "Ben")).toMatchObject({ ok: true, rejoined: true });
  });

  it("holds at most 12 people", () => {
    const g = new GroupRoom(plan, () => 0);
    for (let i = 0; i < GROUP_CAPACITY; i++)
      expect(g.join({ host: false, inviteId: `i-${i}` }, `P${i}`).ok).toBe(true);
    expect(g.join({ host: false, inviteId: "i-13" }, "Late")).toEqual({ ok: false, reason: "full" });
  });

  it("keeps the board only if everyone present agreed; otherwise ending erases it", () => {
    for (const allAgree of [true, false]) {
      const { g, host, a, b } = circle();
      g.handle(a, GroupEv.note, { text: "Soft brush" });
      for (const m of allAgree ? [host, a, b] : [host, a]) g.handle(m, GroupEv.keep, { agree: true });
      expect(g.viewFor(host).board.kept).toBe(allAgree);
      expect(g.handle(host, GroupEv.end, {}).effects.ended).toBe(true);
      expect(g.archived?.map((n) => n.text) ?? null).toEqual(allAgree ? ["Soft brush"] : null);
      expect(g.viewFor(host).board.notes).toEqual([]);
    }
  });
});

describe("GroupInvites", () => {
  it("signed, per group, expiring and withdrawable", () => {
    let now = 0;
    const invites = new GroupInvites(Buffer.alloc(32, 7), () => now);
    const { token, inviteId } = invites.mint("g-one");
    expect(invites.check(token, "g-one")).toEqual({ ok: true, groupId: "g-one", inviteId });
    expect(invites.check(token, "g-two")).toEqual({ ok: false, reason: "other_group" });
    expect(invites.check(`${token.split(".")[0]}.AAAA`, "g-one")).toEqual({ ok: false, reason: "forged" });
    const other = new GroupInvites(Buffer.alloc(32, 8), () => now);
    expect(other.check(token, "g-one")).toEqual({ ok: false, reason: "forged" });
    invites.withdraw(inviteId);
    expect(invites.check(token, "g-one")).toEqual({ ok: false, reason: "withdrawn" });
    const fresh = invites.mint("g-one");
    now = 8 * 24 * 3_600_000;
    expect(invites.check(fresh.token, "g-one")).toEqual({ ok: false, reason: "expired" });
  });
});
