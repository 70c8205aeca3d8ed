/**
 * One process of simulated SOEs plus, for each patient, a clinician client in the room. Measures
 * the latency from a device's send to the clinician's receipt of that reading.
 */
import { io } from "socket.io-client";
import { DeviceClient } from "../devices/deviceClient.ts";
import { SoeSimulator } from "../devices/simulator.ts";
import { ClinicId, type PairedDevice } from "../server/clinic.ts";
import { deviceKey, loadOrCreateSecret, signInvite } from "../server/tokens.ts";
import { Ev, type ReadingsBatch } from "../shared/protocol.ts";
import { benchHandshake } from "./benchCredentials.ts";
import { preciseNow } from "./stats.ts";

interface Job {
  port: number;
  dataDir: string;
  patients: number[];
  devicesPerPatient: number;
  warmupMs: number;
  measureMs: number;
}
const job = JSON.parse(process.argv[2]!) as Job;
const secret = loadOrCreateSecret(job.dataDir);
const url = `http://127.0.0.1:${job.port}`;
const sentAt = new Map<string, number>();
const latencies: number[] = [];
let measuring = false;
let sentReadings = 0;

const clinicians = job.patients.map((i) => {
  const token = signInvite(secret, {
    appointmentId: `a${i}`,
    roomId: `room-a${i}`,
    personId: `clin-${i}`,
    role: "clinician",
    exp: Math.floor(Date.now() / 1000) + 3600,
  });
  const socket = io(url, {
    ...benchHandshake(token),
    transports: ["websocket"],
    forceNew: true,
  });
  socket.on(Ev.readings, (batch: ReadingsBatch) => {
    const now = preciseNow();
    for (const r of batch.readings) {
      if (r.signal !== "ph" && r.signal !== "heartRate") continue;
      const key = `${r.deviceId}|${r.t}`;
      const at = sentAt.get(key);
      if (at !== undefined) {
        sentAt.delete(key);
        if (measuring) latencies.push(now - at);
      }
    }
  });
  return socket;
});

const devices: { sim: SoeSimulator; client: DeviceClient; id: string }[] = [];
const start = Date.now();
for (const i of job.patients) {
  const teeth = [36, 16, 26, 46].slice(0, Math.max(0, job.devicesPerPatient - 1));
  const paired: PairedDevice[] = [
    ...teeth.map((tooth) => ({
      deviceId: `soe-a${i}-${tooth}`,
      clinicId: ClinicId.main,
      patientId: `a${i}`,
      tooth,
      signals: ["ph", "temperature", "biteForce", "plaque", "inflammation"] as PairedDevice["signals"],
      firmware: "2.3.1",
    })),
    {
      deviceId: `hr-a${i}`,
      clinicId: ClinicId.main,
      patientId: `a${i}`,
      tooth: null,
      signals: ["heartRate"],
      firmware: "2.3.1",
    },
  ];
  for (const d of paired) {
    devices.push({
      id: d.deviceId,
      sim: new SoeSimulator({
        seed: i * 31 + devices.length,
        patientSeed: i,
        device: { ...d },
        startTime: start,
      }),
      client: new DeviceClient({ url, deviceId: d.deviceId, deviceKey: deviceKey(secret, d.deviceId) }),
    });
  }
}

// Devices send once a second, spread over the second like independent devices would be.
const seqBase = Date.now() * 1000;
devices.forEach((d, k) => {
  setTimeout(
    () => {
      setInterval(() => {
        const now = Date.now();
        for (const batch of d.sim.advance(now)) {
          const at = preciseNow();
          for (const r of batch.readings)
            if (r.signal === "ph" || r.signal === "heartRate") sentAt.set(`${d.id}|${r.t}`, at);
          if (measuring) sentReadings += batch.readings.length;
          d.client.send({ ...batch, seq: seqBase + batch.seq });
        }
      }, 1000);
    },
    (k * 1000) / devices.length,
  );
});

// The warm-up starts once every device and clinician is connected: on a busy machine this process
// and 300 handshakes can take longer than the warm-up itself, and the window then measured nothing.
const connectedAll = () => devices.every((d) => d.client.connected) && clinicians.every((c) => c.connected);
const startedAt = Date.now();
await new Promise<void>((resolve) => {
  const poll = setInterval(() => {
    if (connectedAll() || Date.now() - startedAt > 60_000) {
      clearInterval(poll);
      resolve();
    }
  }, 100);
});
setTimeout(() => {
  measuring = true;
  process.send?.({ type: "measuring" });
}, job.warmupMs);
setTimeout(() => {
  measuring = false;
  const result = {
    type: "result",
    latencies,
    sentReadings,
    pending: devices.reduce((a, d) => a + d.client.pending, 0),
    rejected: devices.reduce((a, d) => a + d.client.stats.rejected, 0),
    /** Devices not connected at the end, by their last connection error (a refused handshake is not retried). */
    disconnected: devices.reduce<Record<string, number>>((a, d) => {
      if (!d.client.connected) {
        const why = d.client.stats.lastError ?? "never connected";
        a[why] = (a[why] ?? 0) + 1;
      }
      return a;
    }, {}),
  };
  for (const d of devices) d.client.close();
  for (const c of clinicians) c.close();
  // Exit once the result is handed over: a large one (200,000 latencies) takes a while to send.
  process.send?.(result, () => process.exit(0));
}, job.warmupMs + job.measureMs);
