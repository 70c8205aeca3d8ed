/**
 * The support group's 3D circle in real Chromium (issue 12): Noah (signed in) and an invited
 * patient open the group page; each page shows the circle above the flat page, with everyone in
 * their chair under their chosen name and Otto in his, and the topic, its timer and "Raise my hand"
 * on a card over the circle that is read from 60 cm (its smallest text at least 18 CSS px at
 * 1280×800 and 1920×1080, nobody's head under it). The patient enters VR in an emulated Meta
 * Quest 3 (IWER) and sits in her own chair: Noah's page sees her head follow the headset and her
 * hand follow the controller, and she raises her hand with the controller's laser on the world
 * panel. Back on the flat screen she lowers it on the card, and Noah raises his. A lesson the
 * host starts reaches the participant's page. Screenshots at 1280×800, 1920×1080 and in VR.
 */
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CircleCardState } from "../../client/group/circleCard.ts";
import type { CircleTestState } from "../../client/scene/groupCircle.ts";
import { SEATED_EYE_Y } from "../../client/scene/groupCircleLayout.ts";
import type { GroupView } from "../../shared/supportGroup.ts";
import type { TestServer } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import { signedInStaff } from "../staffAccount.ts";
import { isLinkNoise, openPage, screenshot, startE2eServer, type WatchedPage } from "./browser.ts";

let server: TestServer;
let browser: Browser;
const pages: WatchedPage[] = [];

beforeAll(async () => {
  server = await startE2eServer();
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
  // Contexts a test closed itself close again as a no-op.
  for (const p of pages)
    await p.page
      .context()
      .close()
      .catch(() => undefined);
  await browser?.close();
  await server?.stopAsync();
});

type CircleState = {
  ready: boolean;
  error: string | null;
  link: boolean;
  posesOut: number;
  batchesIn: number;
  card: CircleCardState;
  scene: CircleTestState | null;
};
type PageState = { group: { view: GroupView | null } | null; circle: CircleState | null };
const stateOf = (page: Page) =>
  page.evaluate(() => ({
    group: window.__chairsideGroup?.() ?? null,
    circle: window.__chairsideCircle?.() ?? null,
  })) as Promise<PageState>;

/** Pages whose state a failure also prints (the other side of what was awaited). */
const watched = new Map<string, Page>();

async function until(page: Page, what: string, test: (s: PageState) => boolean, timeout = 90_000) {
  let last: PageState | null = null;
  try {
    await expect
      .poll(
        async () => {
          last = await stateOf(page);
          return test(last);
        },
        { timeout, interval: 200 },
      )
      .toBe(true);
  } catch (error) {
    const others: Record<string, unknown> = {};
    for (const [name, p] of watched)
      if (p !== page)
        others[name] = await stateOf(p).then(
          (s) => ({
            link: s.circle?.link,
            posesOut: s.circle?.posesOut,
            batchesIn: s.circle?.batchesIn,
            xr: s.circle?.scene?.xrState,
            frames: s.circle?.scene?.frames,
            group: s.group && {
              closed: "closed" in s.group ? s.group.closed : undefined,
              refused: "refused" in s.group ? s.group.refused : undefined,
            },
          }),
          (e: unknown) => String(e),
        );
    throw new Error(`never reached "${what}": ${JSON.stringify(last)}; others: ${JSON.stringify(others)}`, {
      cause: error,
    });
  }
  return last!;
}

async function open(path: string, name: string, cookie?: string): Promise<WatchedPage> {
  const w = await openPage(browser, server.origin, path, name, cookie);
  pages.push(w);
  return w;
}

type XrDevice = {
  position: { x: number; y: number; z: number; set(x: number, y: number, z: number): void };
  controllers: {
    right: {
      position: { x: number; y: number; z: number; set(x: number, y: number, z: number): void };
      quaternion: { set(x: number, y: number, z: number, w: number): void };
      updateButtonValue(id: string, v: number): void;
    };
  };
};

/**
 * What keeps the topic's card from being read from 60 cm, or null: its smallest text must be at
 * least 18 CSS px, it floats on the canvas, and no one's head (Otto's included) is under it.
 */
