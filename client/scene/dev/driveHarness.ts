/**
 * Drives the scene harness in Debian Chromium (SwiftShader WebGL) with playwright-core:
 * screenshots, picking, panels, keys, and WebXR through the IWER emulator.
 * Run: npx tsx client/scene/dev/driveHarness.ts [desktop|patient|nature|low|xr|all]
 * (with `npx vite client --port 5199 --strictPort` running).
 */
import { type Browser, chromium, type Page } from "playwright-core";

const BASE = "http://localhost:5199/scene/dev/sceneHarness.html";
const which = process.argv[2] ?? "all";
const problems: string[] = [];
const foreignRequests: string[] = [];

function check(ok: boolean, what: string): void {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) problems.push(what);
}

async function open(browser: Browser, query: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("request", (r) => {
    const url = r.url();
    if (!url.startsWith("http://localhost:5199/") && !url.startsWith("data:") && !url.startsWith("blob:"))
      foreignRequests.push(url);
  });
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") console.log(`  [console.${m.type()}] ${m.text()}`);
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("response", (r) => {
    if (r.status() >= 400) console.log(`  [http ${r.status()}] ${r.url()}`);
  });
  page.on("framenavigated", (f) => {
    if (f === page.mainFrame()) console.log(`  [navigated] ${f.url()}`);
  });
  page.on("pageerror", (e) => {
    console.log(`  [pageerror] ${e.message}`);
    problems.push(`page error: ${e.message}`);
  });
  await page.goto(`${BASE}?${query}`);
  await page.waitForFunction(() => window.harness !== undefined || window.harnessError !== undefined, null, {
    timeout: 60_000,
  });
  const err = await page.evaluate(() => window.harnessError);
  if (err) throw new Error(err);
  await page.waitForTimeout(2500);
  return page;
}

type State = ReturnType<import("../treatmentScene.ts").TreatmentScene["testState"]>;
const state = (page: Page) => page.evaluate(() => window.harness!.scene.testState()) as Promise<State>;
/** Waits (polling, up to 15 s: SwiftShader frames are slow) for a harness event. */
async function waitForEvent(page: Page, kind: string, value: unknown): Promise<boolean> {
  try {
    await page.waitForFunction(
      ([k, v]) =>
        window.harness!.events.some(
          (e) => e.kind === k && JSON.stringify(e.value).includes(JSON.stringify(v)),
        ),
      [kind, value] as const,
      { timeout: 15_000, polling: 100 },
    );
    return true;
  } catch {
    return false;
  }
}

const events = (page: Page) =>
  page.evaluate(() => window.harness!.events.map((e) => ({ kind: e.kind, value: e.value })));

async function desktop(browser: Browser): Promise<void> {
  const page = await open(browser, "mode=desktop");
  const s = await state(page);
  console.log("  desktop state", JSON.stringify({ ...s, toothColours: undefined }));
  check(s.teeth === 32, "32 teeth");
  check(
    Object.values(s.avatars).filter((a) => a.visible).length === 2,
    "two remote avatars visible (self hidden)",
  );
  check(!("m-ray" in s.avatars), "own avatar not drawn");
  check(s.toothColours[18] === "#8e9db2" && s.toothColours[16] === "#e8736b", "unknown vs state colours");
  check(s.xrState === "unavailable", "no headset -> unavailable");
  await page.screenshot({ path: "/tmp/scene-desktop.png" });
  const p = await page.evaluate(() => window.harness!.scene.toothScreenPosition(36));
  check(p !== null, "tooth 36 on screen");
  if (p) {
    await page.mouse.move(p.x, p.y);
    await page.waitForTimeout(400);
    await page.mouse.down();
    await page.mouse.up();
    await page.waitForTimeout(300);
    const ev = await events(page);
    check(
      ev.some((e) => e.kind === "tooth" && e.value === 36),
      "clicking tooth 36 fires onToothPicked(36)",
    );
    await page.screenshot({ path: "/tmp/scene-desktop-pick.png" });
  }
  // Zoom on the dentition.
  await page.evaluate(() => window.harness!.scene.setDesktopFraming("dentition"));
  await page.waitForTimeout(600);
  await page.screenshot({ path: "/tmp/scene-desktop-teeth.png" });
  // Smoothness: Noah's head moves at most 0.015 m/s in x; interpolated frames must never go faster.
  const track = await page.evaluate(async () => {
    const out: { t: number; x: number }[] = [];
    for (let i = 0; i < 25; i++) {
      await new Promise((r) => requestAnimationFrame(r));
      out.push({ t: performance.now(), x: window.harness!.scene.testState().avatars["m-noah"]!.head[0] });
    }
    return out;
  });
  const speeds = track
    .slice(1)
    .map((s, i) => Math.abs(s.x - track[i]!.x) / Math.max(1e-3, (s.t - track[i]!.t) / 1000));
  check(
    Math.max(...speeds) < 0.015 * 1.3 + 0.002,
    `remote head moves smoothly (max ${Math.max(...speeds).toFixed(4)} m/s vs 0.015)`,
  );
  console.log(`  fps ${(await state(page)).fps}, meshes ${(await state(page)).meshCount}`);
  // Otto turns smoothly to the member it addresses (Noah stands behind the chair, to Otto's right-back).
  await page.evaluate(() =>
    window.harness!.scene.setOtto({ state: "listening", lookAt: "m-noah", lastUtterance: null }),
  );
  const yaw0 = (await state(page)).otto.yaw;
  await page
    .waitForFunction(() => Math.abs(window.harness!.scene.testState().otto.yaw - 3.05) < 0.15, null, {
      timeout: 30_000,
      polling: 200,
    })
    .catch(() => undefined);
  const o = (await state(page)).otto;
  check(
    o.state === "listening" && Math.abs(o.yaw - 3.05) < 0.15,
    `Otto turns to Noah (yaw ${yaw0.toFixed(2)} -> ${o.yaw.toFixed(2)})`,
  );
  await page.screenshot({ path: "/tmp/scene-desktop-otto.png" });
  await page.evaluate(() => window.harness!.scene.dispose());
  await page.waitForTimeout(300);
  await page.close();
}

