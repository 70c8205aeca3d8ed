/**
 * One treatment room, as pure state: members and their roles, latest poses, Otto's entity, the
 * shared session state, and the sequence-numbered stream of reliable events. No sockets and no
 * timers here: the clock is injected and the Socket.IO adapter forwards what this emits.
 */

import { type Alarm, isTeamChecking } from "../shared/alarms.ts";
import type { HeardWords } from "../shared/feelings.ts";
import { OttoState } from "../shared/otto.ts";
import { isValidPoseBytes } from "../shared/poseCodec.ts";
import type { ProcedureTransition, ProcedureView } from "../shared/procedure/types.ts";
import {
  AnxietyPathway,
  type AppointmentView,
  type ComfortView,
  ConnectionState,
  type DeviceView,
  type FirmwareAction,
  type MemberView,
  type OttoView,
  PROTOCOL_VERSION,
  RATES,
  type RoomEvent,
  type RoomEventBody,
  type RoomSnapshot,
  Surroundings,
} from "../shared/protocol.ts";
import { Role } from "../shared/roles.ts";

export const OTTO_MEMBER_ID = "otto";
/** Slot 0 is Otto's; people get 1..255. */
const MAX_SLOT = 255;

export interface JoinRequest {
  personId: string;
  displayName: string;
  role: Role;
}

export type JoinOutcome =
  | { ok: true; member: MemberView; rejoined: boolean }
  | { ok: false; reason: "room_full" };

interface LiveMember extends MemberState {
  pose: Uint8Array | null;
  poseDirty: boolean;
}

export interface RoomOptions {
  now: () => number;
  rejoinWindowMs?: number;
}

/** A person in the room as kept across a restart (poses are not kept: they are stale at once). */
export interface MemberState {
  view: MemberView;
  /** When the connection was lost, or null while connected. */
  droppedAt: number | null;
}

/** Everything a room knows, as plain structured-clonable data (Otto's own member excluded). */
export interface RoomState {
  seq: number;
  members: MemberState[];
  otto: OttoView;
  procedure: ProcedureView | null;
  comfort: ComfortView;
  /** Listed alarms: active, or cleared but not yet acknowledged. */
  alarms: Alarm[];
  devices: DeviceView[];
}

export function initialComfort(): ComfortView {
  return {
    mdasScore: null,
    pathway: AnxietyPathway.standard,
    surroundings: Surroundings.clinic,
    breathingCoach: false,
    checkinPending: null,
    lastCheckin: null,
    heartRateBaseline: null,
  };
}

export class Room {
  readonly appointment: AppointmentView;
  private readonly now: () => number;
  private readonly rejoinWindowMs: number;
  private readonly members = new Map<string, LiveMember>();
  private seq = 0;
  private otto: OttoView = { state: OttoState.idle, lookAt: null, lastUtterance: null };
  private procedure: ProcedureView | null = null;
  private comfort: ComfortView = initialComfort();
  private readonly alarms = new Map<string, Alarm>();
  private readonly devices = new Map<string, DeviceView>();
  private readonly quarantinedFirmware = new Set<string>();
  private readonly firmwareHistory: FirmwareAction[] = [];
  private readonly listeners = new Set<(event: RoomEvent) => void>();
  /** Everyone who has been in the room: an opaque alias and the role, kept after they leave. */
  private readonly directory = new Map<string, { alias: string; role: Role }>();
  /** The calm cue as last announced, so `team_checking` is emitted only on a change. */
  private teamChecking = false;

  constructor(appointment: AppointmentView, opts: RoomOptions) {
    // Only the view's fields: an Appointment passed in also holds the staff list and patient id,
    // which would otherwise travel in every snapshot.
    this.appointment = {
      appointmentId: appointment.appointmentId,
      roomId: appointment.roomId,
      patientName: appointment.patientName,
      clinicianName: appointment.clinicianName,
      scheduledAt: appointment.scheduledAt,
    };
    this.now = opts.now;
    this.rejoinWindowMs = opts.rejoinWindowMs ?? RATES.rejoinWindowMs;
    this.members.set(OTTO_MEMBER_ID, {
      view: {
        memberId: OTTO_MEMBER_ID,
        personId: OTTO_MEMBER_ID,
        displayName: "Otto",
        role: Role.otto,
        connection: ConnectionState.connected,
        slot: 0,
      },
      droppedAt: null,
      pose: null,
      poseDirty: false,
    });
  }

