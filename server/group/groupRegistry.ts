/**
 * The clinic's support groups: sessions the host scheduled (each a GroupRoom while it is
 * upcoming), their invitations, and the boards a group agreed to keep. Everything a restart must
 * not forget goes through the Storage contract (server/storage/groupStore.ts) before the caller
 * hears it is done: the plan and agenda, each invitation and its withdrawal, the end or the
 * cancellation with the kept notes. What the group did not agree to keep is never written. A
 * session's live state (who is in the circle, hands, the running topic, the board before the
 * group agreed) stays in memory: after a restart the group is waiting for its people again.
 */
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import {
  GroupCloseReason,
  type GroupInvitation,
  type GroupSummary,
  type InvitablePatient,
  type PastGroup,
  type ScheduleGroup,
} from "../../shared/supportGroup.ts";
import { GroupStatus, type StoredGroup, type StoredGroupInvite } from "../storage/groupStore.ts";
import type { Storage } from "../storage/storage.ts";
import { GroupInvites, inviteExpiryFor } from "./groupInvites.ts";
import { type GroupPlan, GroupRoom } from "./groupRoom.ts";

/** The part of the storage groups use. */
export type GroupStorage = Pick<
  Storage,
  | "saveSupportGroup"
  | "supportGroups"
  | "recentlyClosedGroups"
  | "closeSupportGroup"
  | "saveGroupInvite"
  | "withdrawGroupInvite"
  | "groupInvites"
  | "keptGroupNotes"
>;

export interface GroupRegistryDeps {
  storage: GroupStorage;
  secret: Buffer;
  now: () => number;
  /** The clinic's (not archived) patients the host may invite: a name and an id, nothing more. */
  patients: (clinicId: string) => readonly InvitablePatient[];
  /** The clinic's time zone (IANA); sessions are scheduled and shown in it. */
  timeZone: string;
}

/** Why a host's request about a group was refused. */
export type GroupRefusal = "not_found" | "unknown_patient";

/** How many past sessions with kept notes the host's page shows. */
const PAST_SHOWN = 10;

/** The least time between two reads of storage for groups another node may have changed. */
const READ_GAP_MS = 250;
/** How many closed sessions' outcomes are remembered for members coming back (oldest forgotten first). */
const CLOSED_REMEMBERED = 1_000;

/** How a session closed for everyone: what a member who was away when it happened is told on return. */
export type GroupClosure = typeof GroupCloseReason.cancelled | typeof GroupCloseReason.ended;

export class GroupRegistry {
  private readonly groups = new Map<string, GroupRoom>();
  private readonly stored = new Map<string, StoredGroup>();
  private readonly invitations = new Map<string, StoredGroupInvite[]>();
  private readonly cancelListeners: ((groupId: string) => void)[] = [];
  /**
   * Sessions that closed, and how: the most recent ones, read from storage at the start and noted
   * as they close. A member whose link was down at that moment (a busy phone, a page that missed
   * its heartbeat, a server restarted meanwhile) hears nothing then; when their page comes back it
   * must be told the session was cancelled or ended, not that it never existed.
   */
  private readonly closures = new Map<string, GroupClosure>();
  readonly invites: GroupInvites;

  private constructor(private readonly deps: GroupRegistryDeps) {
    this.invites = new GroupInvites(deps.secret, deps.now);
  }

  /** The registry with every upcoming group and its invitations (withdrawn ones stay withdrawn). */
  static async openAsync(deps: GroupRegistryDeps): Promise<GroupRegistry> {
    const registry = new GroupRegistry(deps);
    await registry.rememberClosuresAsync();
    await registry.resyncAsync(); // The same read as a later resync
    return registry;
  }

  // Groups scheduled, changed or cancelled by another node
  /** Bumped at each adoption: a read of storage forgets only groups adopted before it began. */
  private adoptions = 0;
  private readonly adoptedAs = new Map<string, number>();
  private queuedRead: Promise<void> | null = null;
  private runningRead: Promise<void> | null = null;
  private lastReadAt = Number.NEGATIVE_INFINITY;

