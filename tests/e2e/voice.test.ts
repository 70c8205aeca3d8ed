/**
 * Voice in a treatment room in real Chromium (issue 12): a clinician's desk page and the patient's
 * page, each with a fake microphone, join one room. WebRTC audio flows both ways (inbound audio
 * packets counted by getStats on both sides), muting stops the packets, and the speaking indicator
 * (the strip's dot and the ring over the avatar's head) follows the other person's voice. A
 * window's voice follows its seat: a second window of the same patient takes the call, and "Use it
 * here" brings the first window's voice back without a reload.
 */
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { VoiceTestState } from "../../client/voice/voiceSession.ts";
import { screenshot, type WatchedPage } from "./browser.ts";
import { talkingPagesFixture } from "./groupFixture.ts";
import { linkIs } from "./roomPages.ts";

const fixture = talkingPagesFixture();

/** Opens a room page and waits until its link is up; a failure carries the page's state. */
async function open(path: string, name: string): Promise<WatchedPage> {
  const watched = await fixture.open(path, name);
  await connected(watched, name);
  return watched;
}

/** Waits until a page's link is up; a failure carries the page's state and its console errors. */
async function connected(watched: WatchedPage, name: string): Promise<void> {
  await linkIs(watched.page, "connected").catch(async (error: unknown) => {
    const state = await watched.page.evaluate(() => JSON.stringify(window.__chairside?.() ?? null));
    throw new Error(`${name} never connected: ${state}\n${watched.consoleErrors.join("\n")}`, {
      cause: error,
    });
  });
}

function voiceOf(page: Page): Promise<VoiceTestState | null> {
  return page.evaluate(() => window.__chairsideVoice?.() ?? null);
}

/** Every open page's voice state, line and call log included: what a failure message carries. */
async function allVoice(): Promise<string> {
  const states = await Promise.all(
    fixture.pages.map(async (p) => `${p.name}: ${JSON.stringify(await voiceOf(p.page).catch(() => null))}`),
  );
  return states.join("\n");
}

/** Waits until the page's voice state satisfies `test` (polled in Node, so the predicate can be any closure). */
async function voiceUntil(
  page: Page,
  what: string,
  test: (v: VoiceTestState) => boolean,
  timeoutMs = 60_000,
): Promise<VoiceTestState> {
  let last: VoiceTestState | null = null;
  try {
    await expect
      .poll(
        async () => {
          last = await voiceOf(page);
          return last !== null && test(last);
        },
        { timeout: timeoutMs, interval: 200 },
      )
      .toBe(true);
  } catch (error) {
    throw new Error(
      `voice never reached "${what}"; last state: ${JSON.stringify(last)}\n${await allVoice()}`,
      {
        cause: error,
      },
    );
  }
  return last!;
}

const inbound = (v: VoiceTestState, from: string) => v.stats[from]?.packetsIn ?? 0;

/** Waits until packets from `from` stop arriving: two readings half a second apart (after the stats refresh) agree. */
async function packetsSettle(page: Page, from: string): Promise<number> {
  let before = -1;
  try {
    await expect
      .poll(
        async () => {
          const now = inbound((await voiceOf(page))!, from);
          const settled = now === before;
          before = now;
          return settled;
        },
        { timeout: 30_000, interval: 1_200 },
      )
      .toBe(true);
  } catch (error) {
    throw new Error(`audio packets kept arriving after mute\n${await allVoice()}`, { cause: error });
  }
  return before;
}

