/**
 * The server under benchmark, in its own process: the real app with a clinic of N generated
 * appointments (patients p1..pN, each with the usual SOEs). Reports CPU and RSS to the parent.
 */

import { startChairside } from "../server/app.ts";
import { type Appointment, type Clinic, type PairedDevice, seedClinic } from "../server/clinic.ts";
import { loadConfig } from "../server/config.ts";

const rooms = Number(process.env.BENCH_ROOMS ?? "50");
const devicesPerPatient = Number(process.env.BENCH_DEVICES_PER_PATIENT ?? "2");

function benchClinic(): Clinic {
  const base = seedClinic();
  const people = new Map(base.people);
  const appointments = new Map<string, Appointment>();
  const devices = new Map<string, PairedDevice>();
  for (let i = 1; i <= rooms; i++) {
    const patientId = `p${i}`;
    people.set(patientId, { personId: patientId, displayName: `Patient ${i}` });
    appointments.set(`a${i}`, {
      appointmentId: `a${i}`,
      roomId: `room-a${i}`,
      patientId,
      patientName: `Patient ${i}`,
      clinicianName: "Dr. Ray",
      scheduledAt: "2026-11-24T09:00:00",
      staff: { clinicianId: "dr-ray", assistantId: "noah", observerId: "observer" },
      planId: "sensor-check-36",
    });
    const teeth = [36, 16, 26, 46].slice(0, Math.max(0, devicesPerPatient - 1));
    for (const tooth of teeth) {
      devices.set(`soe-${patientId}-${tooth}`, {
        deviceId: `soe-${patientId}-${tooth}`,
        patientId,
        tooth,
        signals: ["ph", "temperature", "biteForce", "plaque", "inflammation"],
        firmware: "2.3.1",
      });
    }
    devices.set(`hr-${patientId}`, {
      deviceId: `hr-${patientId}`,
      patientId,
      tooth: null,
      signals: ["heartRate"],
      firmware: "2.3.1",
    });
  }
  return { people, appointments, devices };
}

const config = {
  ...loadConfig(),
  port: 0,
  host: "127.0.0.1",
  simulateSoe: false,
  clientDir: null,
  logLevel: "error" as const,
};
const app = await startChairside(config, { clinic: benchClinic() });
let lastCpu = process.cpuUsage();
let lastAt = process.hrtime.bigint();
process.send?.({ type: "ready", port: app.port, dataDir: config.dataDir });
setInterval(() => {
  const cpu = process.cpuUsage(lastCpu);
  const now = process.hrtime.bigint();
  const wallUs = Number(now - lastAt) / 1000;
  lastCpu = process.cpuUsage();
  lastAt = now;
  process.send?.({
    type: "usage",
    cpuPercent: ((cpu.user + cpu.system) / wallUs) * 100,
    rssMb: process.memoryUsage().rss / 1024 / 1024,
    readings: app.soe.stats.readings,
    batches: app.soe.stats.batches,
  });
}, 1000);
process.on("message", (m: { type: string }) => {
  if (m.type === "stop") void app.closeAsync().then(() => process.exit(0));
});