function cardProblem(s: PageState): string | null {
  const card = s.circle?.card;
  const heads = Object.entries(s.circle?.scene?.headsOnCanvas ?? {});
  if (!card?.shown || !card.box) return "no card";
  if (card.smallestFontPx < 18) return `text of ${card.smallestFontPx} px`;
  if (!card.floating) return "the card is not over the circle";
  if (heads.length < 3) return "fewer than three heads drawn";
  const box = card.box;
  for (const [who, at] of heads) {
    if (!at) continue;
    if (at.x > box.x - 8 && at.x < box.x + box.w + 8 && at.y > box.y - 8 && at.y < box.y + box.h + 8)
      return `${who}'s head is under the card`;
  }
  return null;
}

/** Waits until the page's card is readable and hides nobody (the view moves aside a frame later). */
async function expectReadableCard(page: Page, when: string): Promise<void> {
  const s = await until(page, `a readable card ${when}`, (s) => cardProblem(s) === null);
  expect(cardProblem(s)).toBeNull();
  expect(s.circle!.card.smallestFontPx).toBeGreaterThanOrEqual(18);
}

/**
 * Presses a world-panel button with the emulated controller: aims its laser at the button (the
 * button's point in the XR rig's frame, z flipped to WebXR's right-handed axes), pulls the
 * trigger until `pressed` holds, and lets go once a frame has seen the release.
 */
async function pressInHeadset(page: Page, value: string, pressed: (s: PageState) => boolean): Promise<void> {
  const ready = await until(
    page,
    `"${value}" on the world panel`,
    (s) => Boolean(s.circle?.scene?.panelButtons[value]?.rig),
    AFTER_VR_MS,
  );
  await page.evaluate((target) => {
    const d = (window as unknown as { __xrDevice: XrDevice }).__xrDevice;
    const from = { x: d.position.x + 0.15, y: d.position.y - 0.3, z: d.position.z - 0.2 };
    const to = { x: target.x, y: target.y, z: -target.z };
    const dir = { x: to.x - from.x, y: to.y - from.y, z: to.z - from.z };
    const len = Math.hypot(dir.x, dir.y, dir.z);
    const n = { x: dir.x / len, y: dir.y / len, z: dir.z / len };
    // Shortest rotation taking the ray's rest direction (0,0,-1) onto n.
    const axis = { x: n.y, y: -n.x, z: 0 };
    const w = 1 - n.z;
    const ql = Math.hypot(axis.x, axis.y, axis.z, w);
    d.controllers.right.position.set(from.x, from.y, from.z);
    d.controllers.right.quaternion.set(axis.x / ql, axis.y / ql, axis.z / ql, w / ql);
  }, ready.circle!.scene!.panelButtons[value]!.rig!);
  const trigger = (v: number) =>
    page.evaluate((v) => {
      (window as unknown as { __xrDevice: XrDevice }).__xrDevice.controllers.right.updateButtonValue(
        "trigger",
        v,
      );
    }, v);
  // The laser must rest on the button for a frame before the pull counts as a press on it.
  const aimedAt = (await stateOf(page)).circle!.scene!.frames;
  await until(
    page,
    "a frame with the laser on the button",
    (s) => s.circle!.scene!.frames >= aimedAt + 2,
    AFTER_VR_MS,
  );
  await trigger(1);
  await until(page, `the press of "${value}"`, pressed, AFTER_VR_MS);
  await trigger(0);
  const released = (await stateOf(page)).circle!.scene!.frames;
  await until(
    page,
    "a frame with the trigger released",
    (s) => s.circle!.scene!.frames >= released + 2,
    AFTER_VR_MS,
  );
}

/**
 * The emulated headset renders in software: on a busy machine its frames can hold the page long
 * enough for the link to drop and come back (as in the patient's headset tests), so what follows
 * entering VR may wait for a reconnect.
 */
const AFTER_VR_MS = 200_000;

