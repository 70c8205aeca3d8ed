/**
 * One support group session as pure state: the circle's members on the treatment room's pure core
 * (server/room.ts `Room`: members, slots, rejoin, poses, Otto's seat), plus what a group has and a
 * treatment does not: raised hands, the host's mutes, removal and lock, the agenda with a timer
 * per topic, and the shared board that is kept only if everyone present agrees. No sockets, no
 * timers: the clock is injected. Nothing clinical is in here, so nothing clinical can leak out.
 *
 * One host at a time. Every staff member who may host (`groups.host`) and joins is host-capable:
 * the first one in hosts, the host can hand over to another, and a host who leaves, or stays away
 * longer than HOST_AWAY_MS while another host-capable member is here, passes the role on by
 * itself. With nobody to take over, a dropped host keeps the role and has it on rejoin; once their
 * rejoin window runs out, the next host-capable member to join hosts.
 */
import { groupRefusal } from "../../shared/access.ts";
import { ConnectionState, type MemberView } from "../../shared/protocol.ts";
import { Role } from "../../shared/roles.ts";
import {
  type AgendaTopic,
  GROUP_CAPACITY,
  type GroupCommand,
  GroupEv,
  type GroupMemberView,
  type GroupNote,
  type GroupPayload,
  GroupRole,
  type GroupView,
  notesKept,
} from "../../shared/supportGroup.ts";
import { OTTO_MEMBER_ID, Room } from "../room.ts";

export interface GroupPlan {
  groupId: string;
  title: string;
  startsAt: string;
  agenda: AgendaTopic[];
  hostStaffId: string;
  hostName: string;
  clinicId: string;
}

export type GroupJoin =
  | { ok: true; memberId: string; rejoined: boolean }
  | { ok: false; reason: "full" | "locked" };

export type GroupResult = { ok: true; changed: boolean } | { ok: false; message: string };

/** What a command did beyond the view, for the gateway to act on. */
export interface GroupEffects {
  /** A member the host removed: their connection closes and their invitation is withdrawn. */
  removed?: string;
  /** The session ended: everyone's connection closes. */
  ended?: boolean;
}

const MAX_NOTES = 200;

/** How long a dropped host keeps the role while another host-capable member is in the circle. */
export const HOST_AWAY_MS = 10_000;

/** Who knocks: a staff member who may host (by staff id), or a participant (by invitation id). */
export type GroupKey = { host: true; staffId: string } | { host: false; inviteId: string };

export class GroupRoom {
  readonly room: Room;
  private readonly roles = new Map<string, GroupRole>();
  /** The invitation each participant came in on (the key their removal withdraws). */
  private readonly invites = new Map<string, string>();
  private readonly hands = new Set<string>();
  private readonly hostMuted = new Set<string>();
  private readonly keepVotes = new Set<string>();
  /** Staff members who may host, present or reconnecting. */
  private readonly hostCapable = new Set<string>();
  /** When each reconnecting member dropped. */
  private readonly awaySince = new Map<string, number>();
  private notes: GroupNote[] = [];
  private nextNote = 1;
  private locked = false;
  private topic: GroupView["topic"] = null;
  private otto: string | null = null;
  /** Bumped on every change, so a pose batch's `lastSeq` tells a client its view is behind. */
  version = 0;
  /** The board as it was when the session ended: kept only if the group agreed, else null. */
  archived: GroupNote[] | null = null;

  constructor(
    readonly plan: GroupPlan,
    private readonly now: () => number,
  ) {
    this.room = new Room(
      {
        appointmentId: plan.groupId,
        roomId: plan.groupId,
        patientName: "",
        clinicianName: "",
        scheduledAt: plan.startsAt,
      },
      { now },
    );
    this.roles.set(OTTO_MEMBER_ID, GroupRole.otto);
    this.otto = `Welcome to ${plan.title}. Take your time: you can listen first, and raise your hand when you'd like to speak.`;
  }

  /** People present (connected or briefly reconnecting), Otto not counted. */
  private people(): MemberView[] {
    return this.room.people();
  }