  /**
   * A group this node may not know yet: another node of the cluster may have scheduled it. A miss
   * reads storage (misses share reads, at most one every READ_GAP_MS, so unknown ids cannot flood
   * the database).
   */
  async findAsync(groupId: string): Promise<GroupRoom | undefined> {
    const known = this.groups.get(groupId);
    if (known) return known;
    await this.resyncAsync();
    return this.groups.get(groupId);
  }

  /**
   * Storage's upcoming groups read again, from a read that starts after this call: new groups
   * adopted, invitations and withdrawals merged in, and groups closed elsewhere forgotten (the
   * people in a cancelled one told so, as when it is cancelled here).
   */
  resyncAsync(): Promise<void> {
    if (this.queuedRead) return this.queuedRead;
    const before = this.runningRead ?? Promise.resolve();
    const queued = before
      .catch(() => undefined)
      .then(async () => {
        const wait = this.lastReadAt + READ_GAP_MS - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        this.queuedRead = null;
        this.lastReadAt = performance.now();
        const running = this.readStorageAsync();
        this.runningRead = running;
        try {
          await running;
        } finally {
          if (this.runningRead === running) this.runningRead = null;
        }
      });
    this.queuedRead = queued;
    return queued;
  }

  /** An invitation another node withdrew: refused here at once (storage has it already). */
  withdrawnElsewhere(inviteId: string): void {
    this.invites.withdraw(inviteId);
    for (const list of this.invitations.values()) {
      const found = list.find((i) => i.inviteId === inviteId);
      if (found && found.withdrawnAt === null) found.withdrawnAt = this.deps.now();
    }
  }

  /** Group writes go through `wrap` from now on (a cluster node tells the other nodes of each). */
  storeThrough(wrap: (storage: GroupStorage) => GroupStorage): void {
    this.deps.storage = wrap(this.deps.storage);
  }

  private async readStorageAsync(): Promise<void> {
    const startedAt = this.adoptions;
    const storage = this.deps.storage;
    const scheduled = await storage.supportGroups({ status: GroupStatus.scheduled });
    const invites = await Promise.all(scheduled.map((g) => storage.groupInvites(g.groupId)));
    const gone = [...this.groups.keys()].filter(
      (id) => (this.adoptedAs.get(id) ?? 0) <= startedAt && !scheduled.some((g) => g.groupId === id),
    );
    const cancelled = new Set<string>();
    for (const clinicId of new Set(gone.map((id) => this.groups.get(id)?.plan.clinicId ?? ""))) {
      for (const g of await storage.supportGroups({ clinicId, status: GroupStatus.cancelled }))
        cancelled.add(g.groupId);
    }
    scheduled.forEach((group, n) => {
      if (!this.groups.has(group.groupId)) this.adopt(group);
      const list = this.invitations.get(group.groupId) ?? [];
      this.invitations.set(group.groupId, list);
      for (const stored of invites[n] ?? []) {
        const mine = list.find((i) => i.inviteId === stored.inviteId);
        if (!mine) list.push(stored);
        else if (mine.withdrawnAt === null) mine.withdrawnAt = stored.withdrawnAt;
        if (stored.withdrawnAt !== null) this.invites.withdraw(stored.inviteId);
      }
    });
    for (const groupId of gone) {
      if (!this.groups.has(groupId)) continue; // closed here meanwhile
      this.forget(groupId, cancelled.has(groupId) ? GroupCloseReason.cancelled : GroupCloseReason.ended);
      if (cancelled.has(groupId)) for (const listener of this.cancelListeners) listener(groupId);
    }
  }

  /** The clinic's patients the host may invite (names and ids only). */
  invitable(clinicId: string): readonly InvitablePatient[] {
    return this.deps.patients(clinicId);
  }

  get timeZone(): string {
    return this.deps.timeZone;
  }

  private adopt(group: StoredGroup): GroupRoom {
    const plan: GroupPlan = {
      groupId: group.groupId,
      title: group.title,
      startsAt: group.startsAt,
      agenda: group.agenda,
      hostStaffId: group.hostStaffId,
      hostName: group.hostName,
      clinicId: group.clinicId,
    };
    const room = new GroupRoom(plan, this.deps.now);
    this.groups.set(group.groupId, room);
    this.stored.set(group.groupId, group);
    this.adoptions += 1;
    this.adoptedAs.set(group.groupId, this.adoptions);
    return room;
  }

