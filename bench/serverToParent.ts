/**
 * The parent-facing side of a benchmark's server process, the same for Chairside's
 * (bench/benchServer.ts) and for the plain relay it is measured against (bench/plainRelayServer.ts):
 * it says which port it listens on, reports its CPU share and RSS every second, answers the
 * parent's other messages, and stops when told. One copy, so both are measured the same way.
 */

export interface ServerProcessOptions {
  /** What the `ready` message carries besides its type (at least the port). */
  ready: { port: number } & Record<string, unknown>;
  /** More fields for each usage report (relay counters, readings). */
  usage?: () => Record<string, unknown>;
  /** Any message from the parent other than `stop`. */
  onMessage?: (message: { type: string }) => void;
  /** Closes the server; the process exits after it. */
  stopAsync: () => Promise<void>;
}

/** Reports to the parent process once a second: CPU % of one core since the last report, RSS in MB. */
export function serveBenchParent(opts: ServerProcessOptions): void {
  let lastCpu = process.cpuUsage();
  let lastAt = process.hrtime.bigint();
  process.send?.({ type: "ready", ...opts.ready });
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
      ...opts.usage?.(),
    });
  }, 1000);
  process.on("message", (m: { type: string }) => {
    if (m.type === "stop") void opts.stopAsync().finally(() => process.exit(0));
    else opts.onMessage?.(m);
  });
}
