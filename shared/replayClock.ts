/**
 * The replay's playback clock: play, pause, seek and 1×–8× speed, as a pure function of the wall
 * clock handed in, so the client's controls are tested without a browser or timers.
 */
import { REPLAY_SPEEDS, type ReplaySpeed } from "./replay.ts";

export class ReplayClock {
  private anchorWall = 0;
  private anchorT: number;
  private playing = false;
  private rate: ReplaySpeed = 1;

  constructor(
    readonly startAt: number,
    readonly endAt: number,
  ) {
    this.anchorT = startAt;
  }

  get isPlaying(): boolean {
    return this.playing;
  }

  get speed(): ReplaySpeed {
    return this.rate;
  }

  /** The replay time at wall time `wall`; stops (pauses) at the end. */
  position(wall: number): number {
    if (!this.playing) return this.anchorT;
    const t = this.anchorT + (wall - this.anchorWall) * this.rate;
    if (t >= this.endAt) {
      this.playing = false;
      this.anchorT = this.endAt;
      return this.endAt;
    }
    return t;
  }

  play(wall: number): void {
    if (this.playing) return;
    if (this.anchorT >= this.endAt) this.anchorT = this.startAt;
    this.anchorWall = wall;
    this.playing = true;
  }

  pause(wall: number): void {
    this.anchorT = this.position(wall);
    this.playing = false;
  }

  seek(t: number, wall: number): void {
    this.anchorT = Math.min(Math.max(t, this.startAt), this.endAt);
    this.anchorWall = wall;
  }

  setSpeed(speed: number, wall: number): void {
    if (!(REPLAY_SPEEDS as readonly number[]).includes(speed)) return;
    this.anchorT = this.position(wall);
    this.anchorWall = wall;
    this.rate = speed as ReplaySpeed;
  }
}
