import { describe, expect, it } from "vitest";
import {
  AUDIO_PLAYING,
  type AudioPauseState,
  audioPauseStep,
  MAX_AUDIO_PAUSE_MS,
  pauseLeftMs,
  soundingPriority,
} from "./alarmAudio.ts";
import type { Alarm, AlarmPriority } from "./alarms.ts";

const T0 = 1_700_000_000_000;
let ids = 0;
const alarm = (priority: AlarmPriority, over: Partial<Alarm> = {}): Alarm => ({
  id: `a-${++ids}`,
  kind: "technical",
  priority,
  key: `k-${ids}`,
  message: `${priority} alarm ${ids}`,
  raisedAt: T0,
  ...over,
});

describe("audio pause state machine", () => {
  it("sounds the highest unacknowledged active priority when not paused", () => {
    const alarms = [alarm("medium"), alarm("high", { acknowledgedAt: T0 }), alarm("low")];
    expect(soundingPriority(AUDIO_PLAYING, T0, alarms)).toBe("medium");
    expect(soundingPriority(AUDIO_PLAYING, T0, [alarm("high", { clearedAt: T0 })])).toBeNull();
    expect(soundingPriority(AUDIO_PLAYING, T0, [])).toBeNull();
  });

  it("pauses for at most 2 minutes, counting down, then sounds again by itself", () => {
    const alarms = [alarm("medium")];
    const paused = audioPauseStep(AUDIO_PLAYING, { type: "pause", at: T0, alarms, ms: 10 * 60_000 });
    expect(paused.pausedUntil).toBe(T0 + MAX_AUDIO_PAUSE_MS);
    expect(pauseLeftMs(paused, T0 + 7_000)).toBe(113_000);
    expect(soundingPriority(paused, T0 + 119_999, alarms)).toBeNull();
    expect(soundingPriority(paused, T0 + 120_000, alarms)).toBe("medium");
    const after = audioPauseStep(paused, { type: "alarms", at: T0 + 120_000, alarms });
    expect(after).toEqual(AUDIO_PLAYING);
  });

  it.each([
    { during: "medium" as const, arrives: "medium" as const, breaks: false },
    { during: "medium" as const, arrives: "low" as const, breaks: false },
    { during: "medium" as const, arrives: "high" as const, breaks: true },
    { during: "high" as const, arrives: "high" as const, breaks: false },
    { during: null, arrives: "low" as const, breaks: true },
  ])("paused during $during, a new $arrives alarm breaks through: $breaks", ({ during, arrives, breaks }) => {
    const before = during === null ? [] : [alarm(during)];
    const paused = audioPauseStep(AUDIO_PLAYING, { type: "pause", at: T0, alarms: before });
    const newcomer = alarm(arrives, { raisedAt: T0 + 5_000 });
    const next = audioPauseStep(paused, { type: "alarms", at: T0 + 5_000, alarms: [...before, newcomer] });
    expect(next.pausedUntil === null).toBe(breaks);
    expect(soundingPriority(next, T0 + 5_000, [...before, newcomer]) !== null).toBe(breaks);
    if (breaks) expect(next.brokenBy).toBe(newcomer.message);
  });

  it("a medium alarm that escalates to high during the pause breaks through", () => {
    const medium = alarm("medium");
    const paused = audioPauseStep(AUDIO_PLAYING, { type: "pause", at: T0, alarms: [medium] });
    const escalated = { ...medium, priority: "high" as const, escalatedAt: T0 + 60_000 };
    const next: AudioPauseState = audioPauseStep(paused, {
      type: "alarms",
      at: T0 + 60_000,
      alarms: [escalated],
    });
    expect(next.pausedUntil).toBeNull();
  });

  it("resume ends the pause at once; an acknowledged newcomer does not break through", () => {
    const paused = audioPauseStep(AUDIO_PLAYING, { type: "pause", at: T0, alarms: [alarm("low")] });
    const acked = alarm("high", { acknowledgedAt: T0 + 1 });
    expect(audioPauseStep(paused, { type: "alarms", at: T0 + 2, alarms: [acked] })).toBe(paused);
    expect(audioPauseStep(paused, { type: "resume" })).toEqual(AUDIO_PLAYING);
  });
});
