/**
 * Noah's support group in real Chromium (issue 12): Noah (signed in) opens the group he scheduled,
 * two invited patients open their links, choose names and join. A raised hand shows on the host's
 * page; the host's mute holds the participant's microphone off; "Ask to leave" closes the
 * participant's page, and the same link then no longer opens the door. The host hands the circle
 * to a colleague. Screenshots at 1280×800 and 1920×1080.
 */
import { describe, expect, it } from "vitest";
import { GroupRole, type GroupView } from "../../shared/supportGroup.ts";
import { callApi } from "../pairingFixture.ts";
import { signedInStaff } from "../staffAccount.ts";
import { screenshot } from "./browser.ts";
import {
  groupUntil,
  inviteLinkAsync,
  joinCircleAsync,
  knockAsync,
  scheduleGroupAsync,
  talkingPagesFixture,
} from "./groupFixture.ts";

// The clinic is in Amsterdam, whatever zone this machine (and the browser) is in.
const fixture = talkingPagesFixture({ server: { clinicTimeZone: "Europe/Amsterdam" }, softwareGl: false });

describe("the support group page", () => {
  it("host and participants: join under a chosen name, raise hand, host mute, ask to leave", async () => {
    const server = fixture.server;
    const noah = await signedInStaff(server, {
      staffId: "noah",
      role: "assistant",
      displayName: "Noah Park",
    });
    const groupId = await scheduleGroupAsync(server, noah, "Smiles without worry", [
      { title: "How was your week?", minutes: 10 },
      { title: "Brushing when you are tense", minutes: 15 },
    ]);
    const [anaLink, benLink] = [
      await inviteLinkAsync(server, noah, groupId),
      await inviteLinkAsync(server, noah, groupId),
    ];

    const host = await fixture.open(`/group.html?group=${groupId}`, "host", noah.cookie);
    await groupUntil(host.page, "host in the circle", (s) => s.view !== null);
    await host.page.setViewportSize({ width: 1920, height: 1080 });

    const ana = await joinCircleAsync(fixture, anaLink, "Ana");
    const ben = await joinCircleAsync(fixture, benLink, "Ben");
    await groupUntil(host.page, "four in the circle", (s) => s.view!.members.length === 4);

    await host.page.click('[data-testid="topic-1"]');
    await ana.page.waitForSelector('[data-testid="group-timer"]:has-text("Brushing when you are tense")');

    // Ben is writing when Ana raises her hand: his page is drawn again, and his field (its words,
    // its focus) stays the same field. So does Ana's button, pressed as the view changes.
    const noteField = '[data-testid="note-input"]';
    await ben.page.fill(noteField, "A soft brush helps me");
    for (const [page, selector] of [
      [ben.page, noteField],
      [ana.page, '[data-testid="raise-hand"]'],
    ] as const)
      await page.$eval(selector, (e) => Object.assign(e, { marked: true }));
    await ana.page.click('[data-testid="raise-hand"]');
    await host.page.waitForSelector('li.g-person[data-hand="true"]:has-text("Ana")');
    await ben.page.waitForSelector('li.g-person[data-hand="true"]:has-text("Ana")');
    await ana.page.waitForSelector('[data-testid="raise-hand"]:has-text("Lower my hand")');
    expect(await ana.page.$eval('[data-testid="raise-hand"]', (e) => "marked" in e)).toBe(true);
    expect(await ben.page.$eval(noteField, (e) => "marked" in e && document.activeElement === e)).toBe(true);
    expect(await ben.page.inputValue(noteField)).toBe("A soft brush helps me");
    await ben.page.click('[data-testid="note-add"]');
    await host.page.waitForSelector('[data-testid="group-board"] li:has-text("A soft brush helps me — Ben")');
    expect(await ben.page.inputValue(noteField)).toBe("");
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
    const retry = await knockAsync(fixture, anaLink, "Ana");
    const refused = await groupUntil(retry.page, "old link refused", (s) => s.refused !== null);
    expect(refused.refused).toMatch(/withdrawn/);
    expect(refused.view).toBeNull();
    await screenshot(retry.page, "group-link-withdrawn");

    for (const p of fixture.pages) expect(p.foreignRequests).toEqual([]);
  });

  it("Noah schedules a session on his scheduling page, invites a patient from the directory, and the patient's link opens the group", async () => {
    const server = fixture.server;
    const noah = await signedInStaff(server, {
      staffId: "noah",
      role: "assistant",
      displayName: "Noah Park",
    });
    const made = await callApi(server.origin, "POST", "/api/patients", {
      staff: noah,
      body: { displayName: "Mara Lind", dateOfBirth: "1979-04-02", anxietyNotes: "", preferences: "" },
    });
    expect(made.status).toBe(201);

    // Noah finds the scheduling page from the staff area; he works from a laptop set to New York.
    const host = await fixture.open("/staff.html", "schedule", noah.cookie);
    const cdp = await host.page.context().newCDPSession(host.page);
    await cdp.send("Emulation.setTimezoneOverride", { timezoneId: "America/New_York" });
    await host.page.setViewportSize({ width: 1280, height: 800 });
    await host.page.click('[data-testid="groups-link"]');
    await host.page.waitForSelector('[data-testid="plan-form"]');
    await expect
      .poll(() => host.page.textContent('[data-testid="clinic-zone"]'))
      .toContain("Europe/Amsterdam");
    await expect
      .poll(() => host.page.textContent('[data-testid="plan-elsewhere"]'))
      .toContain("This computer is set to America/New York");
    await host.page.fill('[data-testid="plan-title"]', "Calm teeth, calm mind");
    // The night Amsterdam's clocks go back: 02:30 happens twice; the page says which one it means.
    await host.page.fill('[data-testid="plan-date"]', "2027-10-31");
    await host.page.fill('[data-testid="plan-time"]', "02:30");
    await expect.poll(() => host.page.textContent('[data-testid="plan-preview"]')).toContain("02:30 CEST");
    await host.page.fill('[data-testid="plan-time"]', "18:30");
    await expect.poll(() => host.page.textContent('[data-testid="plan-preview"]')).toContain("18:30 CET");
    await host.page.click('[data-testid="plan-submit"]');
    const card = host.page.locator('[data-testid="session"]', { hasText: "Calm teeth, calm mind" });
    await card.waitFor();
    // Shown at the wall-clock time the host chose, in the clinic's time zone (winter time by then),
    // and stored as that instant in UTC: neither the server's zone nor the laptop's.
    await expect
      .poll(() => card.locator('[data-testid="session-when"]').textContent())
      .toContain("18:30 CET");
    const listed = await callApi(server.origin, "GET", "/api/groups", { staff: noah });
    const planned = (
      listed.body as { groups: { title: string; startsAt: string; timeZone: string }[] }
    ).groups.find((g) => g.title === "Calm teeth, calm mind");
    expect(planned?.timeZone).toBe("Europe/Amsterdam");
    expect(new Date(planned!.startsAt).toISOString()).toBe("2027-10-31T17:30:00.000Z");

    await card.locator('[data-testid="invite-patient"]').selectOption({ label: "Mara Lind" });
    await card.locator('[data-testid="invite-send"]').click();
    const invitation = card.locator('[data-testid="invitation"]', { hasText: "Mara Lind" });
    await invitation.waitFor();
    await invitation.locator('[data-testid="invite-qr-toggle"]').click();
    await invitation.locator('[data-testid="invite-qr"] svg').waitFor();
    const link = new URL(await invitation.locator('[data-testid="invite-link"]').inputValue());
    expect(link.hash).toMatch(/^#invite=/);
    await screenshot(host.page, "group-schedule-1280");
    await host.page.setViewportSize({ width: 1920, height: 1080 });
    await screenshot(host.page, "group-schedule-1920");

    // Mara opens her link: she chooses a name and is in the circle Noah planned, with its agenda.
    const mara = await fixture.open(`${link.pathname}${link.search}${link.hash}`, "mara");
    await mara.page.fill('[data-testid="group-name"]', "Mara");
    await mara.page.click('[data-testid="group-join-button"]');
    const joined = await groupUntil(mara.page, "Mara in the circle", (s) => s.view !== null);
    expect(joined.view!.title).toBe("Calm teeth, calm mind");
    expect(joined.view!.agenda.map((t) => t.minutes)).toEqual([10, 15]);
    expect(JSON.stringify(joined.view)).not.toContain("Lind");

    // Cancelling the session closes her page with a sentence she can act on.
    host.page.once("dialog", (d) => void d.accept());
    await card.locator('[data-testid="session-cancel"]').click();
    const closed = await groupUntil(mara.page, "Mara told it is cancelled", (s) => s.closed !== null);
    expect(closed.closed).toMatch(/cancelled/);
    await host.page.waitForSelector('[data-testid="upcoming"]:not(:has-text("Calm teeth, calm mind"))');

    for (const p of fixture.pages) expect(p.foreignRequests).toEqual([]);
  });
  it("Noah hands the circle to a colleague: the button on Ray's row, Ray's page hosting, Noah's without the host's controls", async () => {
    await fixture.closeAllAsync(); // the pages of the tests before are done
    const server = fixture.server;
    const noah = await signedInStaff(server, {
      staffId: "noah",
      role: "assistant",
      displayName: "Noah Park",
    });
    const ray = await signedInStaff(server, { staffId: "ray", role: "assistant", displayName: "Ray Osei" });
    const groupId = await scheduleGroupAsync(server, noah, "Calm before the chair", [
      { title: "Breathing together", minutes: 10 },
    ]);
    const host = await fixture.open(`/group.html?group=${groupId}`, "host", noah.cookie);
    await groupUntil(host.page, "Noah in the circle", (s) => s.view !== null);
    const colleague = await fixture.open(`/group.html?group=${groupId}`, "colleague", ray.cookie);
    await groupUntil(colleague.page, "Ray in the circle", (s) => s.view !== null);
    await host.page.setViewportSize({ width: 1280, height: 800 });
    const handOver = host.page.locator('[data-testid^="handover-Ray"]');
    await handOver.scrollIntoViewIfNeeded(); // Ray's row, under the circle at 1280×800
    await screenshot(host.page, "group-hand-over-1280");

    host.page.once("dialog", (d) => void d.accept());
    await handOver.click();
    const hostOf = (v: GroupView) => v.members.find((m) => m.role === GroupRole.host);
    await groupUntil(
      colleague.page,
      "Ray hosting on his page",
      (s) => hostOf(s.view!)?.memberId === s.view!.you,
    );
    await groupUntil(
      host.page,
      "Ray hosting on Noah's page",
      (s) => hostOf(s.view!)?.name.startsWith("Ray") === true,
    );
    // Noah is clinic staff in the circle now: no mute, no hand-over on his page; Ray has them for Noah.
    await colleague.page.locator('[data-testid^="handover-Noah"]').waitFor();
    expect(await host.page.locator('[data-testid^="mute-"], [data-testid^="handover-"]').count()).toBe(0);
    await colleague.page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(colleague.page, "group-colleague-hosting-1280");

    for (const p of fixture.pages) expect(p.foreignRequests).toEqual([]);
  });
});
