/**
 * Noah's support group in real Chromium (issue 12): Noah (signed in) opens the group he scheduled,
 * two invited patients open their links, choose names and join. A raised hand shows on the host's
 * page; the host's mute holds the participant's microphone off; "Ask to leave" closes the
 * participant's page, and the same link then no longer opens the door. Screenshots at 1280×800
 * and 1920×1080.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GroupView } from "../../shared/supportGroup.ts";
import type { TestServer } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import { signedInStaff } from "../staffAccount.ts";
import { openPage, screenshot, startE2eServer, type WatchedPage } from "./browser.ts";

let server: TestServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  server = await startE2eServer();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--no-sandbox",
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

type GroupState = { view: GroupView | null; closed: string | null; refused: string | null };
const groupOf = (page: Page) =>
  page.evaluate(() => window.__chairsideGroup?.() ?? null) as Promise<GroupState | null>;

async function groupUntil(page: Page, what: string, test: (s: GroupState) => boolean): Promise<GroupState> {
  let last: GroupState | null = null;
  try {
    await expect
      .poll(
        async () => {
          last = await groupOf(page);
          return last !== null && test(last);
        },
        { timeout: 60_000, interval: 150 },
      )
      .toBe(true);
  } catch (error) {
    throw new Error(`group page never reached "${what}": ${JSON.stringify(last)}`, { cause: error });
  }
  return last!;
}

async function open(path: string, name: string, cookie?: string): Promise<WatchedPage> {
  const w = await openPage(browser, server.origin, path, name, cookie);
  pages.push(w);
  return w;
}

describe("the support group page", () => {
  it("host and participants: join under a chosen name, raise hand, host mute, ask to leave", async () => {
    const noah = await signedInStaff(server, {
      staffId: "noah",
      role: "assistant",
      displayName: "Noah Park",
    });
    const scheduled = await callApi(server.origin, "POST", "/api/groups", {
      staff: noah,
      body: {
        title: "Smiles without worry",
        startsAt: "2026-12-03T18:00:00+01:00",
        agenda: [
          { title: "How was your week?", minutes: 10 },
          { title: "Brushing when you are tense", minutes: 15 },
        ],
      },
    });
    const groupId = (scheduled.body as { groupId: string }).groupId;
    const inviteLink = async () =>
      new URL(
        (
          (await callApi(server.origin, "POST", `/api/groups/${groupId}/invites`, { staff: noah })).body as {
            link: string;
          }
        ).link,
      );
    const [anaLink, benLink] = [await inviteLink(), await inviteLink()];

    const host = await open(`/group.html?group=${groupId}`, "host", noah.cookie);
    await groupUntil(host.page, "host in the circle", (s) => s.view !== null);
    await host.page.setViewportSize({ width: 1920, height: 1080 });

    const knock = async (link: URL, name: string) => {
      const w = await open(`${link.pathname}${link.search}${link.hash}`, name);
      await w.page.fill('[data-testid="group-name"]', name);
      await w.page.click('[data-testid="group-join-button"]');
      return w;
    };
    const join = async (link: URL, name: string) => {
      const w = await knock(link, name);
      await groupUntil(w.page, `${name} in the circle`, (s) => s.view !== null);
      return w;
    };
    const ana = await join(anaLink, "Ana");
    const ben = await join(benLink, "Ben");
    await groupUntil(host.page, "four in the circle", (s) => s.view!.members.length === 4);

    await host.page.click('[data-testid="topic-1"]');
    await ana.page.waitForSelector('[data-testid="group-timer"]:has-text("Brushing when you are tense")');

    await ana.page.click('[data-testid="raise-hand"]');
    await host.page.waitForSelector('li.g-person[data-hand="true"]:has-text("Ana")');
    await ben.page.fill('[data-testid="note-input"]', "A soft brush helps me");
    await ben.page.click('[data-testid="note-add"]');
    await host.page.waitForSelector('[data-testid="group-board"] li:has-text("A soft brush helps me — Ben")');
    await screenshot(host.page, "group-host-1920");
    await ana.page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(ana.page, "group-participant-1280");

    // The host mutes Ben: his page holds his microphone off.
    await host.page.click('[data-testid="mute-Ben"]');
    await ben.page.waitForSelector('li.g-person[data-muted="true"]:has-text("Ben (you)")');
    await ben.page.waitForFunction(() => window.__chairsideVoice?.().heldByHost === true);
    await ben.page.waitForFunction(() => window.__chairsideVoice?.().muted === true);

    // "Ask to leave" (the host confirms): Ana's page closes, and her link no longer opens the door.
    host.page.once("dialog", (d) => void d.accept());
    await host.page.click('[data-testid="remove-Ana"]');
    const gone = await groupUntil(ana.page, "Ana's page closed", (s) => s.closed !== null);
    expect(gone.closed).toMatch(/asked you to leave/);
    await ana.page.waitForSelector('[data-testid="group-message"]');
    const retry = await knock(anaLink, "Ana");
    const refused = await groupUntil(retry.page, "old link refused", (s) => s.refused !== null);
    expect(refused.refused).toMatch(/withdrawn/);
    expect(refused.view).toBeNull();
    await screenshot(retry.page, "group-link-withdrawn");

    for (const p of pages) expect(p.foreignRequests).toEqual([]);
  });
});
