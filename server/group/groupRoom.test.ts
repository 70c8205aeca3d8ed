import { describe, expect, it } from "vitest";
import { GROUP_CAPACITY, GroupEv, GroupRole } from "../../shared/supportGroup.ts";
import { GROUP_INVITE_GRACE_MS, GroupInvites, inviteExpiryFor } from "./groupInvites.ts";
import { GroupRoom, HOST_AWAY_MS } from "./groupRoom.ts";

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
    // A question keeps its own mark: no "week?." in Otto's words.
    expect(g.viewFor(a).otto).toBe("Next: How was your week? We have 10 minutes.");
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

  it("keeps an invitation working until its session is over, however far ahead it is planned", () => {
    let now = Date.parse("2026-11-27T12:00:00Z");
    const invites = new GroupInvites(Buffer.alloc(32, 7), () => now);
    const plan = { startsAt: "2027-10-31T17:30:00Z", agenda: [{ minutes: 10 }, { minutes: 15 }] };
    const until = inviteExpiryFor(plan);
    expect(until).toBe(Date.parse("2027-10-31T17:55:00Z") + GROUP_INVITE_GRACE_MS);
    const far = invites.mint("g-one", until);
    expect(far.expiresAt).toBe(until);
    now = Date.parse("2027-10-31T18:00:00Z"); // during the session, a year after the link was made
    expect(invites.check(far.token, "g-one")).toMatchObject({ ok: true });
    now = until + 1;
    expect(invites.check(far.token, "g-one")).toEqual({ ok: false, reason: "expired" });
    // A session tomorrow still gets the week.
    expect(invites.mint("g-one", now + 3_600_000).expiresAt).toBe(now + 7 * 24 * 3_600_000);
  });

  // One host at a time, handed over, never host-less for good
  describe("the host role", () => {
    const hostOf = (g: GroupRoom, as: string) =>
      g
        .viewFor(as)
        .members.filter((m) => m.role === GroupRole.host)
        .map((m) => m.name);

    it("the first staff member in hosts; a second one joins host-capable; the host hands over and back", () => {
      const { g, host, a } = circle();
      const ray = g.join({ host: true, staffId: "ray" }, "Ray");
      if (!ray.ok) throw new Error("Ray could not join");
      expect(hostOf(g, a)).toEqual(["Noah"]);
      const rayView = g.viewFor(a).members.find((m) => m.memberId === ray.memberId)!;
      expect(rayView).toMatchObject({ role: GroupRole.participant, canHost: true });
      expect(g.viewFor(a).members.find((m) => m.memberId === a)!.canHost).toBe(false);

      // Only the host hands over, only to a host-capable member in the circle.
      const table: [string, string, boolean][] = [
        [a, ray.memberId, false],
        [ray.memberId, ray.memberId, false],
        [host, a, false],
        [host, host, false],
        [host, "m-nobody", false],
        [host, ray.memberId, true],
      ];
      for (const [who, to, ok] of table)
        expect(g.handle(who, GroupEv.handOver, { memberId: to }).result.ok, `${who} → ${to}`).toBe(ok);
      expect(hostOf(g, a)).toEqual(["Ray"]);
      expect(g.viewFor(a).otto).toBe("Ray is hosting the circle now.");
      // Noah is now in the circle like anyone, and cannot mute; Ray can.
      expect(g.handle(host, GroupEv.mute, { memberId: a, muted: true }).result.ok).toBe(false);
      expect(g.handle(ray.memberId, GroupEv.mute, { memberId: a, muted: true }).result.ok).toBe(true);
      // Staff are not asked to leave by invitation.
      expect(g.handle(ray.memberId, GroupEv.remove, { memberId: host }).result.ok).toBe(false);
      expect(g.handle(ray.memberId, GroupEv.handOver, { memberId: host }).result.ok).toBe(true);
      expect(hostOf(g, a)).toEqual(["Noah"]);
    });

    it("a host who drops keeps the role for a short while, then the other staff member present takes over", () => {
      let now = 1_000;
      const { g, host, a } = circle(() => now);
      const ray = g.join({ host: true, staffId: "ray" }, "Ray");
      if (!ray.ok) throw new Error("Ray could not join");
      g.drop(host);
      now += HOST_AWAY_MS - 1;
      g.tick();
      expect(hostOf(g, a)).toEqual(["Noah"]);
      now += 1;
      const version = g.version;
      g.tick();
      expect(hostOf(g, a)).toEqual(["Ray"]);
      expect(g.version).toBeGreaterThan(version);
      // Noah comes back: Ray keeps hosting (no tug of war); Ray can hand back.
      expect(g.join({ host: true, staffId: "noah" }, "Noah").ok).toBe(true);
      expect(hostOf(g, a)).toEqual(["Ray"]);
      expect(g.viewFor(a).members.find((m) => m.memberId === host)!.canHost).toBe(true);
    });

    it("a host who leaves on purpose passes the role at once; a participant never gets it", () => {
      const { g, host, a } = circle();
      g.leave(host);
      expect(hostOf(g, a)).toEqual([]);
      const ray = g.join({ host: true, staffId: "ray" }, "Ray");
      if (!ray.ok) throw new Error("Ray could not join");
      expect(hostOf(g, a)).toEqual(["Ray"]);
      expect(g.join({ host: true, staffId: "noah" }, "Noah").ok).toBe(true);
      g.leave(ray.memberId);
      expect(hostOf(g, a)).toEqual(["Noah"]);
    });

    it("alone, a dropped host keeps the role and has it on rejoin; after the rejoin window the next staff member hosts", () => {
      let now = 1_000;
      const { g, host, a } = circle(() => now);
      g.drop(host);
      now += HOST_AWAY_MS * 3;
      g.tick();
      expect(hostOf(g, a)).toEqual(["Noah"]);
      expect(g.join({ host: true, staffId: "noah" }, "Noah")).toMatchObject({ ok: true, memberId: host });
      expect(hostOf(g, a)).toEqual(["Noah"]);

      g.drop(host);
      now += 10 * 60_000;
      expect(g.tick()).toContain(host);
      expect(hostOf(g, a)).toEqual([]);
      const ray = g.join({ host: true, staffId: "ray" }, "Ray");
      if (!ray.ok) throw new Error("Ray could not join");
      expect(hostOf(g, a)).toEqual(["Ray"]);
    });
  });
});
