/**
 * Gentle generated ambience, no audio files: for nature, filtered noise that swells slowly like
 * wind over water, with an occasional soft two-note bird call; for the clinic, silence. Nothing
 * plays until `setEnabled(true)` is called, which the page does from a user gesture.
 */
import type { Surroundings } from "../../shared/protocol.ts";

const LEVEL = 0.05;

export class AmbientSound {
  private ctx: AudioContext | null = null;
  private master: GainNode | null = null;
  private enabled = false;
  private kind: Surroundings = "clinic";
  private birdTimer: ReturnType<typeof setTimeout> | null = null;

  get playing(): boolean {
    return this.enabled && this.kind === "nature";
  }

  /** Turns the ambience on or off; call from a user gesture the first time. */
  setEnabled(on: boolean): void {
    this.enabled = on;
    if (on && !this.ctx) this.build();
    if (on) void this.ctx?.resume();
    this.applyLevel();
  }

  setSurroundings(kind: Surroundings): void {
    this.kind = kind;
    this.applyLevel();
  }

  private build(): void {
    const ctx = new AudioContext();
    this.ctx = ctx;
    const master = ctx.createGain();
    master.gain.value = 0;
    master.connect(ctx.destination);
    this.master = master;

    // Two seconds of brown noise, looped.
    const buffer = ctx.createBuffer(1, ctx.sampleRate * 2, ctx.sampleRate);
    const data = buffer.getChannelData(0);
    let last = 0;
    for (let i = 0; i < data.length; i++) {
      last = (last + 0.02 * (Math.random() * 2 - 1)) / 1.02;
      data[i] = last * 3.5;
    }
    const noise = ctx.createBufferSource();
    noise.buffer = buffer;
    noise.loop = true;
    const filter = ctx.createBiquadFilter();
    filter.type = "lowpass";
    filter.frequency.value = 520;
    const swell = ctx.createGain();
    swell.gain.value = 0.7;
    const lfo = ctx.createOscillator();
    lfo.frequency.value = 0.09;
    const lfoDepth = ctx.createGain();
    lfoDepth.gain.value = 0.3;
    lfo.connect(lfoDepth).connect(swell.gain);
    noise.connect(filter).connect(swell).connect(master);
    noise.start();
    lfo.start();
  }

  private applyLevel(): void {
    const ctx = this.ctx;
    const master = this.master;
    if (!ctx || !master) return;
    const target = this.playing ? LEVEL : 0;
    master.gain.setTargetAtTime(target, ctx.currentTime, 1.2);
    if (this.playing && this.birdTimer === null) this.scheduleBird();
    if (!this.playing && this.birdTimer !== null) {
      clearTimeout(this.birdTimer);
      this.birdTimer = null;
    }
  }

  private scheduleBird(): void {
    this.birdTimer = setTimeout(
      () => {
        this.chirp();
        this.scheduleBird();
      },
      7_000 + Math.random() * 9_000,
    );
  }

  private chirp(): void {
    const ctx = this.ctx;
    const master = this.master;
    if (!ctx || !master) return;
    const t = ctx.currentTime;
    for (const [offset, f] of [
      [0, 2300],
      [0.18, 1900],
    ] as const) {
      const osc = ctx.createOscillator();
      const g = ctx.createGain();
      osc.frequency.setValueAtTime(f, t + offset);
      osc.frequency.exponentialRampToValueAtTime(f * 1.15, t + offset + 0.1);
      g.gain.setValueAtTime(0, t + offset);
      g.gain.linearRampToValueAtTime(0.12, t + offset + 0.02);
      g.gain.exponentialRampToValueAtTime(0.001, t + offset + 0.14);
      osc.connect(g).connect(master);
      osc.start(t + offset);
      osc.stop(t + offset + 0.16);
    }
  }

  dispose(): void {
    if (this.birdTimer !== null) clearTimeout(this.birdTimer);
    this.birdTimer = null;
    void this.ctx?.close();
    this.ctx = null;
    this.master = null;
  }
}
