/**
 * `npm run soe:sim -- [--patient julian] [--fault beta-update] [--tooth 36] [--url http://localhost:8080]`
 * Streams simulated SOE data into a running server from outside, like real devices. Device keys
 * are derived from the server's secret in the data folder (same machine), as pairing would.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { seedClinic } from "../server/clinic.ts";
import { loadConfig } from "../server/config.ts";
import { deviceKey, loadOrCreateSecret } from "../server/tokens.ts";
import { SimRunner } from "./simRunner.ts";
import { FaultMode } from "./simulator.ts";

const FAULT_ALIASES: Record<string, FaultMode> = { "beta-update": FaultMode.betaUpdate };

const { values } = parseArgs({
  options: {
    patient: { type: "string", default: "julian" },
    fault: { type: "string" },
    "fault-after": { type: "string", default: "10" },
    tooth: { type: "string" },
    url: { type: "string" },
    seed: { type: "string", default: "7" },
    firmware: { type: "string", default: "2.4.0-beta.1" },
  },
});

const config = loadConfig();
const url = values.url ?? `${config.tlsCertPath ? "https" : "http"}://localhost:${config.port}`;
const secret = loadOrCreateSecret(config.dataDir);
const clinic = seedClinic();
const devices = [...clinic.devices.values()].filter((d) => d.patientId === values.patient);
if (devices.length === 0) {
  console.error(`No devices are paired with patient "${values.patient}". Try julian or flower.`);
  process.exit(2);
}
const fault = values.fault ? (FAULT_ALIASES[values.fault] ?? (values.fault as FaultMode)) : null;
if (fault && !Object.values(FaultMode).includes(fault)) {
  console.error(
    `Unknown fault "${values.fault}". Choose one of: beta-update, ${Object.values(FaultMode).join(", ")}`,
  );
  process.exit(2);
}

const runner = new SimRunner({
  url,
  devices,
  keyFor: (id) => deviceKey(secret, id),
  seed: Number(values.seed),
  rejectUnauthorized: false,
});
runner.start();
console.log(
  `Streaming ${devices.length} SOEs for ${values.patient} to ${url} (data folder ${join(config.dataDir)})`,
);
if (fault) {
  const after = Number(values["fault-after"]) * 1000;
  setTimeout(() => {
    const tooth = values.tooth === undefined ? undefined : Number(values.tooth);
    const n = runner.setFault(values.patient!, fault, {
      firmware: values.firmware,
      ...(tooth === undefined ? {} : { tooth }),
    });
    console.log(`Fault "${fault}" injected into ${n} device(s) with firmware ${values.firmware}`);
  }, after);
}
setInterval(() => {
  const stats = runner.clients().map((c) => c.stats);
  const acked = stats.reduce((s, x) => s + x.acked, 0);
  const rejected = stats.reduce((s, x) => s + x.rejected, 0);
  const pending = runner.clients().reduce((s, c) => s + c.pending, 0);
  const err = stats.find((x) => x.lastError)?.lastError;
  console.log(
    `acked ${acked} batches, ${pending} pending, ${rejected} rejected${err ? ` (last error: ${err})` : ""}`,
  );
}, 5000);
process.on("SIGINT", () => {
  void runner.stopAsync(1000).then(() => process.exit(0));
});
