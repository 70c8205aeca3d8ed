/**
 * When the supervisor starts a new worker after one died: at once after a crash that ends a
 * healthy run (the room must come back within 2 s), and with a doubling delay when workers keep
 * dying soon after they start (a crash loop must not spin the CPU). Pure; the clock is injected.
 */

/** Exit codes the worker uses to tell the supervisor something. */
export const WorkerExit = {
  /** Clean stop after SIGINT/SIGTERM. */
  stopped: 0,
  /** The configuration is wrong: restarting cannot help (sysexits EX_CONFIG). */
  badConfig: 78,
} as const;

/** Messages between the supervisor and a worker (a warm standby until told to start). */
export const WorkerMessage = {
  /** Worker to supervisor: modules loaded, waiting for `start`. */
  loaded: "chairside:loaded",
  /** Supervisor to worker: start serving. */
  start: "chairside:start",
  /** Worker to supervisor: listening. */
  ready: "chairside:ready",
} as const;

export interface RestartPolicyOptions {
  /** A worker that lived less than this died "early": one more step into a crash loop. */
  healthyAfterMs: number;
  /** Delay after the second early death in a row; doubles with each further one. */
  firstBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  healthyAfterMs: 10_000,
  firstBackoffMs: 500,
  maxBackoffMs: 30_000,
};

export class RestartPolicy {
  private startedAt = 0;
  private earlyDeaths = 0;

  constructor(
    private readonly options: RestartPolicyOptions,
    private readonly now: () => number,
  ) {}

  /** A worker has just been started. */
  started(): void {
    this.startedAt = this.now();
  }

  /** A worker has died: how long to wait before starting the next one. */
  delayAfterDeath(): number {
    const lived = this.now() - this.startedAt;
    this.earlyDeaths = lived < this.options.healthyAfterMs ? this.earlyDeaths + 1 : 0;
    if (this.earlyDeaths <= 1) return 0;
    return Math.min(
      this.options.maxBackoffMs,
      this.options.firstBackoffMs * 2 ** Math.min(20, this.earlyDeaths - 2),
    );
  }
}
