/**
 * Replaceable models in real Chromium against the real server: the room page loads the clinic
 * room, the chair, the people and Otto from /models/*.glb (the files in assets/models/, served
 * from our own origin under the page's CSP), and a missing, broken or mis-named file still gives a
 * full room from the built-in builders, with a logged warning per model that fell back.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelReport } from "../../client/scene/modelsLoader.ts";
import type { TestServer } from "../harness.ts";
import { canvasContrast, launchBrowser, screenshot, startE2eServer } from "./browser.ts";

let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  server = await startE2eServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stopAsync();
});

interface Visit {
  page: Page;
  consoleErrors: string[];
  warnings: string[];
  models: { path: string; status: number; type: string | null }[];
  foreign: string[];
}

/** Opens a room page; `intercept` may replace model files on the wire before the page loads. */
async function visit(path: string, intercept?: (page: Page) => Promise<void>): Promise<Visit> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const v: Visit = { page, consoleErrors: [], warnings: [], models: [], foreign: [] };
  page.on("console", (m) => {
    if (m.type() === "error") v.consoleErrors.push(m.text());
    if (m.type() === "warning") v.warnings.push(m.text());
  });
  page.on("pageerror", (e) => v.consoleErrors.push(e.message));
  page.on("request", (r) => {
    if (!r.url().startsWith(server.origin) && !/^(data|blob):/.test(r.url())) v.foreign.push(r.url());
  });
  page.on("response", (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith("/models/"))
      v.models.push({ path: url.pathname, status: r.status(), type: r.headers()["content-type"] ?? null });
  });
  await intercept?.(page);
  const url = new URL(path, server.origin);
  url.searchParams.set("quality", "low");
  await page.goto(url.toString(), { waitUntil: "domcontentloaded", timeout: 60_000 });
  return v;
}

/** Waits until every model is in place (from a file or built in) and someone else stands in the room. */
async function settled(page: Page): Promise<ModelReport> {
  await page.waitForFunction(
    () => {
      const r = window.__chairsideModels?.();
      return !!r && Object.values(r.sources).every((s) => s !== "pending") && r.meshes.avatar > 0;
    },
    null,
    { timeout: 90_000 },
  );
  return page.evaluate(() => window.__chairsideModels!());
}

describe("replaceable 3D models", () => {
  it("loads the room, chair, people and Otto from our own /models/*.glb files", async () => {
    const patient = await visit("/join/julian/patient");
    const clinician = await visit("/join/julian/clinician");
    try {
      const report = await settled(clinician.page);
      expect(report.sources).toEqual({ room: "glb", chair: "glb", avatar: "glb", otto: "glb" });
      expect(report.warnings).toEqual([]);
      for (const kind of ["room", "chair", "avatar", "otto"] as const)
        expect(report.meshes[kind]).toBeGreaterThan(0);
      const fetched = clinician.models.map((m) => m.path).sort();
      expect(fetched).toEqual([
        "/models/avatar.glb",
        "/models/clinic-room.glb",
        "/models/dental-unit.glb",
        "/models/otto.glb",
      ]);
      for (const m of clinician.models) expect(m.status).toBe(200);
      // What was served is what the repository ships.
      const served = await clinician.page.evaluate(async () =>
        (await fetch("/models/otto.glb")).arrayBuffer().then((b) => b.byteLength),
      );
      expect(served).toBe(readFileSync(resolve("assets/models/otto.glb")).byteLength);
      expect(clinician.foreign).toEqual([]);
      // Embedded textures (the floor, the window view) decode under the page's CSP: no violations.
      expect(clinician.consoleErrors).toEqual([]);
      expect(clinician.warnings.filter((w) => w.includes("[models]"))).toEqual([]);
      await expect.poll(() => canvasContrast(clinician.page), { timeout: 30_000 }).toBeGreaterThan(8);
      await screenshot(clinician.page, "models-glb-clinician");
    } finally {
      await clinician.page.context().close();
      await patient.page.context().close();
    }
  });

  it("builds in each model whose file is missing, broken or mis-named, with a warning, never a blank room", async () => {
    const avatarBytes = readFileSync(resolve("assets/models/avatar.glb"));
    const patient = await visit("/join/julian/patient");
    const clinician = await visit("/join/julian/clinician", async (page) => {
      await page.route("**/models/clinic-room.glb", (r) => r.fulfill({ status: 404, body: "not found" }));
      await page.route("**/models/otto.glb", (r) =>
        r.fulfill({ status: 200, contentType: "model/gltf-binary", body: "this is not a GLB file" }),
      );
      // A valid GLB, but a person where the chair should be: no seat, headrest or patient body.
      await page.route("**/models/dental-unit.glb", (r) =>
        r.fulfill({ status: 200, contentType: "model/gltf-binary", body: avatarBytes }),
      );
    });
    try {
      const report = await settled(clinician.page);
      expect(report.sources).toEqual({ room: "builtin", chair: "builtin", avatar: "glb", otto: "builtin" });
      for (const kind of ["room", "chair", "avatar", "otto"] as const)
        expect(report.meshes[kind]).toBeGreaterThan(0);
      const logged = clinician.warnings.filter((w) => w.includes("[models]"));
      expect(logged).toHaveLength(3);
      expect(logged.join("\n")).toMatch(
        /clinic-room\.glb could not be loaded.*using the built-in clinic room/,
      );
      expect(logged.join("\n")).toMatch(/otto\.glb could not be loaded.*using the built-in Otto/);
      expect(logged.join("\n")).toMatch(/dental-unit\.glb lacks the nodes seat, headrest, patient-body/);
      // Chromium itself reports the 404; nothing else may go wrong.
      expect(clinician.consoleErrors.filter((e) => !/404/.test(e))).toEqual([]);
      await expect.poll(() => canvasContrast(clinician.page), { timeout: 30_000 }).toBeGreaterThan(8);
      await screenshot(clinician.page, "models-fallback-clinician");
    } finally {
      await clinician.page.context().close();
      await patient.page.context().close();
    }
  });
});
