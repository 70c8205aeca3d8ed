/**
 * The preamble the e2e tests of people talking share (supportGroup, voice; groupCircle can take it
 * too): one headless Chromium for the file with a fake microphone allowed without a prompt, one
 * server for the file, the pages a test opened (closed after it or after the file), and the
 * support group's steps: plan a session as a signed-in host, mint an invitation, wait for the group
 * page's states (never a fixed sleep).
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { ServerConfig } from "../../server/config.ts";
import type { GroupView } from "../../shared/supportGroup.ts";
import type { TestServer } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import type { SignedInStaff } from "../staffAccount.ts";
import { openPage, startE2eServer, type WatchedPage } from "./browser.ts";

/** Chromium's beeping test microphone, allowed without a prompt. */
const FAKE_MICROPHONE_ARGS = [
  "--no-sandbox",
  "--disable-background-networking",
  "--disable-component-update",
  "--no-first-run",
  "--autoplay-policy=no-user-gesture-required",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
];
/** WebGL on SwiftShader, as tests/e2e/browser.ts gives it: the 3D room and circle draw (and cost CPU). */
const SOFTWARE_GL_ARGS = ["--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"];

export type NamedPage = WatchedPage & { name: string };

export interface TalkingPages {
  /** The file's server (started in beforeAll). */
  readonly server: TestServer;
  /** Every page open now, in the order opened. */
  readonly pages: readonly NamedPage[];
  /** Opens a page of the server (with a staff cookie when given) and keeps it until closed. */
  open(path: string, name: string, cookie?: string): Promise<NamedPage>;
  /** Closes the pages opened so far (the next test starts with none). */
  closeAllAsync(): Promise<void>;
}

/**
 * Registers the file's hooks: the server (with `server` settings) and the browser for the file,
 * the pages closed after it. `softwareGl: false` leaves Chromium's default GL (the support group's
 * flat-page test opens four pages; drawing four 3D circles on SwiftShader starves a 2-core machine).
 */
export function talkingPagesFixture(
  opts: { server?: Partial<ServerConfig>; softwareGl?: boolean } = {},
): TalkingPages {
  let server: TestServer | null = null;
  let browser: Browser | null = null;
  const pages: NamedPage[] = [];
  const closeAllAsync = async () => {
    // A context a test closed itself closes again as a no-op.
    for (const p of pages.splice(0))
      await p.page
        .context()
        .close()
        .catch(() => undefined);
  };
  beforeAll(async () => {
    server = await startE2eServer(opts.server ?? {});
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [...FAKE_MICROPHONE_ARGS, ...(opts.softwareGl === false ? [] : SOFTWARE_GL_ARGS)],
    });
  });
  afterAll(async () => {
    await closeAllAsync();
    await browser?.close();
    await server?.stopAsync();
  });
  return {
    get server() {
      if (!server) throw new Error("the server starts in beforeAll");
      return server;
    },
    pages,
    async open(path, name, cookie) {
      if (!server || !browser) throw new Error("the server and the browser start in beforeAll");
      const named = { ...(await openPage(browser, server.origin, path, name, cookie)), name };
      pages.push(named);
      return named;
    },
    closeAllAsync,
  };
}

// -- the support group page ---------------------------------------------------------------------

/** What the group page's test hook tells (client/group/groupPage.ts). */
export type GroupState = {
  view: GroupView | null;
  closed: string | null;
  refused: string | null;
  /** Why the page's link went down by itself (the last five). */
  drops: string[];
};

export const groupOf = (page: Page) =>
  page.evaluate(() => window.__chairsideGroup?.() ?? null) as Promise<GroupState | null>;

/** Waits until the group page's state satisfies `test`; a failure names the state it was left in. */
export async function groupUntil(
  page: Page,
  what: string,
  test: (s: GroupState) => boolean,
): Promise<GroupState> {
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

/** Plans a session a week ahead as the signed-in host; resolves its id. */
export async function scheduleGroupAsync(
  server: TestServer,
  host: SignedInStaff,
  title: string,
  agenda: { title: string; minutes: number }[],
): Promise<string> {
  const res = await callApi(server.origin, "POST", "/api/groups", {
    staff: host,
    body: { title, startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(), agenda },
  });
  expect(res.status).toBe(201);
  return (res.body as { groupId: string }).groupId;
}

/** A fresh invitation link to the group (a plain link, for nobody in particular). */
export async function inviteLinkAsync(
  server: TestServer,
  host: SignedInStaff,
  groupId: string,
): Promise<URL> {
  const res = await callApi(server.origin, "POST", `/api/groups/${groupId}/invites`, { staff: host });
  expect(res.status).toBe(201);
  return new URL((res.body as { link: string }).link);
}

/** Opens an invitation link, types the chosen name and presses "Join the circle" (no wait). */
export async function knockAsync(fixture: TalkingPages, link: URL, name: string): Promise<NamedPage> {
  const w = await fixture.open(`${link.pathname}${link.search}${link.hash}`, name);
  await w.page.fill('[data-testid="group-name"]', name);
  await w.page.click('[data-testid="group-join-button"]');
  return w;
}

/** Knocks and waits until the page is in the circle. */
export async function joinCircleAsync(fixture: TalkingPages, link: URL, name: string): Promise<NamedPage> {
  const w = await knockAsync(fixture, link, name);
  await groupUntil(w.page, `${name} in the circle`, (s) => s.view !== null);
  return w;
}