  /** Schedules a session; resolves once it is stored. */
  async scheduleAsync(
    plan: ScheduleGroup,
    host: { staffId: string; clinicId: string; name: string },
  ): Promise<GroupRoom> {
    const group: StoredGroup = {
      groupId: `g-${randomBytes(9).toString("base64url")}`,
      clinicId: host.clinicId,
      hostStaffId: host.staffId,
      hostName: host.name,
      title: plan.title,
      startsAt: plan.startsAt,
      timeZone: this.deps.timeZone,
      agenda: plan.agenda,
      status: GroupStatus.scheduled,
      createdAt: this.deps.now(),
      closedAt: null,
    };
    await this.deps.storage.saveSupportGroup(group);
    this.invitations.set(group.groupId, []);
    return this.adopt(group);
  }

  /** An upcoming group of this clinic, or null (another clinic's group is as good as none). */
  inClinic(groupId: string, clinicId: string): GroupRoom | null {
    const group = this.groups.get(groupId);
    return group && group.plan.clinicId === clinicId ? group : null;
  }

  /** Mints an invitation (for one of the clinic's patients, or a plain link) and stores it. */
  async inviteAsync(
    groupId: string,
    clinicId: string,
    patientId: string | null,
  ): Promise<
    { ok: true; inviteId: string; token: string; expiresAt: number } | { ok: false; reason: GroupRefusal }
  > {
    const group = this.inClinic(groupId, clinicId);
    if (!group) return { ok: false, reason: "not_found" };
    if (patientId !== null && !this.deps.patients(clinicId).some((p) => p.patientId === patientId))
      return { ok: false, reason: "unknown_patient" };
    // A session planned months ahead keeps its invitations working until it is over.
    const minted = this.invites.mint(groupId, inviteExpiryFor(group.plan));
    const stored: StoredGroupInvite = {
      inviteId: minted.inviteId,
      groupId,
      patientId,
      createdAt: this.deps.now(),
      expiresAt: minted.expiresAt,
      withdrawnAt: null,
    };
    await this.deps.storage.saveGroupInvite(stored);
    this.invitations.get(groupId)?.push(stored);
    return { ok: true, ...minted };
  }

  /** Withdraws an invitation now (the door closes at once) and resolves once that is stored. */
  async withdrawAsync(inviteId: string): Promise<void> {
    this.invites.withdraw(inviteId);
    const at = this.deps.now();
    for (const list of this.invitations.values()) {
      const found = list.find((i) => i.inviteId === inviteId);
      if (found && found.withdrawnAt === null) found.withdrawnAt = at;
    }
    await this.deps.storage.withdrawGroupInvite(inviteId, at);
  }

  /** A group's invitations for the host's page, with the links still usable. */
  invitationsOf(groupId: string, linkOf: (token: string) => string): GroupInvitation[] {
    const group = this.groups.get(groupId);
    if (!group) return [];
    const names = new Map(this.deps.patients(group.plan.clinicId).map((p) => [p.patientId, p.displayName]));
    const now = this.deps.now();
    return (this.invitations.get(groupId) ?? []).map((i) => {
      const withdrawn = i.withdrawnAt !== null;
      return {
        inviteId: i.inviteId,
        patientName: i.patientId === null ? null : (names.get(i.patientId) ?? "a former patient"),
        createdAt: i.createdAt,
        expiresAt: i.expiresAt,
        withdrawn,
        link:
          withdrawn || i.expiresAt <= now
            ? null
            : linkOf(this.invites.tokenFor(groupId, i.inviteId, i.expiresAt)),
      };
    });
  }

  /** Whether an invitation belongs to this group (so a host withdraws only their own group's). */
  hasInvitation(groupId: string, inviteId: string): boolean {
    return (this.invitations.get(groupId) ?? []).some((i) => i.inviteId === inviteId);
  }