  /**
   * The room as plain data, for `restoreState`. Otto, the procedure and comfort are shared, not
   * copied: the room replaces those values on each change and never edits one in place.
   */
  toState(): RoomState {
    return {
      seq: this.seq,
      members: this.people().map((view) => ({
        view: { ...view },
        droppedAt: this.members.get(view.memberId)!.droppedAt,
      })),
      otto: this.otto,
      procedure: this.procedure,
      comfort: this.comfort,
      alarms: this.activeAlarms().map((a) => ({ ...a })),
      devices: this.getDevices().map((d) => ({ ...d })),
    };
  }

  /**
   * Continues a room from `toState()` after a restart, emitting nothing (no one is connected
   * yet). Every person comes back as reconnecting: their rejoin window runs from now, or from
   * when they had already dropped, and `expireDropped` removes them like any dropped member.
   * The sequence continues from `minSeq` if the event log got further than the saved state.
   */
  restoreState(state: RoomState, minSeq = 0): void {
    const now = this.now();
    this.advanceSeq(Math.max(state.seq, minSeq));
    for (const m of state.members) {
      if (m.view.role === Role.otto) continue;
      const view = { ...m.view, connection: ConnectionState.reconnecting };
      this.members.set(view.memberId, { view, droppedAt: m.droppedAt ?? now, pose: null, poseDirty: false });
    }
    this.otto = structuredClone(state.otto);
    this.procedure = structuredClone(state.procedure);
    this.comfort = structuredClone(state.comfort);
    for (const a of state.alarms) this.alarms.set(a.id, { ...a });
    this.teamChecking = isTeamChecking(this.activeAlarms(), this.procedure);
    for (const d of state.devices) this.devices.set(d.deviceId, { ...d });
  }

  /** Continues the sequence after `minSeq` (a fresh room whose event log already went that far). */
  advanceSeq(minSeq: number): void {
    this.seq = Math.max(this.seq, minSeq);
  }

