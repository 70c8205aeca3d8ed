/**
 * One node of bench:scale's rooms-per-node run: the real server, one node of the cluster from the
 * same environment as server/main.ts (CHAIRSIDE_REDIS_URL, CHAIRSIDE_DATABASE_URL, CHAIRSIDE_NODE_ID),
 * but with a clinic of BENCH_ROOMS generated appointments (patients a1..aN, 2 SOEs each) and the
 * bench's credential checker, so simulated people and devices can fill its rooms. A bench harness,
 * never a way to run a clinic.
 */
import { startChairside } from "../server/app.ts";
import { loadConfig } from "../server/config.ts";
import { benchChecker } from "./benchCredentials.ts";
import { scaleClinic } from "./benchProcesses.ts";

const rooms = Number(process.env.BENCH_ROOMS ?? "60");
const config = { ...loadConfig(), simulateSoe: false, clientDir: null };
const app = await startChairside(config, { clinic: scaleClinic(rooms, 2) });
app.authenticator.use(benchChecker(app.secret, app.clinic));
// tests/services/chairsideNodes.ts waits for this line.
process.stdout.write(`\nChairside is running at ${app.origin}/ (bench clinic, ${rooms} rooms)\n`);
const stop = async () => {
  await app.closeAsync();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
