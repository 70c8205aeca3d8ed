/**
 * Runs simulated SOEs as real devices: each one is a DeviceClient over Socket.IO to the server's
 * device namespace, exactly the path a physical device takes.
 */
import type { PairedDevice } from "../server/clinic.ts";
import { DeviceClient } from "./deviceClient.ts";
import { type FaultMode, SoeSimulator } from "./simulator.ts";

export interface SimRunnerOptions {
  url: string;
  devices: readonly PairedDevice[];
  keyFor: (deviceId: string) => string;
  seed: number;
  /** How often each device sends a batch. */
  intervalMs?: number;
  /** Simulated time of the first sample (defaults to now); tests with an injected clock set it. */
  startTime?: number;
  rejectUnauthorized?: boolean;
}

interface SimDevice {
  lastSeq: number;
  device: PairedDevice;
  sim: SoeSimulator;
  client: DeviceClient;
}

export class SimRunner {
  private readonly devices: SimDevice[];
  /** Each simulated device is one boot: its DeviceClient draws a fresh boot id, seqs start at 1. */
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SimRunnerOptions) {
    const start = opts.startTime ?? Date.now();
    this.devices = opts.devices.map((device, i) => ({
      lastSeq: 0,
      device,
      sim: new SoeSimulator({
        seed: opts.seed + i * 7919,
        device: {
          deviceId: device.deviceId,
          tooth: device.tooth,
          signals: device.signals,
          firmware: device.firmware,
        },
        // One mouth per patient: every device of a patient shares saliva and temperature.
        patientSeed: opts.seed + hashOf(device.patientId),
        startTime: start,
      }),
      client: new DeviceClient({
        url: opts.url,
        deviceId: device.deviceId,
        deviceKey: opts.keyFor(device.deviceId),
        ...(opts.rejectUnauthorized === undefined ? {} : { rejectUnauthorized: opts.rejectUnauthorized }),
      }),
    }));
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.step(Date.now()), this.opts.intervalMs ?? 1000);
  }

  /** Produces and sends everything due up to `now`. */
  step(now: number): void {
    for (const d of this.devices) {
      for (const batch of d.sim.advance(now)) {
        // A batch the simulated firmware repeats goes on the wire again, as a real one would.
        if (batch.seq <= d.lastSeq) d.client.transmitUntracked(batch);
        else d.client.send(batch);
        d.lastSeq = Math.max(d.lastSeq, batch.seq);
      }
    }
  }

  /** Injects a fault into a patient's devices (all, or only those on one tooth). */
  setFault(
    patientId: string,
    mode: FaultMode,
    opts: { firmware?: string; tooth?: number | null } = {},
  ): number {
    let n = 0;
    for (const d of this.devices) {
      if (d.device.patientId !== patientId) continue;
      if (opts.tooth !== undefined && d.device.tooth !== opts.tooth) continue;
      d.sim.setFault(mode, opts.firmware);
      n += 1;
    }
    return n;
  }

  setArousal(patientId: string, level: number): void {
    for (const d of this.devices) if (d.device.patientId === patientId) d.sim.setArousal(level);
  }

  clients(): DeviceClient[] {
    return this.devices.map((d) => d.client);
  }

  async stopAsync(flushTimeoutMs = 3_000): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await Promise.all(this.devices.map((d) => d.client.flushAsync(flushTimeoutMs)));
    for (const d of this.devices) d.client.close();
  }
}

function hashOf(text: string): number {
  let h = 0;
  for (const ch of text) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 100_000;
}
