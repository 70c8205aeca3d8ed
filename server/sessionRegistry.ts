/**
 * Holds the live treatment sessions and connects them to the outside: room events go to the
 * room's sockets and the session history; poses are relayed as they arrive (server/poseRelay.ts)
 * with a keyframe a second, and telemetry is fanned out on a fixed tick.
 */
import { Ev, RATES } from "../shared/protocol.ts";
import { mulberry32 } from "../shared/random.ts";
import { AUDIENCE_ROLES } from "../shared/roles.ts";
import type { RuledReading } from "../shared/soe/alarmRules.ts";
import type { DropoutFinding } from "../shared/soe/plausibility.ts";
import type { Appointment, Clinic } from "./clinic.ts";
import type { PeopleServer } from "./handshake.ts";
import { createLogger } from "./log.ts";
import { BatchKind, mainThreadBusyShare, PoseRelay } from "./poseRelay.ts";
import { decodeSessionState } from "./roomState.ts";
import { RoomStateWriter, Urgency } from "./roomStateWriter.ts";
import { type SessionOptions, TreatmentSession } from "./session.ts";
import { PacketType } from "./socketIoParser.ts";
import { audienceRoom, careRoom } from "./socketRooms.ts";
import { DisplayPacer } from "./soe/displayStream.ts";
import type { SoeListener, SoeService } from "./soe/soeService.ts";
import type { Storage } from "./storage/storage.ts";

const log = createLogger("sessions");

export interface RegistryDeps {
  clinic: Clinic;
  storage: Storage;
  soe: SoeService;
  io: PeopleServer;
  now: () => number;
  /**
   * CHAIRSIDE_POSE_TICK_HZ: the rate poses are sent at. A room's pose batches are on average at
   * most POSE_BATCHES_PER_TICK times this rate (its outbound budget); within it each goes out at once.
   */
  poseTickHz: number;
}

/**
 * A room may send this many pose batches per pose tick before it batches (under load, or when its
 * members' frames are out of step): with 8 people at 72 Hz, two poses a batch on average. Each
 * batch costs the server and every receiver a message; 4 per tick keeps the server's CPU near the
 * old tick's (README-perf.md) while a quiet room never waits.
 */
export const POSE_BATCHES_PER_TICK = 4;
/** Batches a room may send at once (two client bursts in one frame both go at once). */
export const POSE_BATCH_BURST = 4;
/**
 * Packets a connection may have waiting in Engine.IO before it is sent no more poses (a pose
 * batch is one text packet since poses11, issue 11); it gets them again once it has caught up.
 */
export const POSE_BACKLOG_PACKETS = 8;

/**
 * How a relayed pose batch is broadcast: outside connection-state recovery, yet never dropped.
 *
 * With recovery on, the adapter keeps every broadcast event for its recovery window (and up to a
 * minute more, until its sweep) to replay it to a connection that comes back: at 10 rooms of 8 at
 * 72 Hz that was most of the server's memory (RSS 258 MB against 127 MB), and every reconnect
 * searched it. A stale pose is worth nothing on replay, since the next batch or the keyframe a
 * second (and a recovered connection's first pose batch) carries the newest. The adapter keeps
 * only packets whose `volatile` flag is absent (socket.io-adapter's `notVolatile` is
 * `flags.volatile === undefined`, in memory and in the cluster adapter alike), while delivery
 * drops a packet only when `volatile` is true and the transport is busy
 * (socket.io's `Client.writeToEngine`). `volatile: false` is both: kept out of the buffer, and
 * queued behind a write still in flight instead of dropped, which with a batch per turn and
 * TurnCorking would lose a fifth of the poses (measured in poses11). `server/poseRelay.test.ts`
 * and `tests/integration/poseRecovery.test.ts` hold both halves to it.
 */
export const POSE_BATCH_FLAGS = Object.freeze({ volatile: false });
/**
 * Ends a pose batch's arguments. Socket.IO's client takes any string in last place for the
 * recovery offset it asks to resume from (a recoverable packet ends with its offset): a batch (base64
 * text) in last place would become that offset, and the next reconnect could not be recovered.
 */
export const NOT_AN_OFFSET = 0;

/** Packets waiting to be written to a connection (Engine.IO's write buffer; not in its types). */
function backlogOf(socket: { conn: object } | undefined): number {
  const buffer = (socket?.conn as { writeBuffer?: unknown[] } | undefined)?.writeBuffer;
  return buffer?.length ?? 0;
}

