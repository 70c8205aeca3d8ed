/**
 * Clinic setup in real Chromium: a signed-in clinician (session cookie, tests/staffAccount.ts)
 * creates a patient and an appointment in the staff area, pairs an SOE (its key shown once, and
 * a real device connection sends with it), then opens the treatment room from today's page and
 * sees the patient and the sensor there. Forms are checked in the browser with the shared schemas.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeviceClient } from "../../devices/deviceClient.ts";
import type { TestServer } from "../harness.ts";
import { signedInStaff } from "../staffAccount.ts";
import { launchBrowser, screenshot, startE2eServer } from "./browser.ts";

let server: TestServer;
let browser: Browser;
let context: BrowserContext;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await server?.stopAsync();
});

const todayLocal = (): string => {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

/** A browser that holds the clinician's session cookie, as after signing in. */
async function signedInPageAsync(): Promise<{ page: Page; errors: string[] }> {
  const ray = await signedInStaff(server, { staffId: "ray", role: "clinician", displayName: "Dr. Ray Real" });
  const [name, value] = ray.cookie.split("=") as [string, string];
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.addCookies([
    { name, value, domain: "localhost", path: "/", httpOnly: true, sameSite: "Strict", secure: false },
  ]);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  return { page, errors };
}

describe("clinic setup in the staff area", () => {
  it("creates a patient and an appointment, pairs an SOE, and opens the room", async () => {
    const { page, errors } = await signedInPageAsync();
    await page.goto(`${server.origin}/staff.html`);
    await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    await expect(page.textContent("[data-testid=me]")).resolves.toContain("Dr. Ray Real");
    expect(await page.textContent("[data-testid=today]")).toContain("No appointments today.");

    // A patient: first with nothing filled in, so the browser names what is missing, by field.
    await page.click("[data-testid=new-patient]");
    await page.click("[data-testid=patient-form] button[type=submit]");
    await page.waitForSelector("[data-testid=patient-form-displayName-problem]:has-text('Enter a name.')");
    expect(await page.textContent("[data-testid=patient-form-dateOfBirth-problem]")).toBe("Enter a date.");
    expect(await screenshot(page, "staff-patient-problems")).toBeGreaterThan(10_000);
    expect(await server.directory.listPatients("main", true)).toEqual([]);
    await page.fill("[data-testid=patient-form-displayName]", "Ada Lovelace");
    await page.fill("[data-testid=patient-form-dateOfBirth]", "1985-12-10");
    await page.fill("[data-testid=patient-form-anxietyNotes]", "The sound of the drill");
    await page.click("[data-testid=patient-form] button[type=submit]");
    await page.waitForSelector("[data-testid=patients] tr:has-text('Ada Lovelace')");
    const [ada] = server.directory.listPatients("main", false);
    expect(ada?.displayName).toBe("Ada Lovelace");

    // An appointment today at 10:00, a filling on 26 (typed "do", booked as its canonical OD); a wrong tooth is named first.
    await page.click("[data-testid=new-appointment]");
    await page.fill("[data-testid=appointment-form-scheduledAt]", `${todayLocal()}T10:00`);
    await page.selectOption("[data-testid=appointment-form-plan]", "filling");
    await page.fill("[data-testid=appointment-form-tooth]", "99");
    await page.fill("[data-testid=appointment-form-surfaces]", "do");
    await page.click("[data-testid=appointment-form] button[type=submit]");
    await page.waitForSelector(
      "[data-testid=appointment-form-plan-problem]:has-text('Pick a treatment plan')",
    );
    await page.fill("[data-testid=appointment-form-tooth]", "26");
    await page.selectOption("[data-testid=appointment-form-clinicianId]", "ray");
    await page.click("[data-testid=appointment-form] button[type=submit]");
    await page.waitForSelector("[data-testid=today] li:has-text('Ada Lovelace')");
    const appointment = [...server.clinic.appointments.values()].find((a) => a.patientId === ada!.patientId)!;
    expect(appointment).toMatchObject({ planId: "filling-26-OD", clinicianName: "Dr. Ray Real" });
    expect(await page.textContent(`[data-testid=today-${appointment.appointmentId}]`)).toContain("10:00");

    // An SOE on 36: its key is shown once, and a device connects and sends with it.
    await page.click("[data-testid=pair-device]");
    await page.fill("[data-testid=device-form-deviceId]", "soe-ada-36");
    await page.fill("[data-testid=device-form-tooth]", "36");
    await page.click("[data-testid=device-form] button[type=submit]");
    const key = (await (await page.waitForSelector("[data-testid=device-key]")).textContent())!.trim();
    expect(key.length).toBeGreaterThan(30);
    await page.waitForSelector("[data-testid=device-soe-ada-36]:has-text('Ada Lovelace')");
    const device = new DeviceClient({ url: server.origin, deviceId: "soe-ada-36", deviceKey: key });
    device.send({
      seq: 1,
      firmware: "2.3.1",
      readings: [{ signal: "ph", t: Date.now(), value: 7.0, unit: "[pH]", tooth: 36 }],
    });
    expect(await device.flushAsync()).toBe(true);
    device.close();
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    await page.waitForSelector("[data-testid=device-soe-ada-36]:has-text('2.3.1')");
    // Shown once: after a reload the key is nowhere on the page.
    expect(await page.content()).not.toContain(key);
    expect(await screenshot(page, "staff-clinic-setup")).toBeGreaterThan(20_000);

    // Today's page opens the room: the cookie says who opens it, the address holds no credential.
    await page.click(`[data-testid=open-room-${appointment.appointmentId}]`);
    await page.waitForURL(`**/room.html?appointment=${appointment.appointmentId}`);
    await page.waitForFunction(
      () => (window.__chairside?.() as { link?: string; role?: string } | undefined)?.link === "connected",
      null,
      { timeout: 60_000 },
    );
    const state = await page.evaluate(
      () =>
        window.__chairside?.() as {
          role: string;
          view: { appointment: { patientName: string }; devices: { deviceId: string }[] };
        },
    );
    expect(state.role).toBe("clinician");
    expect(state.view.appointment.patientName).toBe("Ada Lovelace");
    expect(state.view.devices.map((d) => d.deviceId)).toContain("soe-ada-36");
    expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
  });
});
