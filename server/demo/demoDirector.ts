/**
 * The self-running demo of the Chairside story, for flat screens. Simulated participants (Dr. Ray,
 * Noah, Julian) and simulated SOEs drive a real session through the same server and protocol as
 * real users. Acts run in order, deterministically, in a loop or one step at a time. Everything it
 * touches belongs to the demo clinic (its own patients, devices and firmware list), so its
 * quarantine and alarms never reach a real clinic's rooms or data.
 */

import { SimRunner } from "../../devices/simRunner.ts";
import { FaultMode } from "../../devices/simulator.ts";
import { PatientQuestion } from "../../shared/otto.ts";
import { ProcedureStatus, type ProcedureView, StepKind } from "../../shared/procedure/types.ts";
import { Ev, type FirmwareQuarantinePayload, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import type { InviteRole } from "../../shared/roles.ts";
import type { DemoPasses } from "../auth/demoPass.ts";
import { BETA_FIRMWARE, type Clinic, ClinicId, type PairedDevice, STABLE_FIRMWARE } from "../clinic.ts";
import { createLogger } from "../log.ts";
import { deviceKey } from "../tokens.ts";
import { demoPose } from "./demoPoses.ts";
import { SimParticipant } from "./simParticipant.ts";

const log = createLogger("demo");
export const DEMO_APPOINTMENT = "demo";
const DEMO_PATIENT = "julian-demo";

/** The demo's devices: its patient's, in the demo clinic only. */
export function demoDevices(clinic: Clinic): PairedDevice[] {
  const appt = clinic.appointments.get(DEMO_APPOINTMENT);
  // A broken seed, not an expected failure: the demo must never run on a real clinic's records.
  if (appt?.clinicId !== ClinicId.demo) throw new Error("the demo appointment is not in the demo clinic");
  return [...clinic.devices.values()].filter(
    (d) => d.clinicId === ClinicId.demo && d.patientId === appt.patientId,
  );
}

export interface DemoState {
  loop: number;
  act: number;
  actCount: number;
  title: string;
  detail: string;
  status: "starting" | "running" | "waiting_for_next" | "finished" | "failed";
  stepByStep: boolean;
}

export interface DemoDeps {
  origin: string;
  secret: Buffer;
  clinic: Clinic;
  demoPasses: DemoPasses;
  /** Clears the demo room so each loop starts fresh. */
  resetRoom: () => void;
  /** Lifts the demo clinic's quarantines from the loop before, so each loop starts from a clean clinic. */
  resetClinicAsync: () => Promise<void>;
  procedure: () => ProcedureView | null;
  checkinPending: () => boolean;
  alarmIds: () => string[];
}

const ACTS = [
  "Julian's procedure starts",
  "Otto narrates",
  "A beta firmware update makes Julian's SOEs malfunction",
  "The safety interlock stops the automated step",
  "Dr. Ray is alerted and takes over",
  "Julian signals stop; Otto and the breathing coach calm him",
  "The session finishes safely",
] as const;

export class DemoDirector {
  readonly state: DemoState;
  private people: SimParticipant[] = [];
  private sim: SimRunner | null = null;
  private advance: (() => void) | null = null;
  private stopped = false;

  constructor(
    private readonly deps: DemoDeps,
    private readonly opts: { speed: number; stepByStep: boolean; loop: boolean },
  ) {
    this.state = {
      loop: 0,
      act: 0,
      actCount: ACTS.length,
      title: "Getting the room ready",
      detail: "",
      status: "starting",
      stepByStep: opts.stepByStep,
    };
  }

  /** In step-by-step mode: run the next act. */
  next(): void {
    this.advance?.();
  }

  /**
   * Whether a new screen should join this run rather than start another: a looping run always is;
   * a step-by-step run only until it has finished (or failed), after which `/demo` starts afresh.
   */
  get live(): boolean {
    if (this.stopped) return false;
    if (this.state.status === "failed") return false;
    return this.opts.loop || this.state.status !== "finished";
  }

  async runAsync(): Promise<void> {
    do {
      try {
        await this.playOnceAsync();
      } catch (error) {
        this.state.status = "failed";
        this.state.detail = error instanceof Error ? error.message : String(error);
        log.error("demo failed", { error: this.state.detail });
        await this.teardownAsync();
      }
      // The people stay in the room at the finish (the screen shows them, and Otto's last words
      // still have someone to be addressed to); the next loop or a stop sends them home.
      if (this.opts.loop && !this.stopped) await this.wait(12_000);
    } while (this.opts.loop && !this.stopped);
  }

  async stopAsync(): Promise<void> {
    this.stopped = true;
    this.advance?.();
    await this.teardownAsync();
  }

  private wait(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms / this.opts.speed));
  }

  private async untilAsync(what: string, test: () => boolean, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!test()) {
      if (this.stopped) throw new Error("demo stopped");
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async actAsync(index: number, detail: string): Promise<void> {
    if (this.opts.stepByStep && index > 0) {
      this.state.status = "waiting_for_next";
      await new Promise<void>((resolve) => {
        this.advance = resolve;
      });
      this.advance = null;
    }
    this.state.act = index + 1;
    this.state.title = ACTS[index]!;
    this.state.detail = detail;
    this.state.status = "running";
    log.info("demo act", { act: index + 1 });
  }

  private async join(role: InviteRole): Promise<SimParticipant> {
    const { pass } = this.deps.demoPasses.mint(DEMO_APPOINTMENT, role)!;
    const person = new SimParticipant(this.deps.origin, {
      protocolVersion: PROTOCOL_VERSION,
      appointmentId: DEMO_APPOINTMENT,
      pass,
    });
    this.people.push(person);
    return person.joinedAsync();
  }

  private async playOnceAsync(): Promise<void> {
    this.state.loop += 1;
    this.state.status = "starting";
    this.state.act = 0;
    this.state.title = "Getting the room ready";
    this.state.detail = "";
    await this.teardownAsync();
    await this.deps.resetClinicAsync();
    this.deps.resetRoom();
    const devices = demoDevices(this.deps.clinic);
    this.sim = new SimRunner({
      url: this.deps.origin,
      devices,
      keyFor: (id) => deviceKey(this.deps.secret, id),
      seed: 2026,
      intervalMs: 500,
      rejectUnauthorized: false,
    });
    this.sim.start();

    const ray = await this.join("clinician");
    const noah = await this.join("assistant");
    const julian = await this.join("patient");
    ray.startPoses(30, demoPose("clinician"));
    noah.startPoses(30, demoPose("assistant"));
    julian.startPoses(30, demoPose("patient"), 0.01);
    await this.wait(3_000);

    await this.actAsync(
      0,
      "Dr. Ray opens Julian's filling on 36. Julian answers the anxiety questionnaire in VR.",
    );
    await julian.command(Ev.mdasSubmit, { answers: [3, 3, 4, 3, 2] });
    await this.wait(2_000);
    await ray.command(Ev.procedureCommand, { command: "start" });
    await this.wait(6_000);

    await this.actAsync(
      1,
      "Otto explains each step the tell-show-do way; Julian asks a question and gives his go-ahead.",
    );
    await ray.command(Ev.procedureCommand, { command: "next" }); // consent point
    await this.wait(4_000);
    await julian.command(Ev.ottoAsk, { question: PatientQuestion.willItHurt });
    await this.wait(5_000);
    await julian.command(Ev.procedureCommand, { command: "ready" }); // Julian's consent
    await this.wait(2_000);
    await ray.command(Ev.procedureCommand, { command: "next" }); // numbing
    await this.wait(5_000);
    await ray.command(Ev.procedureCommand, { command: "next" }); // comfort check-in
    await this.answerCheckinAsync(julian, 8);

    await this.actAsync(
      2,
      `The sensor on tooth 36 installs beta firmware ${BETA_FIRMWARE} and starts sending stuck, spiking and skewed readings: watch the charts and the alarms.`,
    );
    const faultAt = Date.now();
    this.sim.setFault(DEMO_PATIENT, FaultMode.betaUpdate, { firmware: BETA_FIRMWARE, tooth: 36 });
    await this.untilAsync("an alarm", () => this.deps.alarmIds().length > 0, 60_000);
    await this.wait(3_000);

    await this.actAsync(
      3,
      "The automated cavity check depends on pH and temperature on 36: it refuses to run on data it cannot trust.",
    );
    // Isolation, caries removal, then the automated cavity check.
    for (let i = 0; i < 6 && this.deps.procedure()?.step?.kind !== StepKind.automated; i++) {
      await ray.command(Ev.procedureCommand, { command: "next" });
      await this.wait(3_000);
    }
    await this.untilAsync(
      "the interlock",
      () => this.deps.procedure()?.status === ProcedureStatus.blocked,
      30_000,
    );
    await this.wait(5_000);

    await this.actAsync(
      4,
      `Dr. Ray acknowledges the alarm and quarantines beta ${BETA_FIRMWARE} (its readings are marked in error, not deleted); Noah puts the sensor back on ${STABLE_FIRMWARE}; Dr. Ray checks the tooth herself.`,
    );
    for (const id of this.deps.alarmIds()) await ray.command(Ev.alarmAck, { alarmId: id });
    await this.wait(2_000);
    const quarantine: FirmwareQuarantinePayload = {
      firmware: BETA_FIRMWARE,
      since: faultAt - 1_000,
      reason: "Sensor on 36 sends stuck, spiking and skewed data since the beta update.",
    };
    const quarantined = await ray.command(Ev.firmwareQuarantine, quarantine);
    if (!quarantined.ok) throw new Error(`the quarantine was refused: ${quarantined.error.message}`);
    // Noah puts the sensor back on the released firmware: its data is trusted again from here on.
    this.sim.setFault(DEMO_PATIENT, FaultMode.none, { firmware: STABLE_FIRMWARE, tooth: 36 });
    await this.wait(3_000);
    await ray.command(Ev.procedureCommand, {
      command: "override",
      reason: "Clinical exam: cavity clean and dry; sensor on 36 unreliable, proceeding manually.",
    });
    await this.wait(4_000);

    await this.actAsync(
      5,
      "Julian's heart rate climbs; he raises his hand. Everything pauses at once. Otto and the breathing coach help.",
    );
    this.sim.setArousal(DEMO_PATIENT, 1);
    await this.wait(3_000);
    await julian.command(Ev.procedureCommand, { command: "stop", reason: "raised hand" });
    await this.wait(12_000);
    this.sim.setArousal(DEMO_PATIENT, 0);
    await this.answerCheckinAsync(julian, 7);
    await julian.command(Ev.procedureCommand, { command: "ready" });
    await this.wait(3_000);

    await this.actAsync(
      6,
      "Dr. Ray places and cures the filling; Otto wraps up. Nothing automated ran on bad data.",
    );
    for (let i = 0; i < 10 && this.deps.procedure()?.status !== ProcedureStatus.completed; i++) {
      await ray.command(Ev.procedureCommand, { command: "next" });
      await this.wait(3_000);
      if (this.deps.checkinPending()) await this.answerCheckinAsync(julian, 8);
    }
    if (this.deps.procedure()?.status !== ProcedureStatus.completed)
      throw new Error("the procedure did not complete");
    await noah.command(Ev.breathing, { on: false });
    // The safe outcome has no alarm left to answer: Dr. Ray acknowledges what the fault left
    // behind (a late reading from the beta can raise one after the first acknowledgement).
    for (let i = 0; i < 20 && this.deps.alarmIds().length > 0; i++) {
      for (const id of this.deps.alarmIds()) await ray.command(Ev.alarmAck, { alarmId: id });
      await this.untilAsync("the acknowledgements", () => this.deps.alarmIds().length === 0, 1_500).catch(
        () => undefined,
      );
    }
    if (this.deps.alarmIds().length > 0) throw new Error("alarms are still unacknowledged at the finish");
    this.state.status = "finished";
    this.state.detail = `Safe outcome: Julian's filling is done, the automated check never ran on bad data, and beta ${BETA_FIRMWARE} stays quarantined in the demo clinic.`;
    await this.wait(4_000);
  }

  /** Julian answers the comfort check-in Otto asks for (0-10, 10 = very comfortable). */
  private async answerCheckinAsync(julian: SimParticipant, score: number): Promise<void> {
    await this.wait(3_000);
    await julian.command(Ev.checkinSubmit, { score });
    await this.wait(3_000);
  }

  private async teardownAsync(): Promise<void> {
    for (const p of this.people) p.close();
    this.people = [];
    await this.sim?.stopAsync(500);
    this.sim = null;
  }
}
