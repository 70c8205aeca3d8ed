/** HTTP-facing control of the one demo run: start (or join) it, read its state, step it. */
import { Role } from "../../shared/roles.ts";
import { DEMO_APPOINTMENT, type DemoDeps, DemoDirector, type DemoState } from "./demoDirector.ts";

export interface DemoStart {
  token: string;
  state: DemoState;
}

export class DemoControl {
  private director: DemoDirector | null = null;

  constructor(private readonly deps: DemoDeps) {}

  /** Starts the demo if it is not running (or restarts it), and returns a presenter token for the screen. */
  start(opts: { speed: number; stepByStep: boolean; restart: boolean }): DemoStart {
    if (this.director && (opts.restart || this.director.state.status === "failed")) {
      void this.director.stopAsync();
      this.director = null;
    }
    if (!this.director) {
      this.director = new DemoDirector(this.deps, {
        speed: Math.min(8, Math.max(0.25, opts.speed)),
        stepByStep: opts.stepByStep,
        loop: !opts.stepByStep,
      });
      void this.director.runAsync();
    }
    return { token: this.deps.invites.mint(DEMO_APPOINTMENT, Role.presenter)!, state: this.director.state };
  }

  state(): DemoState | null {
    return this.director?.state ?? null;
  }

  next(): void {
    this.director?.next();
  }

  async stopAsync(): Promise<void> {
    await this.director?.stopAsync();
    this.director = null;
  }
}
