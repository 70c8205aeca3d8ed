/**
 * Holds the live treatment sessions and connects them to the outside: room events go to the
 * room's sockets and the session history; poses and telemetry are fanned out on fixed ticks.
 */
import { encodeBatch } from "../shared/poseCodec.ts";
import { Ev, RATES } from "../shared/protocol.ts";
import { mulberry32 } from "../shared/random.ts";
import type { RuledReading } from "../shared/soe/alarmRules.ts";
import type { DropoutFinding } from "../shared/soe/plausibility.ts";
import type { Clinic } from "./clinic.ts";
import type { PeopleServer } from "./handshake.ts";
import { createLogger } from "./log.ts";
import { TreatmentSession } from "./session.ts";
import type { SoeService } from "./soe/soeService.ts";
import type { Storage } from "./storage/storage.ts";

const log = createLogger("sessions");

/** Socket.IO room for the care team of a treatment room (telemetry goes only there). */
export function careRoom(roomId: string): string {
  return `${roomId}:care`;
}

export interface RegistryDeps {
  clinic: Clinic;
  storage: Storage;
  soe: SoeService;
  io: PeopleServer;
  now: () => number;
  poseTickHz: number;
}

export class SessionRegistry {
  private readonly sessions = new Map<string, TreatmentSession>();
  private timers: NodeJS.Timeout[] = [];
  private tickCount = 0;
  private seed = 20261124;

  constructor(private readonly deps: RegistryDeps) {}

  forAppointment(appointmentId: string): TreatmentSession {
    const existing = this.sessions.get(appointmentId);
    if (existing) return existing;
    const appt = this.deps.clinic.appointments.get(appointmentId);
    if (!appt) throw new Error(`no appointment ${appointmentId}`);
    const { storage, soe, io, now } = this.deps;
    const session = new TreatmentSession(appt, {
      now,
      rand: mulberry32(this.seed++),
      ports: {
        saveAlarm: (alarm) => void storage.saveAlarm(appt.roomId, alarm).catch(logFailure("save alarm")),
        readingsSince: (sinceMs) => storage.recentReadings(appt.patientId, sinceMs, 20_000),
        quarantine: (firmware, since, by) => soe.quarantine(firmware, since, by),
        audit: (who, action, why) =>
          void storage
            .audit({ at: now(), who, action, subject: appt.patientId, why })
            .catch(logFailure("audit")),
      },
    });
    session.room.onEvent((event) => {
      io.to(appt.roomId).emit(Ev.roomEvent, event);
      void storage.appendRoomEvent(appt.roomId, event).catch(logFailure("append room event"));
    });
    for (const device of this.deps.clinic.devices.values()) {
      if (device.patientId === appt.patientId) session.upsertDevice(soe.deviceView(device));
    }
    for (const firmware of soe.quarantinedFirmware()) session.room.markQuarantined(firmware, 0, "server", 0);
    this.sessions.set(appointmentId, session);
    log.info("session opened", { appointmentId, roomId: appt.roomId });
    return session;
  }

  /** Closes a session so the next join starts a fresh one (the demo does this each loop). */
  reset(appointmentId: string): void {
    this.sessions.delete(appointmentId);
  }

  /** Sessions whose patient is this one (readings go to each of them). */
  forPatient(patientId: string): TreatmentSession[] {
    return [...this.sessions.values()].filter((s) => s.appointment.patientId === patientId);
  }

  all(): TreatmentSession[] {
    return [...this.sessions.values()];
  }

  onReadings(patientId: string, readings: readonly RuledReading[]): void {
    for (const s of this.forPatient(patientId)) s.onReadings(readings);
  }

  onDropouts(patientId: string, findings: readonly DropoutFinding[]): void {
    for (const s of this.forPatient(patientId)) s.onDropouts(findings);
  }

  start(): void {
    const { io, now, poseTickHz, soe } = this.deps;
    const keyframeEvery = poseTickHz; // one keyframe a second
    this.timers.push(
      setInterval(() => {
        const keyframe = this.tickCount++ % keyframeEvery === 0;
        for (const s of this.sessions.values()) {
          if (!s.room.hasPeople()) continue;
          const entries = s.room.takePoseBatch(keyframe);
          if (entries.length === 0 && !keyframe) continue;
          io.to(s.appointment.roomId).volatile.emit(Ev.poses, encodeBatch(now(), s.room.lastSeq, entries));
        }
      }, 1000 / poseTickHz),
      setInterval(() => {
        for (const [patientId, readings] of soe.display.take()) {
          for (const s of this.forPatient(patientId))
            io.to(careRoom(s.appointment.roomId)).emit(Ev.readings, { readings });
        }
      }, 1000 / RATES.readingsDisplayHz),
      setInterval(() => {
        soe.tick();
        for (const s of this.sessions.values()) s.tick();
      }, 1000),
    );
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }
}

function logFailure(what: string): (error: unknown) => void {
  return (error) => log.error(`${what} failed`, { error: String(error) });
}