  /**
   * A staff member who may host (by staff id) or a participant (by invitation id) joins under a
   * name. A member who dropped comes back to the same seat, and role, even while the group is
   * locked. A staff member hosts when nobody does; otherwise they are host-capable in the circle.
   */
  join(key: GroupKey, name: string): GroupJoin {
    const personId = key.host ? `host-${key.staffId}` : key.inviteId;
    const memberId = `m-${personId}`;
    const known = this.room.member(memberId);
    if (!known) {
      if (!key.host && this.locked) return { ok: false, reason: "locked" };
      if (this.people().length >= GROUP_CAPACITY) return { ok: false, reason: "full" };
    }
    // The pure room core keeps slots, rejoin and poses; its roles only pick an avatar's look.
    const joined = this.room.join({
      personId,
      displayName: name,
      role: key.host ? Role.assistant : Role.patient,
    });
    if (!joined.ok) return { ok: false, reason: "full" };
    this.awaySince.delete(memberId);
    if (key.host) {
      this.hostCapable.add(memberId);
      if (!this.roles.has(memberId))
        this.roles.set(memberId, this.hostId() === null ? GroupRole.host : GroupRole.participant);
    } else {
      this.roles.set(memberId, GroupRole.participant);
      this.invites.set(memberId, key.inviteId);
    }
    this.settleHost();
    this.changed();
    return { ok: true, memberId, rejoined: joined.rejoined };
  }

  /** Why a person could not join now, or null when they can (checked in the handshake). */
  admits(key: GroupKey): string | null {
    const memberId = `m-${key.host ? `host-${key.staffId}` : key.inviteId}`;
    if (this.room.member(memberId)) return null;
    if (!key.host && this.locked) return "The group is closed to newcomers for now: ask the host.";
    if (this.people().length >= GROUP_CAPACITY) return "The circle is full.";
    return null;
  }

  drop(memberId: string): void {
    this.room.drop(memberId);
    if (!this.awaySince.has(memberId)) this.awaySince.set(memberId, this.now());
    this.settleHost();
    this.changed();
  }

  leave(memberId: string): void {
    this.room.leave(memberId, "left");
    this.forget(memberId);
    this.settleHost();
    this.changed();
  }

  /**
   * Lets go of members whose rejoin window ran out (their seats, hands and votes) and gives the
   * host role on when its holder has been away too long. Call from a timer; returns who went.
   */
  tick(): string[] {
    const gone = this.room.expireDropped();
    for (const id of gone) this.forget(id);
    if (this.settleHost() || gone.length > 0) this.changed();
    return gone;
  }

  /** The member who hosts now, or null (nobody who may host is in the circle). */
  hostId(): string | null {
    for (const [id, role] of this.roles) if (role === GroupRole.host) return id;
    return null;
  }

  /**
   * Keeps the circle hosted: when the host left, or has been away HOST_AWAY_MS, the host-capable
   * member who has been connected here longest takes over. Returns whether the host changed.
   */
  private settleHost(): boolean {
    const host = this.hostId();
    const holder = host ? this.room.member(host) : undefined;
    const away = holder?.connection !== ConnectionState.connected;
    if (host && holder && !away) return false;
    if (host && holder && this.now() - (this.awaySince.get(host) ?? this.now()) < HOST_AWAY_MS) return false;
    const next = this.people().find(
      (m) =>
        m.memberId !== host && this.hostCapable.has(m.memberId) && m.connection === ConnectionState.connected,
    );
    if (!next) return false;
    if (host) this.roles.set(host, GroupRole.participant);
    this.becomeHost(next.memberId);
    return true;
  }

  private becomeHost(memberId: string): void {
    this.roles.set(memberId, GroupRole.host);
    // The host is never muted by a host, nor waiting with a raised hand.
    this.hostMuted.delete(memberId);
    this.hands.delete(memberId);
    const name = this.room.member(memberId)?.displayName ?? "";
    this.otto = `${name} is hosting the circle now.`;
  }

  roleOf(memberId: string): GroupRole | null {
    return this.roles.get(memberId) ?? null;
  }

  inviteOf(memberId: string): string | null {
    return this.invites.get(memberId) ?? null;
  }

  isMutedByHost(memberId: string): boolean {
    return this.hostMuted.has(memberId);
  }

