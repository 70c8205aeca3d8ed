/**
 * `npm start`: a small supervisor (Node's cluster primary) that runs the server (./main.ts) in a
 * worker and, if it dies, logs why (exit code or signal) and starts another at once. To come back
 * within 2 s even on a loaded machine, a warm standby worker is kept with every module loaded,
 * waiting; a death promotes it (it only has to open the database and listen) and a new standby is
 * loaded once the promoted one is serving. Workers that keep dying soon after start are restarted
 * with a growing delay. SIGINT and SIGTERM are passed on to the worker for a graceful stop; the
 * supervisor then exits with the worker's code.
 */
import cluster, { type Worker } from "node:cluster";
import { fileURLToPath } from "node:url";
import { createLogger } from "./log.ts";
import { DEFAULT_RESTART_POLICY, RestartPolicy, WorkerExit, WorkerMessage } from "./restartPolicy.ts";

const log = createLogger("supervisor");
/** A worker that has not stopped this long after SIGTERM is killed. */
const STOP_GRACE_MS = 15_000;

interface Standby {
  worker: Worker;
  loaded: boolean;
  /** Promoted before it finished loading: start it as soon as it has. */
  startWhenLoaded: boolean;
}

const policy = new RestartPolicy(DEFAULT_RESTART_POLICY, Date.now);
let active: Worker | null = null;
let standby: Standby | null = null;
let restartTimer: NodeJS.Timeout | null = null;
let stopping = false;

cluster.setupPrimary({ exec: fileURLToPath(new URL("./main.ts", import.meta.url)) });

function forkStandby(): Standby {
  const spare: Standby = { worker: cluster.fork(), loaded: false, startWhenLoaded: false };
  spare.worker.on("message", (message: unknown) => {
    if (message === WorkerMessage.loaded) {
      spare.loaded = true;
      if (spare.startWhenLoaded) spare.worker.send(WorkerMessage.start);
      else log.info("standby loaded", { pid: spare.worker.process.pid });
    } else if (message === WorkerMessage.ready && spare.worker === active) {
      log.info("worker serving", { pid: spare.worker.process.pid });
      // Load the next standby only now, so it never competes with a start for the CPU.
      if (!standby && !stopping) standby = forkStandby();
    }
  });
  spare.worker.on("exit", (code, signal) => onExit(spare.worker, code, signal));
  return spare;
}

function promote(): void {
  restartTimer = null;
  const next = standby ?? forkStandby();
  standby = null;
  active = next.worker;
  policy.started();
  log.info("worker started", { pid: next.worker.process.pid, warm: next.loaded });
  if (next.loaded) next.worker.send(WorkerMessage.start);
  else next.startWhenLoaded = true;
}

function onExit(worker: Worker, code: number | null, signal: string | null): void {
  if (worker !== active) {
    if (standby?.worker === worker) standby = null;
    if (!stopping) log.warn("standby worker exited", { pid: worker.process.pid, code, signal });
    return;
  }
  active = null;
  if (stopping) {
    log.info("worker stopped", { code, signal });
    standby?.worker.process.kill("SIGTERM");
    process.exit(code ?? 0);
  }
  log.error("worker died", { pid: worker.process.pid, code, signal });
  if (code === WorkerExit.badConfig) {
    log.error("not restarting: the configuration is wrong (see the worker's message above)");
    standby?.worker.process.kill("SIGTERM");
    process.exit(WorkerExit.badConfig);
  }
  const delayMs = policy.delayAfterDeath();
  if (delayMs > 0) log.warn("worker keeps dying at start: waiting before the next try", { delayMs });
  restartTimer = setTimeout(promote, delayMs);
}

function stop(signal: NodeJS.Signals): void {
  if (stopping) {
    // A second Ctrl-C: do not wait for the graceful stop.
    active?.process.kill("SIGKILL");
    return;
  }
  stopping = true;
  log.info("stopping", { signal });
  if (restartTimer) clearTimeout(restartTimer);
  standby?.worker.process.kill("SIGTERM");
  if (!active) process.exit(WorkerExit.stopped);
  active.process.kill(signal);
  setTimeout(() => {
    log.error("worker did not stop in time: killing it", { graceMs: STOP_GRACE_MS });
    active?.process.kill("SIGKILL");
  }, STOP_GRACE_MS).unref();
}

process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
promote();
