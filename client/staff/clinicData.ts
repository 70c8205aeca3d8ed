/**
 * What the staff page knows of the clinic right now: patients, staff accounts, the chosen day's
 * appointments and the devices, loaded from the records API and reloaded after each change, so
 * every section and picker shows the same records.
 */
import type {
  AppointmentEntry,
  DeviceView,
  PatientRecord,
  StaffView,
  TodayView,
} from "../../shared/records.ts";
import { PanelEvent } from "../panel/dom.ts";
import type { ApiResult, StaffApi } from "./staffApi.ts";

export class ClinicData {
  patients: PatientRecord[] = [];
  staff: StaffView[] = [];
  appointments: AppointmentEntry[] = [];
  devices: DeviceView[] = [];
  today: TodayView | null = null;
  /** The day the appointments section shows (YYYY-MM-DD). */
  day = "";
  readonly changed = new PanelEvent<void>();
  /** A load failed: the page says so (and sends a signed-out person to sign in). */
  readonly failed = new PanelEvent<{ status: number; message: string }>();

  constructor(readonly api: StaffApi) {}

  private take<T>(result: ApiResult<T>, set: (value: T) => void): void {
    if (result.ok) set(result.value);
    else this.failed.notify({ status: result.status, message: result.error.message });
  }

  async reloadAsync(): Promise<void> {
    const [patients, staff, today, devices] = await Promise.all([
      this.api.getAsync<PatientRecord[]>("/api/patients"),
      this.api.getAsync<StaffView[]>("/api/staff"),
      this.api.getAsync<TodayView>("/api/today"),
      this.api.getAsync<DeviceView[]>("/api/devices"),
    ]);
    this.take(patients, (v) => {
      this.patients = v;
    });
    this.take(staff, (v) => {
      this.staff = v;
    });
    this.take(today, (v) => {
      this.today = v;
      if (!this.day) this.day = v.day;
    });
    this.take(devices, (v) => {
      this.devices = v;
    });
    const appointments = await this.api.getAsync<AppointmentEntry[]>(
      `/api/appointments?day=${encodeURIComponent(this.day)}`,
    );
    this.take(appointments, (v) => {
      this.appointments = v;
    });
    this.changed.notify();
  }

  patientName(patientId: string | null): string {
    if (patientId === null) return "—";
    return this.patients.find((p) => p.patientId === patientId)?.displayName ?? patientId;
  }

  /** Enabled accounts that may take a role in a room. */
  carers(role: "clinician" | "assistant"): StaffView[] {
    return this.staff.filter(
      (s) => s.disabledAt === null && (role === "clinician" ? s.role === "clinician" : s.role !== "admin"),
    );
  }
}