/** How often every room sends all its poses again (a pose may be skipped or lost). */
export const POSE_KEYFRAME_EVERY_MS = 1000;

export class SessionRegistry {
  private readonly sessions = new Map<string, TreatmentSession>();
  private readonly writers = new Map<string, RoomStateWriter>();
  /** Last sequence number each room's event log reached, for rooms opened fresh. */
  private readonly seqFloor = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private seed = 20261124;
  /** Forwards poses as they arrive; the people gateway hands it each accepted pose. */
  readonly poses: PoseRelay;
  /** Sends stored readings to the care team as they come: `readingsDisplayHz` a second at most, burst 4. */
  private readonly readingsPacer = new DisplayPacer(RATES.readingsDisplayHz, 4, () => this.sendReadings());

  constructor(private readonly deps: RegistryDeps) {
    const { io } = deps;
    this.poses = new PoseRelay({
      now: deps.now,
      send: (roomId, batch, exceptSocketId, kind) => {
        const skip = new Set<string>();
        if (exceptSocketId !== null) skip.add(exceptSocketId);
        for (const id of io.sockets.adapter.rooms.get(roomId) ?? []) {
          if (backlogOf(io.sockets.sockets.get(id)) > POSE_BACKLOG_PACKETS) skip.add(id);
        }
        // Keyframes are kept for recovery (BatchKind says why), the rest not.
        if (kind === BatchKind.keyframe) {
          io.to(roomId)
            .except([...skip])
            .emit(Ev.poses, batch);
          return;
        }
        io.sockets.adapter.broadcast(
          { type: PacketType.EVENT, nsp: "/", data: [Ev.poses, batch, NOT_AN_OFFSET] },
          { rooms: new Set([roomId]), except: skip, flags: POSE_BATCH_FLAGS },
        );
      },
      endOfTurn: (task) => setImmediate(task),
      later: (task, ms) => setTimeout(task, ms),
      budget: {
        perSecond: deps.poseTickHz * POSE_BATCHES_PER_TICK,
        burst: POSE_BATCH_BURST,
        // A fully busy server sends a room's poses once a tick, as the old tick did
        underLoadPerSecond: deps.poseTickHz,
      },
      busyShare: mainThreadBusyShare(), // Its own work, not the machine's load
    });
  }

  forAppointment(appointmentId: string): TreatmentSession {
    const existing = this.sessions.get(appointmentId);
    if (existing) return existing;
    const appt = this.deps.clinic.appointments.get(appointmentId);
    if (!appt) throw new Error(`no appointment ${appointmentId}`);
    const session = new TreatmentSession(appt, this.sessionOptions(appt));
    // A fresh room whose log already went further (an older data folder, a reset) continues it.
    session.room.advanceSeq(this.seqFloor.get(appointmentId) ?? 0);
    return this.open(appt, session, 0);
  }

  /**
   * Brings back every room saved in storage, before any client can connect: the procedure, its
   * history, alarms, comfort and Otto as they were, people as reconnecting. A damaged row is
   * logged and that room starts fresh, its sequence still continuing from the event log.
   */
  async restoreAsync(): Promise<number> {
    let restored = 0;
    for (const appt of this.deps.clinic.appointments.values()) {
      const lastSeq = (await this.deps.storage.roomEvents(appt.roomId, 1)).at(-1)?.seq ?? 0;
      if (lastSeq > 0) this.seqFloor.set(appt.appointmentId, lastSeq);
    }
    for (const row of await this.deps.storage.roomStates()) {
      const appt = this.deps.clinic.appointments.get(row.appointmentId);
      if (!appt || appt.roomId !== row.roomId || this.sessions.has(appt.appointmentId)) {
        log.warn("saved room state has no appointment here", { roomId: row.roomId });
        continue;
      }
      const lastSeq = this.seqFloor.get(appt.appointmentId) ?? 0;
      const state = decodeSessionState(row.body);
      const session = state.ok
        ? TreatmentSession.fromState(appt, state.value, this.sessionOptions(appt), lastSeq)
        : state;
      if (session.ok) {
        this.open(appt, session.value, row.version);
        restored += 1;
        continue;
      }
      log.error("saved room state refused: the room starts fresh", {
        roomId: row.roomId,
        error: session.error.message,
      });
      const fresh = new TreatmentSession(appt, this.sessionOptions(appt));
      fresh.room.advanceSeq(lastSeq);
      this.open(appt, fresh, row.version);
    }
    if (restored > 0) log.info("rooms restored", { rooms: restored });
    return restored;
  }