async function patient(browser: Browser): Promise<void> {
  const page = await open(browser, "mode=patient");
  const s = await state(page);
  console.log("  patient state", JSON.stringify({ ...s, toothColours: undefined }));
  check(Math.abs(s.cameraPosition[1] - 1.49) < 0.05, "flat camera at the chair's eye height");
  await page.evaluate(() =>
    window.harness!.scene.setOtto({
      state: "listening",
      lookAt: "m-ray",
      lastUtterance: { kind: "answer", text: "It should not hurt. You may feel a little pressure." },
    }),
  );
  await page.waitForTimeout(2500);
  await page.screenshot({ path: "/tmp/scene-patient.png" });
  await page.evaluate(() => window.harness!.scene.showComfortCheckin());
  await page.evaluate(() => window.harness!.scene.setBreathingCoach(true));
  await page.evaluate(() => window.harness!.scene.showCalmCue("Dr. Ray is checking something"));
  await page.waitForTimeout(1500);
  await page.screenshot({ path: "/tmp/scene-patient-panel.png" });
  const sp = await state(page);
  check(
    sp.breathing && sp.calmCue === "Dr. Ray is checking something" && sp.panel === "checkin",
    "coach, calm cue and panel in testState",
  );
  const b = await page.evaluate(() => window.harness!.scene.panelButtonScreenPosition("7"));
  check(b !== null, "check-in button 7 on screen");
  if (b) {
    await page.mouse.click(b.x, b.y);
    await page.waitForTimeout(200);
    check(
      (await events(page)).some((e) => e.kind === "panel" && (e.value as { value: string }).value === "7"),
      "clicking 7 -> panel choice checkin/7",
    );
  }
  const stop = await page.evaluate(() => window.harness!.scene.panelButtonScreenPosition("stop"));
  check(stop !== null, "STOP button on screen");
  if (stop) {
    await page.mouse.click(stop.x, stop.y);
    await page.waitForTimeout(200);
    check(
      (await events(page)).some((e) => e.kind === "stop" && e.value === "panel"),
      "STOP world button -> stop(panel)",
    );
  }
  await page.keyboard.press("s");
  await page.waitForTimeout(100);
  check(
    (await events(page)).some((e) => e.kind === "stop" && e.value === "key"),
    "key S -> stop(key)",
  );
  for (let i = 0; i < 5; i++) {
    await page.evaluate((i) => window.harness!.scene.showMdasQuestion(i), i);
    const at = await page.evaluate(() => window.harness!.scene.panelButtonScreenPosition("3"));
    if (at) await page.mouse.click(at.x, at.y);
    await page.waitForTimeout(120);
    if (i === 4) await page.screenshot({ path: "/tmp/scene-patient-mdas.png" });
  }
  const mdas = (await events(page)).filter(
    (e) => e.kind === "panel" && String((e.value as { panel: string }).panel).startsWith("mdas:"),
  );
  check(mdas.length === 5, `5 MDAS answers via clicks (${mdas.length})`);
  await page.evaluate(() => window.harness!.scene.showOttoMenu());
  await page.waitForTimeout(300);
  await page.screenshot({ path: "/tmp/scene-patient-otto.png" });
  // Look around: drag and arrow keys turn the camera but never move it.
  const before = await state(page);
  await page.mouse.move(640, 200);
  await page.mouse.down();
  await page.mouse.move(300, 250, { steps: 8 });
  await page.mouse.up();
  await page.keyboard.down("ArrowLeft");
  await page.waitForTimeout(400);
  await page.keyboard.up("ArrowLeft");
  const after = await state(page);
  const moved = Math.hypot(...before.cameraPosition.map((v, i) => v - after.cameraPosition[i]!));
  check(moved < 1e-4, `look-around does not move the camera (${moved})`);
  const pose = await page.evaluate(() => window.harness!.scene.localPose());
  check(Math.abs(pose.head.q.y) > 0.05, "local pose head turned after look-around");
  await page.screenshot({ path: "/tmp/scene-patient-look.png" });
  await page.close();
}