describe("the support group's 3D circle", () => {
  it(
    "seats everyone under their chosen name, shows the topic readably, relays a headset's head and hand to another page, and raises hands in VR and on the flat screen",
    {
      timeout: 600_000,
    },
    async () => {
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
          agenda: [{ title: "How was your week?", minutes: 10 }],
        },
      });
      const groupId = (scheduled.body as { groupId: string }).groupId;
      const invite = await callApi(server.origin, "POST", `/api/groups/${groupId}/invites`, { staff: noah });
      const link = new URL((invite.body as { link: string }).link);

      const host = await open(`/group.html?group=${groupId}`, "circle-host", noah.cookie);
      await host.page.setViewportSize({ width: 1280, height: 800 });
      await until(host.page, "the host's circle", (s) => s.circle?.ready === true && s.group?.view != null);

      // Low quality renders the emulated headset's eyes at a sixteenth of the pixels: software
      // rendering of two full eyes starves a busy machine's page until its link drops.
      const ana = await open(
        `${link.pathname}${link.search}&xr=emulate&quality=low${link.hash}`,
        "circle-ana",
      );
      await ana.page.setViewportSize({ width: 1280, height: 800 });
      watched.set("ana", ana.page);
      watched.set("host", host.page);
      await ana.page.fill('[data-testid="group-name"]', "Ana");
      await ana.page.click('[data-testid="group-join-button"]');
      const joined = await until(
        ana.page,
        "Ana's circle",
        (s) => s.circle?.ready === true && s.group?.view != null,
      );
      const anaId = joined.group!.view!.you;

      // Noah's screen: Ana in a chair under her chosen name, Otto in his, the topic panel.
      const seen = await until(host.page, "Ana seated on Noah's screen", (s) => {
        const ana = s.circle?.scene?.people[anaId];
        return ana?.name === "Ana" && ana.seat > 0;
      });
      const scene = seen.circle!.scene!;
      expect(scene.ottoSeat).not.toBeNull();
      expect(scene.people[anaId]!.head[1]).toBeCloseTo(SEATED_EYE_Y, 1);
      expect(scene.people[scene.you!]!.tag).toMatch(/^Noah\|host$/);
      // On a flat screen the topic's panel is the card over the circle; the world panel is a headset's.
      expect(seen.circle!.card).toMatchObject({ title: "Smiles without worry", buttons: ["hand"] });
      expect(scene.panel).toBeNull();
      expect(new Set(Object.values(scene.people).map((p) => p.seat)).size).toBe(2);

      // The topic and its timer reach Ana's card, read from 60 cm at 1280×800.
      await host.page.click('[data-testid="topic-0"]');
      const topicOnAna = await until(
        ana.page,
        "the topic on Ana's card",
        (s) => s.circle?.card.title === "How was your week?" && /^\d+:\d\d left\n/.test(s.circle.card.body),
      );
      expect(topicOnAna.circle!.card.buttons).toEqual(["hand"]);
      await expectReadableCard(ana.page, "on Ana's page at 1280×800");

      // Ana puts on the (emulated) headset: she sits in her own chair, the topic on the world panel.
      await ana.page.click('[data-testid="circle-enter-vr"]');
      const anaInVr = await until(
        ana.page,
        "Ana in VR with the topic on the world panel",
        (s) => s.circle?.scene?.xrState === "in_xr" && s.circle.scene.panel?.title === "How was your week?",
      );
      expect(anaInVr.circle!.card.shown).toBe(false);
      const before = (await stateOf(host.page)).circle!.scene!.people[anaId]!;
      await ana.page.evaluate(() => {
        const d = (window as unknown as { __xrDevice: XrDevice }).__xrDevice;
        d.position.set(d.position.x, d.position.y + 0.35, d.position.z);
      });
      // Noah's page sees her head rise with the headset, still over her own chair.
      const risen = await until(
        host.page,
        "Ana's head following her headset on Noah's page",
        (s) => (s.circle?.scene?.people[anaId]?.head[1] ?? 0) > SEATED_EYE_Y + 0.2,
        AFTER_VR_MS,
      );
      const anaSeen = risen.circle!.scene!.people[anaId]!;
      expect(anaSeen.seat).toBe(before.seat);
      expect(anaSeen.tracked).toBe(true);
      expect(Math.hypot(anaSeen.head[0] - before.head[0], anaSeen.head[2] - before.head[2])).toBeLessThan(
        0.3,
      );

      // She lifts the controller 40 cm: her hand on Noah's page follows it to where her own page draws it.
      await until(ana.page, "Ana's link live in VR", (s) => s.circle?.link === true, AFTER_VR_MS);
      const ownBefore = (await stateOf(ana.page)).circle!.scene!.people[anaId]!.right;
      expect(ownBefore).not.toBeNull();
      await ana.page.evaluate(() => {
        const c = (window as unknown as { __xrDevice: XrDevice }).__xrDevice.controllers.right.position;
        c.set(c.x, c.y + 0.4, c.z);
      });
      const lifted = await until(
        ana.page,
        "Ana's hand lifted on her own page",
        (s) => (s.circle?.scene?.people[anaId]?.right?.[1] ?? 0) > ownBefore![1] + 0.3,
        AFTER_VR_MS,
      );
      const own = lifted.circle!.scene!.people[anaId]!.right!;
      await until(
        host.page,
        "Ana's lifted hand on Noah's page",
        (s) => {
          const r = s.circle?.scene?.people[anaId]?.right;
          return r != null && Math.hypot(r[0] - own[0], r[1] - own[1], r[2] - own[2]) < 0.05;
        },
        AFTER_VR_MS,
      );
      await screenshot(ana.page, "group-circle-ana-vr");

      // She raises her hand with the controller's laser on the world panel; Noah's circle shows it.
      await pressInHeadset(
        ana.page,
        "hand",
        (s) => s.circle?.scene?.panel?.body.includes("Hand raised: you") === true,
      );
      await until(
        host.page,
        "Ana's hand up on Noah's screen",
        (s) => {
          const a = s.circle?.scene?.people[anaId];
          return a?.handRaised === true && /hand raised/.test(a.tag);
        },
        AFTER_VR_MS,
      );
      await host.page.waitForSelector('li.g-person[data-hand="true"]:has-text("Ana")');

      // Software rendering of two eyes starves this busy machine's page, so Ana takes the headset
      // off (the page's own button, clicked in the page: a presenting page's clicks do not settle).
      await ana.page.evaluate(() =>
        (document.querySelector('[data-testid="circle-enter-vr"]') as HTMLButtonElement).click(),
      );
      await until(
        ana.page,
        "Ana out of VR, the topic back on her card",
        (s) => s.circle?.scene?.xrState === "exited" && s.circle.card.shown && s.circle.scene.panel === null,
        AFTER_VR_MS,
      );
      await until(ana.page, "Ana's link live", (s) => s.circle?.link === true, AFTER_VR_MS);

      // Back on the flat screen she lowers her hand on the card with the mouse.
      await ana.page.click('[data-testid="circle-card-button:hand"]:has-text("Lower my hand")');
      await until(
        host.page,
        "Ana's hand down on Noah's screen",
        (s) => s.circle?.scene?.people[anaId]?.handRaised === false,
        AFTER_VR_MS,
      );
      await screenshot(ana.page, "group-circle-ana-1280");

      // The card's timer ticks every second, and the card is patched, not rebuilt: the button a
      // press aims at stays the one on the page (rebuilt, a press under load kept missing it).
      const handButton = '[data-testid="circle-card-button:hand"]';
      await host.page.$eval(handButton, (b) => Object.assign(b, { marked: true }));
      const bodyAtMark = (await stateOf(host.page)).circle!.card.body;
      await until(host.page, "a tick of the timer on Noah's card", (s) => s.circle?.card.body !== bodyAtMark);
      expect(await host.page.$eval(handButton, (b) => "marked" in b)).toBe(true);
      // A screen reader hears a new topic, not the timer every second: only the title is live.
      expect(
        await host.page.$$eval(
          '[data-testid="circle-card"] [aria-live], [data-testid="circle-card"][aria-live]',
          (live) => live.map((e) => e.tagName),
        ),
      ).toEqual(["H2"]);

      // Noah raises his on his own card; Ana's card names him.
      await host.page.click(`${handButton}:has-text("Raise my hand")`);
      await until(ana.page, "Noah's hand up on Ana's card", (s) =>
        /Hand raised: Noah\./.test(s.circle?.card.body ?? ""),
      );

      // The speaking halo finds each person's head in the circle (the voice's ring hangs from it).
      await expect
        .poll(
          async () => host.page.evaluate((id) => window.__chairsideVoice?.().rings[id] !== undefined, anaId),
          {
            timeout: 60_000,
          },
        )
        .toBe(true);

      await until(host.page, "Noah's card saying his hand is up", (s) =>
        /Hand raised: you\./.test(s.circle?.card.body ?? ""),
      );
      await expectReadableCard(host.page, "on Noah's page at 1280×800");
      await screenshot(host.page, "group-circle-host-1280");
      await host.page.setViewportSize({ width: 1920, height: 1080 });
      const wide = await stateOf(host.page);
      await until(
        host.page,
        "a frame at 1920",
        (s) => (s.circle?.scene?.frames ?? 0) > wide.circle!.scene!.frames + 2,
      );
      await expectReadableCard(host.page, "on Noah's page at 1920×1080");
      await screenshot(host.page, "group-circle-host-1920");

      for (const p of [host, ana]) {
        expect(p.foreignRequests).toEqual([]);
        expect(p.consoleErrors.filter((e) => !isLinkNoise(e))).toEqual([]);
      }
      // Free the machine for the next test: two WebGL pages and a voice call.
      for (const p of [host, ana]) await p.page.context().close();
    },
  );

  it(
    "a lesson the host starts reaches a participant's page: the same step, the teeth lit in the circle, answers their own",
    {
      timeout: 600_000,
    },
    async () => {
      const noah = await signedInStaff(server, {
        staffId: "noah-l",
        role: "assistant",
        displayName: "Noah Lee",
      });
      const scheduled = await callApi(server.origin, "POST", "/api/groups", {
        staff: noah,
        body: { title: "Brushing together", startsAt: "2026-12-04T18:00:00+01:00", agenda: [] },
      });
      const groupId = (scheduled.body as { groupId: string }).groupId;
      const invite = await callApi(server.origin, "POST", `/api/groups/${groupId}/invites`, { staff: noah });
      const link = new URL((invite.body as { link: string }).link);
      const host = await open(`/group.html?group=${groupId}`, "lesson-host", noah.cookie);
      await host.page.setViewportSize({ width: 1280, height: 800 });
      const ben = await open(`${link.pathname}${link.search}${link.hash}`, "lesson-ben");
      await ben.page.setViewportSize({ width: 1280, height: 800 });
      await ben.page.fill('[data-testid="group-name"]', "Ben");
      await ben.page.click('[data-testid="group-join-button"]');
      await until(ben.page, "Ben's circle", (s) => s.circle?.ready === true);
      type LessonSide = {
        linked: boolean;
        state: { lessonId: string | null; step: number; yourAnswers: unknown[] };
      };
      const lessonOf = (page: Page) =>
        page.evaluate(() => window.__chairsideCircleLesson?.() ?? null) as Promise<LessonSide | null>;
      const lessonUntil = async (page: Page, what: string, test: (s: LessonSide) => boolean) => {
        let last: LessonSide | null = null;
        try {
          await expect
            .poll(
              async () => {
                last = await lessonOf(page);
                return last !== null && test(last);
              },
              { timeout: 60_000, interval: 200 },
            )
            .toBe(true);
        } catch (error) {
          throw new Error(`never reached "${what}": ${JSON.stringify(last)}`, { cause: error });
        }
        return last!;
      };
      await lessonUntil(host.page, "the host's lesson link", (s) => s.linked);

      await host.page.selectOption('[data-testid="circle-lesson-pick"]', "brushing");
      await host.page.click('[data-testid="circle-lesson-start"]');
      await lessonUntil(
        ben.page,
        "the lesson on Ben's page",
        (s) => s.state.lessonId === "brushing" && s.state.step === 0,
      );
      await ben.page.waitForSelector('[data-testid="circle-lesson"] h2:has-text("Twice a day, two minutes")');
      // Only the host moves it on: Ben has no Next.
      expect(await ben.page.locator('[data-testid="circle-lesson-next"]').count()).toBe(0);

      await host.page.click('[data-testid="circle-lesson-next"]');
      await lessonUntil(ben.page, "step 2 on Ben's page", (s) => s.state.step === 1);
      // The Bass technique's teeth light on the 3D dentition in the middle of Ben's circle; on his
      // flat screen the step is on the lesson's card, so no world panel stands in front of them.
      const lit = await until(
        ben.page,
        "the teeth lit in Ben's circle",
        (s) => s.circle?.scene?.litTeeth?.join(",") === "16,15,14",
      );
      expect(lit.circle!.scene!.panel).toBeNull();
      expect(lit.circle!.card.shown).toBe(false);
      await screenshot(ben.page, "group-circle-lesson-1280");
      await ben.page.setViewportSize({ width: 1920, height: 1080 });
      await screenshot(ben.page, "group-circle-lesson-1920");

      for (let step = 2; step <= 3; step++) {
        await host.page.click('[data-testid="circle-lesson-next"]');
        await lessonUntil(ben.page, `step ${step} on Ben's page`, (s) => s.state.step === step);
      }
      // The first question: Ben answers for himself; nobody else's state holds his answer.
      await ben.page.click('[data-testid="circle-lesson-answer:how-long:1"]');
      await lessonUntil(ben.page, "Ben's own answer", (s) => s.state.yourAnswers.length === 1);
      await ben.page.waitForSelector('[data-testid="circle-lesson"] p:has-text("Right.")');
      expect((await lessonOf(host.page))!.state.yourAnswers).toEqual([]);
      expect(ben.consoleErrors.filter((e) => !isLinkNoise(e))).toEqual([]);
      expect(host.consoleErrors.filter((e) => !isLinkNoise(e))).toEqual([]);
    },
  );
});
