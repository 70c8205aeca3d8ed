/** Ending a throw-away service's process (Redis, HAProxy, a node) and waiting until it is gone. */
import type { ChildProcess } from "node:child_process";

/** Sends `signal` unless the process already ended, and resolves once it has. */
export function endProcess(proc: ChildProcess, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  return new Promise<void>((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once("exit", () => resolve());
    proc.kill(signal);
  });
}