  /** Applies one command from a member; refusals are values with a sentence for people. */
  handle<E extends GroupCommand>(
    memberId: string,
    command: E,
    payload: GroupPayload<E>,
  ): { result: GroupResult; effects: GroupEffects } {
    const role = this.roles.get(memberId);
    if (!role || !this.room.member(memberId)) return refused("You are not in this group.");
    const refusal = groupRefusal(role, command);
    if (refusal !== null) return refused(refusal);
    const p = payload as GroupPayload<GroupCommand>;
    switch (command) {
      case GroupEv.hand: {
        const { raised } = p as GroupPayload<typeof GroupEv.hand>;
        if (raised) this.hands.add(memberId);
        else this.hands.delete(memberId);
        return this.done();
      }
      case GroupEv.mute: {
        const { memberId: target, muted } = p as GroupPayload<typeof GroupEv.mute>;
        if (this.roles.get(target) !== GroupRole.participant || !this.room.member(target)) {
          return refused("The host can mute a participant in the circle.");
        }
        if (muted) this.hostMuted.add(target);
        else {
          this.hostMuted.delete(target);
          // Letting someone speak answers their raised hand.
          this.hands.delete(target);
        }
        return this.done();
      }
      case GroupEv.remove: {
        const { memberId: target } = p as GroupPayload<typeof GroupEv.remove>;
        // Staff are not sent away by invitation: there is none to withdraw.
        const participant = this.roles.get(target) === GroupRole.participant && !this.hostCapable.has(target);
        if (!participant || !this.room.member(target)) {
          return refused("The host can ask a participant in the circle to leave.");
        }
        this.room.leave(target, "removed by the host");
        this.forget(target);
        this.changed();
        return { result: { ok: true, changed: true }, effects: { removed: target } };
      }
      case GroupEv.lock:
        this.locked = (p as GroupPayload<typeof GroupEv.lock>).locked;
        return this.done();
      case GroupEv.topic: {
        const { index } = p as GroupPayload<typeof GroupEv.topic>;
        if (index === null) {
          this.topic = null;
          return this.done();
        }
        const topic = this.plan.agenda[index];
        if (!topic) return refused("There is no such topic on the agenda.");
        const startedAt = this.now();
        this.topic = { index, startedAt, endsAt: startedAt + topic.minutes * 60_000 };
        // A title that ends in its own mark ("How was your week?") takes no full stop after it.
        const title = /[.?!]$/.test(topic.title) ? topic.title : `${topic.title}.`;
        this.otto = `Next: ${title} We have ${topic.minutes} minute${topic.minutes === 1 ? "" : "s"}.`;
        return this.done();
      }
      case GroupEv.note: {
        if (this.notes.length >= MAX_NOTES) return refused("The board is full.");
        const name = this.room.member(memberId)?.displayName ?? "";
        this.notes.push({
          id: this.nextNote++,
          text: (p as GroupPayload<typeof GroupEv.note>).text,
          by: name,
          at: this.now(),
        });
        return this.done();
      }
      case GroupEv.keep:
        if ((p as GroupPayload<typeof GroupEv.keep>).agree) this.keepVotes.add(memberId);
        else this.keepVotes.delete(memberId);
        return this.done();
      case GroupEv.handOver: {
        const { memberId: target } = p as GroupPayload<typeof GroupEv.handOver>;
        const to = this.room.member(target);
        if (
          target === memberId ||
          !this.hostCapable.has(target) ||
          to?.connection !== ConnectionState.connected
        ) {
          return refused("The host can hand over to another staff member who is in the circle now.");
        }
        this.roles.set(memberId, GroupRole.participant);
        this.becomeHost(target);
        return this.done();
      }
      case GroupEv.end: {
        this.archived = this.kept() ? [...this.notes] : null;
        // Not kept: erased now, not at some later clean-up.
        this.notes = [];
        this.changed();
        return { result: { ok: true, changed: true }, effects: { ended: true } };
      }
    }
    return refused("Unknown command.");
  }

  private forget(memberId: string): void {
    this.hands.delete(memberId);
    this.hostMuted.delete(memberId);
    this.keepVotes.delete(memberId);
    this.roles.delete(memberId);
    this.invites.delete(memberId);
    this.hostCapable.delete(memberId);
    this.awaySince.delete(memberId);
  }

  private kept(): boolean {
    return notesKept(
      this.people().map((m) => m.memberId),
      this.keepVotes,
    );
  }

  private done(): { result: GroupResult; effects: GroupEffects } {
    this.changed();
    return { result: { ok: true, changed: true }, effects: {} };
  }

  private changed(): void {
    this.version += 1;
  }

  /** The circle as one member sees it (everyone sees the same; `you` differs). */
  viewFor(memberId: string): GroupView {
    const otto = this.room.member(OTTO_MEMBER_ID);
    const circle = otto ? [otto, ...this.room.people()] : this.room.people();
    const members: GroupMemberView[] = circle.map((m) => ({
      memberId: m.memberId,
      name: m.displayName,
      role: this.roles.get(m.memberId) ?? GroupRole.participant,
      handRaised: this.hands.has(m.memberId),
      mutedByHost: this.hostMuted.has(m.memberId),
      slot: m.slot,
      connected: m.connection === ConnectionState.connected,
      canHost: this.hostCapable.has(m.memberId),
    }));
    return {
      groupId: this.plan.groupId,
      title: this.plan.title,
      startsAt: this.plan.startsAt,
      locked: this.locked,
      agenda: this.plan.agenda,
      topic: this.topic,
      members,
      board: { notes: this.notes, keepVotes: [...this.keepVotes], kept: this.kept() },
      otto: this.otto,
      you: memberId,
      serverTime: this.now(),
    };
  }
}

function refused(message: string): { result: GroupResult; effects: GroupEffects } {
  return { result: { ok: false, message }, effects: {} };
}