async function nature(browser: Browser): Promise<void> {
  const page = await open(browser, "mode=patient&surroundings=nature");
  await page.evaluate(() => window.harness!.scene.setBreathingCoach(true));
  await page.waitForTimeout(1500);
  check((await state(page)).surroundings === "nature", "nature surroundings");
  await page.screenshot({ path: "/tmp/scene-nature.png" });
  await page.close();
  const desk = await open(browser, "mode=desktop&surroundings=nature");
  await desk.screenshot({ path: "/tmp/scene-nature-desktop.png" });
  await desk.close();
}

async function low(browser: Browser): Promise<void> {
  const page = await open(browser, "mode=desktop&quality=low");
  const s = await state(page);
  check(s.teeth === 32 && s.meshCount > 100, `low quality renders (fps ${s.fps})`);
  await page.screenshot({ path: "/tmp/scene-low.png" });
  await page.close();
}

async function xr(browser: Browser): Promise<void> {
  const page = await open(browser, "mode=patient&xr=emulate");
  const available = await page.evaluate(() => window.harness!.scene.xrAvailable);
  check(available, "xrAvailable with IWER");
  check((await state(page)).xrState === "ready", "xr state ready");
  await page.click("#enter-vr");
  await page.waitForFunction(() => window.harness!.scene.testState().xrState === "in_xr", null, {
    timeout: 30_000,
  });
  await page.waitForTimeout(500);
  const p0 = await page.evaluate(() => window.harness!.scene.localPose());
  console.log(
    "  xr pose0",
    JSON.stringify(p0.head.p),
    p0.left ? "left ok" : "no left",
    p0.right ? "right ok" : "no right",
  );
  check(
    Math.abs(p0.head.p.y - 1.49) < 0.05 && Math.abs(p0.head.p.z + 0.52) < 0.05,
    "XR head placed at the chair's eye point",
  );
  await page.evaluate(() => {
    const d = window.harness!.xrDevice as {
      position: { x: number; y: number; z: number; set(x: number, y: number, z: number): void };
    };
    d.position.set(d.position.x + 0.2, d.position.y, d.position.z);
  });
  await page.waitForTimeout(300);
  const p1 = await page.evaluate(() => window.harness!.scene.localPose());
  console.log("  xr pose1", JSON.stringify(p1.head.p));
  check(
    Math.hypot(p1.head.p.x - p0.head.p.x, p1.head.p.z - p0.head.p.z) > 0.15,
    "moving the emulated headset moves localPose().head",
  );
  await page.screenshot({ path: "/tmp/scene-xr.png" });
  // A/X primary button -> stop(button)
  await page.evaluate(() => {
    const d = window.harness!.xrDevice as {
      controllers: { right: { updateButtonValue(id: string, v: number): void } };
    };
    d.controllers.right.updateButtonValue("a-button", 1);
  });
  await page.waitForTimeout(300);
  await page.evaluate(() => {
    const d = window.harness!.xrDevice as {
      controllers: { right: { updateButtonValue(id: string, v: number): void } };
    };
    d.controllers.right.updateButtonValue("a-button", 0);
  });
  await page.waitForTimeout(200);
  check(
    (await events(page)).some((e) => e.kind === "stop" && e.value === "button"),
    "A button -> stop(button)",
  );
  // Raised hand: left controller 0.4 m above the headset for a second.
  await page.evaluate(() => {
    const d = window.harness!.xrDevice as {
      position: { x: number; y: number; z: number };
      controllers: { left: { position: { set(x: number, y: number, z: number): void } } };
    };
    d.controllers.left.position.set(d.position.x - 0.2, d.position.y + 0.4, d.position.z - 0.1);
  });
  await page.waitForTimeout(1200);
  check(
    (await events(page)).some((e) => e.kind === "stop" && e.value === "raised_hand"),
    "raised hand -> stop(raised_hand)",
  );
  const p2 = await page.evaluate(() => window.harness!.scene.localPose());
  check(
    p2.left !== null && p2.left.p.y > p2.head.p.y + 0.2,
    "localPose().left follows the raised controller",
  );
  // Laser + trigger on a world panel button: aim the right controller at "I'm ready" and pull.
  await page.evaluate(() => {
    const h = window.harness!;
    const d = h.xrDevice as {
      position: { x: number; y: number; z: number };
      controllers: {
        left: { position: { set(x: number, y: number, z: number): void } };
        right: {
          position: { set(x: number, y: number, z: number): void };
          quaternion: { set(x: number, y: number, z: number, w: number): void };
        };
      };
    };
    d.controllers.left.position.set(d.position.x - 0.2, d.position.y - 0.5, d.position.z - 0.2);
    // World (Babylon, left-handed) -> the rig's local frame -> WebXR right-handed (flip z).
    const target = h.scene.xrLocalPoint(h.scene.panelButtonWorldPosition("ready")!);
    const from = { x: d.position.x + 0.15, y: d.position.y - 0.3, z: d.position.z - 0.2 };
    const to = { x: target.x, y: target.y, z: -target.z };
    const dir = { x: to.x - from.x, y: to.y - from.y, z: to.z - from.z };
    const len = Math.hypot(dir.x, dir.y, dir.z);
    const n = { x: dir.x / len, y: dir.y / len, z: dir.z / len };
    // Shortest rotation taking the ray's rest direction (0,0,-1) onto n.
    const axis = { x: n.y, y: -n.x, z: 0 };
    const w = 1 + -n.z;
    const ql = Math.hypot(axis.x, axis.y, axis.z, w);
    d.controllers.right.position.set(from.x, from.y, from.z);
    d.controllers.right.quaternion.set(axis.x / ql, axis.y / ql, axis.z / ql, w / ql);
  });
  await page.waitForTimeout(600);
  const pressTrigger = (v: number) =>
    page.evaluate((v) => {
      const d = window.harness!.xrDevice as {
        controllers: { right: { updateButtonValue(id: string, v: number): void } };
      };
      d.controllers.right.updateButtonValue("trigger", v);
    }, v);
  await pressTrigger(1);
  const readyFired = await waitForEvent(page, "panel", { panel: "controls", value: "ready" });
  await pressTrigger(0);
  await page.screenshot({ path: "/tmp/scene-xr-laser.png" });
  check(readyFired, "XR laser + trigger on I'm ready -> panel choice controls/ready");
  await page.evaluate(() => window.harness!.scene.exitXRAsync());
  check(await waitForEvent(page, "xr", "exited"), "exitXRAsync -> exited");
  const flat = await state(page);
  check(
    Math.abs(flat.cameraPosition[1] - 1.49) < 0.02 && Math.abs(flat.cameraPosition[2] + 0.52) < 0.02,
    "after XR the flat camera is back at the chair's eye point",
  );
  console.log("  xr events", JSON.stringify(await events(page)));
  await page.close();
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--use-angle=swiftshader",
    "--enable-unsafe-swiftshader",
    "--ignore-gpu-blocklist",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
  ],
});
try {
  if (which === "desktop" || which === "all") await desktop(browser);
  if (which === "patient" || which === "all") await patient(browser);
  if (which === "nature" || which === "all") await nature(browser);
  if (which === "low" || which === "all") await low(browser);
  if (which === "xr" || which === "all") await xr(browser);
} finally {
  await browser.close();
}
check(foreignRequests.length === 0, `no requests to other origins ${foreignRequests.join(" ")}`);
console.log(problems.length ? `\n${problems.length} problem(s)` : "\nall good");
process.exit(problems.length ? 1 : 0);