  /** Writes every room's state now and stops writing (graceful shutdown). */
  async flushAllAsync(): Promise<void> {
    await Promise.all([...this.writers.values()].map((w) => w.closeAsync()));
  }

  private sessionOptions(appt: Appointment): SessionOptions {
    const { storage, soe, now } = this.deps;
    return {
      now,
      rand: mulberry32(this.seed++),
      ports: {
        saveAlarm: (alarm) => void storage.saveAlarm(appt.roomId, alarm).catch(logFailure("save alarm")),
        readingsSince: (sinceMs) => storage.recentReadings(appt.patientId, sinceMs, 20_000),
        quarantine: (request, by) => soe.quarantine(appt.clinicId, request, by),
        lift: (firmware, reason, by) => soe.lift(appt.clinicId, firmware, reason, by),
        audit: (who, action, why) =>
          void storage
            // The trail names the patient and room of every in-room read
            .audit({
              at: now(),
              who,
              action,
              subject: appt.patientId,
              why,
              patientId: appt.patientId,
              roomId: appt.roomId,
            })
            .catch(logFailure("audit")),
        flushState: () => this.writers.get(appt.appointmentId)?.flushAsync() ?? Promise.resolve(),
      },
    };
  }

  private open(appt: Appointment, session: TreatmentSession, lastVersion: number): TreatmentSession {
    const { storage, soe, io, now } = this.deps;
    const writer = new RoomStateWriter({
      roomId: appt.roomId,
      appointmentId: appt.appointmentId,
      snapshot: () => session.toState(),
      save: (row) => storage.saveRoomState(row),
      now,
      lastVersion,
    });
    this.writers.set(appt.appointmentId, writer);
    session.room.onEvent((event) => {
      // Each role gets its own form of every event (a placeholder where it may see nothing), so
      // nobody sees more than shared/access.ts grants and every sequence stays gap-free.
      // A role with nobody connected is skipped: projecting, encoding and framing an event for an
      // empty Socket.IO room costs the same as for a full one (in a crowd of observers, three of
      // the four forms of every join went nowhere). A member of that role who connects later gets
      // the welcome snapshot, and any gap in the sequence is theirs to fill from a snapshot.
      for (const role of AUDIENCE_ROLES) {
        const audience = audienceRoom(appt.roomId, role);
        if (!io.sockets.adapter.rooms.get(audience)?.size) continue;
        io.to(audience).emit(Ev.roomEvent, session.eventFor(role, event));
      }
      void storage.appendRoomEvent(appt.roomId, event).catch(logFailure("append room event"));
      const safety = event.body.type === "procedure" || event.body.type === "alarm";
      writer.markDirty(safety ? Urgency.safety : Urgency.event);
    });
    for (const device of this.deps.clinic.devices.values()) {
      if (device.patientId === appt.patientId) session.upsertDevice(soe.deviceView(device));
    }
    // Firmware state belongs to the clinic (SoeService), not the room: loaded fresh on every open.
    session.room.loadFirmware(soe.quarantinedFirmware(appt.clinicId), soe.firmwareHistory(appt.clinicId));
    // A new room is written at once, so a restart finds it even if nothing else happens in it.
    writer.markDirty(Urgency.event);
    this.sessions.set(appt.appointmentId, session);
    log.info("session opened", { appointmentId: appt.appointmentId, roomId: appt.roomId });
    return session;
  }

  /** Closes a session so the next join starts a fresh one (the demo does this each loop). */
  reset(appointmentId: string): void {
    const closing = this.sessions.get(appointmentId);
    if (closing) this.seqFloor.set(appointmentId, closing.room.lastSeq);
    this.sessions.delete(appointmentId);
    if (closing) this.poses.forget(closing.appointment.roomId);
    this.writers.get(appointmentId)?.discard();
    this.writers.delete(appointmentId);
    const roomId = this.deps.clinic.appointments.get(appointmentId)?.roomId;
    if (roomId) void this.deps.storage.deleteRoomState(roomId).catch(logFailure("delete room state"));
  }