  /** The session ended: stored as ended with the board the group agreed to keep (else no note at all). */
  async endAsync(groupId: string): Promise<void> {
    const group = this.groups.get(groupId);
    if (!group) return;
    this.forget(groupId, GroupCloseReason.ended);
    await this.deps.storage.closeSupportGroup(
      groupId,
      GroupStatus.ended,
      this.deps.now(),
      (group.archived ?? []).map((n) => ({ groupId, noteId: n.id, text: n.text, by: n.by, at: n.at })),
    );
  }

  /** The host cancelled the session: stored, then anyone in the circle is told and let go. */
  async cancelAsync(groupId: string): Promise<void> {
    if (!this.groups.has(groupId)) return;
    this.forget(groupId, GroupCloseReason.cancelled);
    await this.deps.storage.closeSupportGroup(groupId, GroupStatus.cancelled, this.deps.now(), []);
    for (const listener of this.cancelListeners) listener(groupId);
  }

  /** Called with a group's id once it is cancelled (the gateway closes its connections). */
  onCancelled(listener: (groupId: string) => void): void {
    this.cancelListeners.push(listener);
  }

  /** The most recently closed sessions (by when they closed), oldest first, as `forget` keeps them. */
  private async rememberClosuresAsync(): Promise<void> {
    const latestFirst = await this.deps.storage.recentlyClosedGroups(CLOSED_REMEMBERED);
    for (const group of latestFirst.reverse()) {
      const how =
        group.status === GroupStatus.cancelled ? GroupCloseReason.cancelled : GroupCloseReason.ended;
      this.closures.set(group.groupId, how);
    }
  }

  /** Why a session that is no longer upcoming closed (one of the last CLOSED_REMEMBERED to close). */
  closureOf(groupId: string): GroupClosure | null {
    return this.closures.get(groupId) ?? null;
  }

  /** Drops a closed session at once (no new handshake finds it) and remembers how it closed. */
  private forget(groupId: string, closure: GroupClosure): void {
    this.adoptedAs.delete(groupId);
    this.groups.delete(groupId);
    this.stored.delete(groupId);
    this.invitations.delete(groupId);
    this.closures.set(groupId, closure);
    if (this.closures.size > CLOSED_REMEMBERED) {
      const oldest = this.closures.keys().next().value;
      if (oldest !== undefined) this.closures.delete(oldest);
    }
  }

  get(groupId: string): GroupRoom | undefined {
    return this.groups.get(groupId);
  }

  all(): GroupRoom[] {
    return [...this.groups.values()];
  }

  /** The upcoming groups of one clinic, soonest first. */
  list(clinicId: string, linkOf: (groupId: string) => string): GroupSummary[] {
    const now = this.deps.now();
    return [...this.stored.values()]
      .filter((g) => g.clinicId === clinicId)
      .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt) || a.groupId.localeCompare(b.groupId))
      .map((g) => ({
        groupId: g.groupId,
        title: g.title,
        startsAt: g.startsAt,
        timeZone: g.timeZone,
        agenda: g.agenda,
        hostName: g.hostName,
        present: this.groups.get(g.groupId)?.room.people().length ?? 0,
        invited: (this.invitations.get(g.groupId) ?? []).filter(
          (i) => i.withdrawnAt === null && i.expiresAt > now,
        ).length,
        link: linkOf(g.groupId),
      }));
  }

  /** The clinic's last sessions whose group agreed to keep its notes, newest first. */
  async pastAsync(clinicId: string): Promise<PastGroup[]> {
    const ended = await this.deps.storage.supportGroups({ clinicId, status: GroupStatus.ended });
    const past: PastGroup[] = [];
    for (const g of ended.reverse()) {
      if (past.length >= PAST_SHOWN) break;
      const notes = await this.deps.storage.keptGroupNotes(g.groupId);
      if (notes.length === 0) continue;
      past.push({
        groupId: g.groupId,
        title: g.title,
        startsAt: g.startsAt,
        timeZone: g.timeZone,
        endedAt: g.closedAt ?? 0,
        keptNotes: notes.map((n) => ({ text: n.text, by: n.by, at: n.at })),
      });
    }
    return past;
  }
}