describe("voice in the treatment room", () => {
  it("two pages talk: packets both ways, mute stops them, the speaking indicator follows", async () => {
    const clinician = await open("/join/julian/clinician", "clinician");
    const patient = await open("/join/julian/patient", "patient");

    // Each sees the other on the line, and audio arrives on both sides.
    const c1 = await voiceUntil(clinician.page, "one peer", (v) => v.peers.length === 1 && v.you !== null);
    const p1 = await voiceUntil(patient.page, "one peer", (v) => v.peers.length === 1 && v.you !== null);
    const patientId = p1.you!;
    const clinicianId = c1.you!;
    expect(c1.peers[0]!.memberId).toBe(patientId);
    expect(p1.peers[0]!.memberId).toBe(clinicianId);
    // Staff by role to the patient, never by name.
    expect(p1.peers[0]!.label).toBe("Clinician");
    await voiceUntil(clinician.page, "audio from the patient", (v) => inbound(v, patientId) > 50);
    await voiceUntil(patient.page, "audio from the clinician", (v) => inbound(v, clinicianId) > 50);

    // The fake microphone beeps: the clinician sees the patient speaking, on the strip and over the head.
    await voiceUntil(clinician.page, "patient speaking", (v) => v.peers[0]!.speaking);
    await clinician.page.waitForSelector(
      `[data-testid="voice-bar"] li[data-member="${patientId}"][data-speaking="true"]`,
      { state: "attached" },
    );
    const speaking = await voiceUntil(
      clinician.page,
      "ring over the patient's head",
      (v) => v.rings[patientId] === true,
    );
    expect(speaking.peers[0]!.speaking).toBe(true);
    await screenshot(clinician.page, "voice-clinician-hears-patient");
    await screenshot(patient.page, "voice-patient");

    // The patient mutes: their packets stop reaching the clinician, the strip says muted, the indicator goes out.
    await patient.page.click('[data-testid="voice-mute"]');
    await voiceUntil(clinician.page, "patient muted", (v) => v.peers[0]!.muted && !v.peers[0]!.speaking);
    const settled = await packetsSettle(clinician.page, patientId);
    await clinician.page.waitForFunction(() => window.__chairsideVoice?.().stats !== undefined);
    const later = await voiceUntil(
      clinician.page,
      "stats refreshed",
      (v) => v.stats[patientId] !== undefined,
    );
    expect(inbound(later, patientId)).toBe(settled);
    expect(later.peers[0]!.speaking).toBe(false);
    expect(later.rings[patientId] ?? false).toBe(false);
    expect(await clinician.page.textContent(`li[data-member="${patientId}"] .voice-name`)).toContain("muted");
    // The clinician's own voice still reaches the patient.
    const before = inbound((await voiceOf(patient.page))!, clinicianId);
    await voiceUntil(patient.page, "clinician still heard", (v) => inbound(v, clinicianId) > before + 20);

    // Unmuted: packets flow again and the indicator comes back.
    await patient.page.click('[data-testid="voice-mute"]');
    await voiceUntil(
      clinician.page,
      "patient heard again",
      (v) => inbound(v, patientId) > settled + 20 && !v.peers[0]!.muted,
    );
    await voiceUntil(clinician.page, "patient speaking again", (v) => v.peers[0]!.speaking);

    for (const p of [clinician, patient]) expect(p.foreignRequests).toEqual([]);
    await fixture.closeAllAsync();
  });

  it("a window's voice follows its seat: off when another window takes it, back with 'Use it here'", async () => {
    const clinician = await open("/join/julian/clinician", "clinician-2");
    const first = await open("/join/julian/patient", "first-window");
    const f1 = await voiceUntil(first.page, "on the line", (v) => v.line !== null && v.peers.length === 1);
    const patientId = f1.you!;
    const clinicianId = f1.peers[0]!.memberId;
    // The clinician's call is with that window's line as it is now (a loaded machine may drop a
    // link and bring it back on a new line), and that call's audio arrives.
    const heard = async (window: WatchedPage, what: string) => {
      let last = "";
      try {
        await expect
          .poll(
            async () => {
              const line = (await voiceOf(window.page))?.line ?? null;
              const v = (await voiceOf(clinician.page))!;
              const peer = v.peers.find((p) => p.memberId === patientId);
              last = `window line ${line}, clinician ${JSON.stringify(v.stats[patientId])}`;
              return (
                line !== null &&
                peer?.line === line &&
                v.stats[patientId]?.line === line &&
                inbound(v, patientId) > 20
              );
            },
            { timeout: 60_000, interval: 300 },
          )
          .toBe(true);
      } catch (error) {
        throw new Error(`never ${what}: ${last}\n${await allVoice()}`, { cause: error });
      }
    };
    await heard(first, "audio from the first window");

    // A second window takes the seat: the first leaves voice (no call, no microphone) and says where voice went.
    const second = await open("/join/julian/patient", "second-window");
    await voiceUntil(second.page, "second window on the line", (v) => v.line !== null);
    await first.page.waitForFunction(
      () =>
        document.querySelector('[data-testid="voice-status"]')?.textContent ===
        "Voice is with your other window.",
      undefined,
      { timeout: 60_000 },
    );
    await voiceUntil(first.page, "first window off the line", (v) => v.line === null && v.peers.length === 0);
    await heard(second, "audio from the second window");
    await voiceUntil(
      second.page,
      "the clinician heard in the second window",
      (v) => inbound(v, clinicianId) > 20,
    );

    // "Use it here": the first window is back on the line by itself, on a new line, with audio both ways.
    await first.page.click('[data-testid="use-here"]');
    await connected(first, "the first window, after 'Use it here'");
    await voiceUntil(
      first.page,
      "first window back on the line",
      (v) => v.line !== null && v.line !== f1.line && v.peers.length === 1 && inbound(v, clinicianId) > 20,
    );
    await voiceUntil(
      second.page,
      "second window off the line",
      (v) => v.line === null && v.peers.length === 0,
    );
    await heard(first, "audio from the first window again");
    await screenshot(first.page, "voice-seat-taken-back");
    await screenshot(second.page, "voice-seat-given-up");
    for (const p of [clinician, first, second]) expect(p.foreignRequests).toEqual([]);
    await fixture.closeAllAsync();
  });
});