  // A node opens only the rooms whose lease it holds, one at a time.
  /** Opens one room from its saved state, or fresh continuing its event log (this node just took its lease). */
  async restoreRoomAsync(appointmentId: string): Promise<TreatmentSession> {
    const appt = this.deps.clinic.appointments.get(appointmentId);
    if (!appt) throw new Error(`no appointment ${appointmentId}`);
    this.release(appointmentId);
    const lastSeq = (await this.deps.storage.roomEvents(appt.roomId, 1)).at(-1)?.seq ?? 0;
    this.seqFloor.set(appointmentId, Math.max(lastSeq, this.seqFloor.get(appointmentId) ?? 0));
    const row = (await this.deps.storage.roomStates()).find(
      (r) => r.appointmentId === appointmentId && r.roomId === appt.roomId,
    );
    const state = row ? decodeSessionState(row.body) : null;
    const restored = state?.ok
      ? TreatmentSession.fromState(appt, state.value, this.sessionOptions(appt), lastSeq)
      : null;
    if (restored?.ok && row) return this.open(appt, restored.value, row.version);
    if (row) log.error("saved room state refused: the room starts fresh", { roomId: appt.roomId });
    const fresh = new TreatmentSession(appt, this.sessionOptions(appt));
    fresh.room.advanceSeq(lastSeq);
    return this.open(appt, fresh, row?.version ?? 0);
  }

  /** Forgets a room without writing anything (its lease is lost: another node may own it now). */
  release(appointmentId: string): void {
    this.writers.get(appointmentId)?.discard();
    this.writers.delete(appointmentId);
    this.sessions.delete(appointmentId);
  }

  /** Whether this node has the room open. */
  has(appointmentId: string): boolean {
    return this.sessions.has(appointmentId);
  }

  /** Sessions whose patient is this one (readings go to each of them). */
  forPatient(patientId: string): TreatmentSession[] {
    return [...this.sessions.values()].filter((s) => s.appointment.patientId === patientId);
  }

  all(): TreatmentSession[] {
    return [...this.sessions.values()];
  }

  /** Sessions of one clinic (clinic-wide events such as quarantines reach only these). */
  forClinic(clinicId: string): TreatmentSession[] {
    return [...this.sessions.values()].filter((s) => s.appointment.clinicId === clinicId);
  }

  /** What the SOE service tells the rooms: readings, dropouts, devices, clinic-wide firmware actions. */
  soeListener(): SoeListener {
    return {
      onReadings: (patientId, readings) => this.onReadings(patientId, readings),
      onDropouts: (patientId, findings) => this.onDropouts(patientId, findings),
      onDevice: (patientId, device) => {
        for (const s of this.forPatient(patientId)) s.upsertDevice(device);
      },
      onFirmwareAction: (clinicId, action) => {
        for (const s of this.forClinic(clinicId)) s.room.applyFirmwareAction(action);
      },
      onSeqConflict: (patientId, device, seq) => {
        for (const s of this.forPatient(patientId)) s.onSeqConflict(device.deviceId, device.tooth, seq);
      },
    };
  }

  onReadings(patientId: string, readings: readonly RuledReading[]): void {
    this.readingsPacer.request(); // the service put them on its display stream
    for (const s of this.forPatient(patientId)) {
      s.onReadings(readings);
      // Readings teach the alarm engine and the check-in trigger even when no event follows.
      this.writers.get(s.appointment.appointmentId)?.markDirty(Urgency.readings);
    }
  }

  onDropouts(patientId: string, findings: readonly DropoutFinding[]): void {
    for (const s of this.forPatient(patientId)) s.onDropouts(findings);
  }

  start(): void {
    const { soe } = this.deps;
    this.timers.push(
      setInterval(
        () =>
          this.poses.keyframe(
            [...this.sessions.values()].map((s) => ({ roomId: s.appointment.roomId, room: s.room })),
          ),
        POSE_KEYFRAME_EVERY_MS,
      ),
      setInterval(() => {
        soe.tick();
        for (const s of this.sessions.values()) s.tick();
      }, 1000),
    );
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    this.readingsPacer.stop();
  }

  /** The readings waiting on the SOE service's display stream, to each of their patient's care rooms. */
  private sendReadings(): void {
    for (const [patientId, readings] of this.deps.soe.display.take()) {
      for (const s of this.forPatient(patientId))
        this.deps.io.to(careRoom(s.appointment.roomId)).emit(Ev.readings, { readings });
    }
  }
}

function logFailure(what: string): (error: unknown) => void {
  return (error) => log.error(`${what} failed`, { error: String(error) });
}