  /** Subscribe to reliable events; returns the unsubscribe function. */
  onEvent(listener: (event: RoomEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get lastSeq(): number {
    return this.seq;
  }

  /** People in the room (Otto excluded). */
  people(): MemberView[] {
    return [...this.members.values()].filter((m) => m.view.role !== Role.otto).map((m) => m.view);
  }

  /** Whether any person (not Otto) is in the room; cheap enough for the pose tick. */
  hasPeople(): boolean {
    return this.members.size > 1;
  }

  member(memberId: string): MemberView | undefined {
    return this.members.get(memberId)?.view;
  }

  /** A person joins, or comes back as the same member (no ghost) if they were dropped or are connected elsewhere. */
  join(req: JoinRequest): JoinOutcome {
    const memberId = `m-${req.personId}`;
    const existing = this.members.get(memberId);
    if (existing) {
      existing.droppedAt = null;
      existing.view = { ...existing.view, connection: ConnectionState.connected };
      this.emit({ type: "member_updated", member: existing.view });
      return { ok: true, member: existing.view, rejoined: true };
    }
    const slot = this.freeSlot();
    if (slot === null) return { ok: false, reason: "room_full" };
    const view: MemberView = {
      memberId,
      personId: req.personId,
      displayName: req.displayName,
      role: req.role,
      connection: ConnectionState.connected,
      slot,
    };
    this.members.set(memberId, { view, droppedAt: null, pose: null, poseDirty: false });
    this.remember(view);
    this.emit({ type: "member_joined", member: view });
    return { ok: true, member: view, rejoined: false };
  }

  /** The connection was lost without a goodbye: keep the member for the rejoin window. */
  drop(memberId: string): void {
    const m = this.members.get(memberId);
    if (!m || m.view.role === Role.otto || m.droppedAt !== null) return;
    m.droppedAt = this.now();
    m.view = { ...m.view, connection: ConnectionState.reconnecting };
    m.poseDirty = false;
    this.emit({ type: "member_updated", member: m.view });
  }

  /** The member left on purpose, or their rejoin window ran out. */
  leave(memberId: string, reason: string): void {
    const m = this.members.get(memberId);
    if (!m || m.view.role === Role.otto) return;
    this.members.delete(memberId);
    this.emit({ type: "member_left", memberId, reason });
  }

  /** Removes members whose rejoin window has passed. Call from a timer. */
  expireDropped(): string[] {
    const now = this.now();
    const expired: string[] = [];
    for (const m of this.members.values()) {
      if (m.droppedAt !== null && now - m.droppedAt >= this.rejoinWindowMs) expired.push(m.view.memberId);
    }
    for (const id of expired) this.leave(id, "did not come back in time");
    return expired;
  }

  /** Stores a member's latest pose. Returns false (and changes nothing) for bytes that are not a pose. */
  setPose(memberId: string, bytes: unknown): boolean {
    const m = this.members.get(memberId);
    if (!m || m.droppedAt !== null || !isValidPoseBytes(bytes)) return false;
    const copy = bytes instanceof Uint8Array ? bytes.slice() : new Uint8Array(bytes.slice(0));
    m.pose = copy;
    m.poseDirty = true;
    return true;
  }

  /**
   * Poses for this tick's batched volatile broadcast: those that changed since the last tick, or
   * every pose on a keyframe. Volatile packets can be lost, so a periodic keyframe lets a viewer
   * converge on members who have stopped moving.
   */
  takePoseBatch(keyframe: boolean): { slot: number; bytes: Uint8Array }[] {
    if (keyframe) {
      for (const m of this.members.values()) m.poseDirty = false;
      return this.allPoses();
    }
    return this.takeDirtyPoses();
  }

  /** Poses that changed since the last tick. */
  takeDirtyPoses(): { slot: number; bytes: Uint8Array }[] {
    const out: { slot: number; bytes: Uint8Array }[] = [];
    for (const m of this.members.values()) {
      if (m.poseDirty && m.pose) {
        out.push({ slot: m.view.slot, bytes: m.pose });
        m.poseDirty = false;
      }
    }
    return out;
  }

  /** Every known pose, for a late joiner's first frame. */
  allPoses(): { slot: number; bytes: Uint8Array }[] {
    const out: { slot: number; bytes: Uint8Array }[] = [];
    for (const m of this.members.values())
      if (m.pose && m.droppedAt === null) out.push({ slot: m.view.slot, bytes: m.pose });
    return out;
  }

  setOtto(otto: OttoView): void {
    this.otto = otto;
    this.emit({ type: "otto", otto });
  }

  getOtto(): OttoView {
    return this.otto;
  }

  setProcedure(procedure: ProcedureView | null, transition: ProcedureTransition | null): void {
    this.procedure = procedure;
    this.emit({ type: "procedure", procedure, transition });
    this.announceTeamChecking();
  }

  getProcedure(): ProcedureView | null {
    return this.procedure;
  }

  setComfort(comfort: ComfortView): void {
    this.comfort = comfort;
    this.emit({ type: "comfort", comfort });
  }

  getComfort(): ComfortView {
    return this.comfort;
  }

  recordCheckin(score: number, by: string): void {
    this.emit({ type: "checkin", score, by });
  }

  // What the patient said to Otto goes into the room's history
  recordHeard(heard: HeardWords): void {
    this.emit({ type: "otto_heard", heard });
  }

  upsertAlarm(alarm: Alarm): void {
    this.alarms.set(alarm.id, alarm);
    this.emit({ type: "alarm", alarm });
    this.announceTeamChecking();
  }

  /** The calm cue follows alarms AND the procedure (only after Start, only while it is held). */
  private announceTeamChecking(): void {
    const checking = isTeamChecking(this.activeAlarms(), this.procedure);
    if (checking !== this.teamChecking) {
      this.teamChecking = checking;
      this.emit({ type: "team_checking", checking });
    }
  }

  /** Alarms still worth showing: active, or cleared but not yet acknowledged. */
  activeAlarms(): Alarm[] {
    return [...this.alarms.values()].filter(
      (a) => a.clearedAt === undefined || a.acknowledgedAt === undefined,
    );
  }

  upsertDevice(device: DeviceView): void {
    this.devices.set(device.deviceId, device);
    this.emit({ type: "device", device });
  }

  getDevices(): DeviceView[] {
    return [...this.devices.values()];
  }

  /** The clinic's firmware state as the room opens: part of the snapshot, no event. */
  loadFirmware(quarantined: readonly string[], history: readonly FirmwareAction[]): void {
    this.quarantinedFirmware.clear();
    for (const firmware of quarantined) this.quarantinedFirmware.add(firmware);
    this.firmwareHistory.length = 0;
    this.firmwareHistory.push(...history);
  }

  /** A quarantine or a lift in this room's clinic. */
  applyFirmwareAction(action: FirmwareAction): void {
    this.firmwareHistory.push(action);
    const { firmware, by, reason } = action;
    if (action.action === "quarantine") {
      this.quarantinedFirmware.add(firmware);
      const { since, retracted } = action;
      this.emit({ type: "firmware_quarantined", firmware, since, by, reason, retracted });
    } else {
      this.quarantinedFirmware.delete(firmware);
      this.emit({ type: "firmware_lifted", firmware, by, reason });
    }
  }

  /** The room as it is now, for a late joiner or a client that saw a gap in the sequence. */
  snapshot(forMemberId: string): RoomSnapshot {
    return {
      protocolVersion: PROTOCOL_VERSION,
      appointment: this.appointment,
      you: forMemberId,
      seq: this.seq,
      members: [...this.members.values()].map((m) => m.view),
      otto: this.otto,
      procedure: this.procedure,
      comfort: this.comfort,
      alarms: this.activeAlarms(),
      teamChecking: isTeamChecking(this.activeAlarms(), this.procedure),
      devices: this.getDevices(),
      quarantinedFirmware: [...this.quarantinedFirmware],
      firmwareHistory: [...this.firmwareHistory],
      serverTime: this.now(),
    };
  }

  /**
   * A stable, opaque name for a member ("member-3"), for audiences that may not see who is who;
   * Otto keeps its own. Stays the same across rejoins and after the member left.
   */
  aliasOf(memberId: string): string {
    return this.known(memberId)?.alias ?? "member-unknown";
  }

  /** The role a member has, or had if they left; null for an id never seen here. */
  roleOf(memberId: string): Role | null {
    return this.known(memberId)?.role ?? null;
  }

  private known(memberId: string): { alias: string; role: Role } | undefined {
    const entry = this.directory.get(memberId);
    if (entry) return entry;
    const member = this.members.get(memberId);
    return member ? this.remember(member.view) : undefined;
  }

  private remember(view: MemberView): { alias: string; role: Role } {
    const existing = this.directory.get(view.memberId);
    if (existing) return existing;
    const alias = view.role === Role.otto ? view.memberId : `member-${this.directory.size + 1}`;
    const entry = { alias, role: view.role };
    this.directory.set(view.memberId, entry);
    return entry;
  }

  private emit(body: RoomEventBody): RoomEvent {
    this.seq += 1;
    const event: RoomEvent = { seq: this.seq, at: this.now(), body };
    for (const listener of this.listeners) listener(event);
    return event;
  }

  private freeSlot(): number | null {
    const used = new Set([...this.members.values()].map((m) => m.view.slot));
    for (let s = 1; s <= MAX_SLOT; s++) if (!used.has(s)) return s;
    return null;
  }
}
