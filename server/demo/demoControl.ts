/** HTTP-facing control of the one demo run: start (or join) it, read its state, step it. */
import type { DemoPasses } from "../auth/demoPass.ts";
import { type Clinic, ClinicId } from "../clinic.ts";
import type { PeopleServer } from "../handshake.ts";
import type { SessionRegistry } from "../sessionRegistry.ts";
import type { SoeService } from "../soe/soeService.ts";
import { DEMO_APPOINTMENT, type DemoDeps, DemoDirector, type DemoState } from "./demoDirector.ts";

/** The demo control over the live parts of a server: its story room, sessions and SOE service. */
export function demoControlFor(parts: {
  origin: string;
  secret: Buffer;
  clinic: Clinic;
  demoPasses: DemoPasses;
  io: PeopleServer;
  sessions: SessionRegistry;
  soe: SoeService;
}): DemoControl {
  const { clinic, io, sessions, soe } = parts;
  const story = () => sessions.forAppointment(DEMO_APPOINTMENT);
  return new DemoControl({
    origin: parts.origin,
    secret: parts.secret,
    clinic,
    demoPasses: parts.demoPasses,
    resetRoom: () => {
      const roomId = clinic.appointments.get(DEMO_APPOINTMENT)!.roomId;
      io.in(roomId).disconnectSockets(true);
      sessions.reset(DEMO_APPOINTMENT);
    },
    resetClinicAsync: async () => {
      for (const firmware of soe.quarantinedFirmware(ClinicId.demo)) {
        await soe.lift(ClinicId.demo, firmware, "The demo story starts again from the beginning.", "demo");
      }
    },
    procedure: () => story().room.getProcedure(),
    checkinPending: () => story().room.getComfort().checkinPending !== null,
    alarmIds: () =>
      story()
        .room.activeAlarms()
        .filter((a) => a.acknowledgedAt === undefined)
        .map((a) => a.id),
  });
}

export class DemoControl {
  private director: DemoDirector | null = null;

  constructor(private readonly deps: DemoDeps) {}

  /**
   * Joins the live run, or starts a fresh one: on `restart`, or when the last run failed or was a
   * step-by-step run that has finished (a new screen must not open on a frozen finish).
   */
  start(opts: { speed: number; stepByStep: boolean; restart: boolean }): DemoState {
    if (this.director && (opts.restart || !this.director.live)) {
      void this.director.stopAsync();
      this.director = null;
    }
    if (!this.director) {
      this.director = new DemoDirector(this.deps, {
        speed: Math.min(8, Math.max(0.25, opts.speed)),
        stepByStep: opts.stepByStep,
        loop: !opts.stepByStep,
      });
      void this.director.runAsync();
    }
    return this.director.state;
  }

  state(): DemoState | null {
    return this.director?.state ?? null;
  }

  next(): void {
    this.director?.next();
  }

  async stopAsync(): Promise<void> {
    await this.director?.stopAsync();
    this.director = null;
  }
}
