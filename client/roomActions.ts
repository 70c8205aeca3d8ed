/**
 * What the UI can ask of the room. The connection module implements it over Socket.IO; UI code
 * (desktop panel, VR panels) only sees this interface and the room view.
 */
import type { Alarm } from "../shared/alarms.ts";
import type { OttoUtterance, PatientQuestion } from "../shared/otto.ts";
import type { ProcedureCommand, ProcedureView } from "../shared/procedure/types.ts";
import type {
  ComfortView,
  FirmwareAction,
  FirmwareLiftPayload,
  FirmwareQuarantineOutcome,
  FirmwareQuarantinePayload,
  ReadingsBatch,
  Result,
  RoomSnapshot,
  Surroundings,
} from "../shared/protocol.ts";
import type { CheckedReading } from "../shared/soe/signals.ts";

export interface RoomActions {
  selectPlan(planId: string): Promise<Result<ProcedureView>>;
  procedureCommand(command: ProcedureCommand, reason?: string): Promise<Result<ProcedureView>>;
  submitMdas(answers: number[]): Promise<Result<ComfortView>>;
  submitCheckin(score: number): Promise<Result<ComfortView>>;
  requestCheckin(reason?: string): Promise<Result<ComfortView>>;
  setBreathing(on: boolean): Promise<Result<ComfortView>>;
  setSurroundings(surroundings: Surroundings): Promise<Result<ComfortView>>;
  askOtto(question: PatientQuestion): Promise<Result<OttoUtterance>>;
  acknowledgeAlarm(alarmId: string): Promise<Result<Alarm>>;
  silenceAlarm(alarmId: string, seconds: number): Promise<Result<Alarm>>;
  /** May answer `confirmation_required` with the counts; send again with `confirm: true`. */
  quarantineFirmware(p: FirmwareQuarantinePayload): Promise<Result<FirmwareQuarantineOutcome>>;
  liftFirmware(p: FirmwareLiftPayload): Promise<Result<FirmwareAction>>;
  loadHistory(sinceMs: number): Promise<Result<ReadingsBatch>>;
}

/** Room state the UI renders; the connection calls these as the room changes. */
export interface RoomListener {
  /** The whole view changed (welcome, resync) or one reliable event was applied. */
  onView(view: RoomSnapshot): void;
  /** Live telemetry for the care team, batched per server tick. */
  onReadings(readings: CheckedReading[]): void;
}
