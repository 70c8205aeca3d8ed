/**
 * One server process: the client, the room and the device uplink on one port. `npm start` runs it
 * under ./supervisor.ts, which starts it again if it dies; `npm run dev` runs it directly.
 */
import cluster from "node:cluster";
import { networkInterfaces } from "node:os";
import { SimRunner } from "../devices/simRunner.ts";
import { startChairside } from "./app.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./log.ts";
import { WorkerExit, WorkerMessage } from "./restartPolicy.ts";
import { deviceKey } from "./tokens.ts";

const log = createLogger("main");

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await startChairside(config);
  process.send?.(WorkerMessage.ready);
  let sim: SimRunner | null = null;
  if (config.simulateSoe) {
    const devices = [...app.clinic.devices.values()].filter(
      (d) => d.patientId === "julian" || d.patientId === "flower",
    );
    sim = new SimRunner({
      url: app.origin,
      devices,
      keyFor: (id) => deviceKey(app.secret, id),
      seed: 42,
      rejectUnauthorized: false,
    });
    sim.start();
  }
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((a) => a && a.family === "IPv4" && !a.internal)?.address;
  const lines = [
    "",
    `Chairside is running at ${app.origin}/`,
    ...[...app.clinic.appointments.values()]
      .filter((a) => a.appointmentId !== "demo")
      .flatMap((a) => [
        `  ${a.patientName}'s room:`,
        `    clinician  ${app.origin}/join/${a.appointmentId}/clinician`,
        `    assistant  ${app.origin}/join/${a.appointmentId}/assistant`,
        `    patient    ${app.origin}/join/${a.appointmentId}/patient`,
        `    observer   ${app.origin}/join/${a.appointmentId}/observer`,
      ]),
    `  Self-running demo: ${app.origin}/demo`,
    lan
      ? `  On the LAN: replace localhost with ${lan}${config.tlsCertPath ? "" : " (a headset needs HTTPS: see README)"}`
      : "",
    "",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  let stopping = false;
  const shutdown = async (signal: string) => {
    // Ctrl-C reaches both the supervisor and this process, and the supervisor passes it on too.
    if (stopping) return;
    stopping = true;
    log.info("shutting down", { signal });
    await sim?.stopAsync(1000);
    await app.closeAsync();
    process.exit(WorkerExit.stopped);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

function run(): void {
  main().catch((error: unknown) => {
    log.error("failed to start", {
      error: error instanceof Error ? error.message : String(error),
      stack: error instanceof Error ? error.stack : undefined,
    });
    process.exit(error instanceof ConfigError ? WorkerExit.badConfig : 1);
  });
}

if (cluster.isWorker) {
  // A warm standby under the supervisor: everything is loaded; it starts when told to.
  process.on("message", (message) => {
    if (message === WorkerMessage.start) run();
  });
  process.send?.(WorkerMessage.loaded);
} else run();
