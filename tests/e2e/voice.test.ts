/**
 * Voice in a treatment room in real Chromium (issue 12): a clinician's desk page and the patient's
 * page, each with a fake microphone, join one room. WebRTC audio flows both ways (inbound audio
 * packets counted by getStats on both sides), muting stops the packets, and the speaking indicator
 * (the strip's dot and the ring over the avatar's head) follows the other person's voice.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VoiceTestState } from "../../client/voice/voiceSession.ts";
import type { TestServer } from "../harness.ts";
import { openPage, screenshot, startE2eServer, type WatchedPage } from "./browser.ts";
import { linkIs } from "./roomPages.ts";

let server: TestServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  server = await startE2eServer();
  // tests/e2e/browser.ts's flags, plus a fake microphone (Chromium's beeping test source) allowed without a prompt.
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--use-angle=swiftshader",
      "--enable-unsafe-swiftshader",
      "--ignore-gpu-blocklist",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
    ],
  });
});
afterAll(async () => {
  for (const p of pages) await p.page.context().close();
  await browser?.close();
  await server?.stopAsync();
});

async function open(path: string, name: string): Promise<WatchedPage> {
  const watched = await openPage(browser, server.origin, path, name);
  pages.push(watched);
  await linkIs(watched.page, "connected");
  return watched;
}

function voiceOf(page: Page): Promise<VoiceTestState | null> {
  return page.evaluate(() => window.__chairsideVoice?.() ?? null);
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
    throw new Error(`voice never reached "${what}"; last state: ${JSON.stringify(last)}`, { cause: error });
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
    throw new Error("audio packets kept arriving after mute", { cause: error });
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
  });
});
