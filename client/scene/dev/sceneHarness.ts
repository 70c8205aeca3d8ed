/**
 * Throwaway harness for the scene layer: fake members, a jittered pose stream, sample tooth
 * states, and (with ?xr=emulate) the IWER WebXR emulator installed before Babylon loads.
 * URL: /scene/dev/sceneHarness.html?mode=desktop|patient&xr=emulate&surroundings=nature&view=demo
 * (`view=demo`: the demo screen's seat, a presenter who sees all three people; bench/sceneBench.ts).
 */
import type { Pose, PoseBatch } from "../../../shared/poseCodec.ts";
import type { MemberView } from "../../../shared/protocol.ts";
import type { TreatmentScene } from "../treatmentScene.ts";

const params = new URLSearchParams(location.search);
const mode = params.get("mode") === "patient" ? "patient" : "desktop";
const quality = params.get("quality") === "low" ? "low" : "high";

interface HarnessEvent {
  at: number;
  kind: string;
  value: unknown;
}

interface Harness {
  scene: TreatmentScene;
  xrDevice: unknown;
  events: HarnessEvent[];
  streaming: boolean;
}

declare global {
  interface Window {
    harness?: Harness;
    harnessError?: string;
  }
}

const demoView = params.get("view") === "demo";

const MEMBERS: MemberView[] = [
  {
    memberId: "m-julian",
    personId: "p1",
    displayName: "Julian",
    role: "patient",
    connection: "connected",
    slot: 0,
  },
  {
    memberId: "m-ray",
    personId: "p2",
    displayName: "Dr. Ray",
    role: "clinician",
    connection: "connected",
    slot: 1,
  },
  {
    memberId: "m-noah",
    personId: "p3",
    displayName: "Noah",
    role: "assistant",
    connection: "connected",
    slot: 2,
  },
  ...(demoView
    ? [
        {
          memberId: "m-screen",
          personId: "p4",
          displayName: "Demo screen",
          role: "presenter",
          connection: "connected",
          slot: 3,
        } satisfies MemberView,
      ]
    : []),
];

function yawQuat(yaw: number, pitch = 0) {
  const cy = Math.cos(yaw / 2);
  const sy = Math.sin(yaw / 2);
  const cp = Math.cos(pitch / 2);
  const sp = Math.sin(pitch / 2);
  // Yaw about y then pitch about x (Babylon's YXZ order).
  return { x: cy * sp, y: sy * cp, z: -sy * sp, w: cy * cp };
}

function fakePose(slot: number, t: number): Pose {
  const s = t / 1000;
  if (slot === 0) {
    return {
      head: {
        p: { x: 0.01 * Math.sin(s * 0.7), y: 1.49, z: -0.52 },
        q: yawQuat(0.25 * Math.sin(s * 0.4), -0.1),
      },
      left: { p: { x: -0.29, y: 0.77, z: 0.2 }, q: yawQuat(0) },
      right: { p: { x: 0.29, y: 0.77, z: 0.2 }, q: yawQuat(0) },
    };
  }
  if (slot === 1) {
    const yaw = -2.3 + 0.3 * Math.sin(s * 0.5);
    return {
      head: { p: { x: 0.74, y: 1.62, z: -0.06 }, q: yawQuat(yaw, 0.35) },
      left: { p: { x: 0.42, y: 1.32 + 0.04 * Math.sin(s * 1.3), z: 0.05 }, q: yawQuat(yaw, 0.4) },
      right: { p: { x: 0.5 + 0.05 * Math.sin(s * 1.1), y: 1.3, z: -0.12 }, q: yawQuat(yaw, 0.4) },
    };
  }
  return {
    head: { p: { x: -0.72 + 0.05 * Math.sin(s * 0.3), y: 1.58, z: -0.42 }, q: yawQuat(1.9, 0.3) },
    left: { p: { x: -0.55, y: 1.1, z: -0.3 }, q: yawQuat(1.9) },
    right: null,
  };
}

async function main(): Promise<void> {
  let xrDevice: unknown = null;
  if (params.get("xr") === "emulate") {
    const { XRDevice, metaQuest3 } = await import("iwer");
    const device = new XRDevice(metaQuest3);
    device.installRuntime({ forceInstall: true });
    xrDevice = device;
  }
  const { TreatmentScene } = await import("../treatmentScene.ts");
  const canvas = document.getElementById("scene") as HTMLCanvasElement;
  const scene = await TreatmentScene.createAsync(canvas, { mode, quality });
  const events: HarnessEvent[] = [];
  const log = (kind: string) => (value: unknown) => {
    events.push({ at: performance.now(), kind, value });
  };
  scene.onToothPickedObservable.add(log("tooth"));
  scene.onStopSignalObservable.add(log("stop"));
  scene.onPanelChoiceObservable.add(log("panel"));
  scene.onXRStateObservable.add(log("xr"));
  const harness: Harness = { scene, xrDevice, events, streaming: true };
  window.harness = harness;

  const self = mode === "patient" ? "m-julian" : demoView ? "m-screen" : "m-ray";
  scene.setMembers(MEMBERS, self);
  scene.setToothStates(
    new Map([
      [16, { colour: "#e8736b", label: "pH 5.3 · acidic", alarm: { priority: "high", acknowledged: false } }],
      [26, { colour: "#f2b84b", label: "pH 6.1" }],
      [36, { colour: "#7cc47f", label: "pH 7.1" }],
      [46, { colour: "#7cc47f", label: "pH 7.0" }],
      [11, { colour: "#f4f1ea", label: "no finding" }],
      [21, { colour: "#f4f1ea", label: "no finding" }],
      [31, { colour: "#f4f1ea", label: "no finding" }],
      [41, { colour: "#f4f1ea", label: "no finding" }],
    ]),
  );
  scene.highlightTeeth([36]);
  scene.setOtto({
    state: "talking",
    lookAt: "m-julian",
    lastUtterance: {
      kind: "narration",
      text: "Hi Julian, I'm Otto. Dr. Ray will look at your lower left molar now. Raise your hand any time to stop.",
    },
  });
  scene.setStepInfo("Step 3 of 7: Checking tooth 36 · Next: gentle cleaning");
  if (params.get("surroundings") === "nature") scene.setSurroundings("nature");
  if (demoView) scene.setDesktopFraming("demo");

  // Jittered pose stream: 30 Hz ticks, delivery 20-90 ms late.
  const serverEpoch = 2 ** 32 - 5_000;
  const start = performance.now();
  setInterval(() => {
    if (!harness.streaming) return;
    const now = performance.now();
    const serverTime = (serverEpoch + Math.round(now - start)) >>> 0;
    const slots = MEMBERS.filter((m) => m.memberId !== self).map((m) => m.slot);
    const batch: PoseBatch = {
      serverTime,
      lastSeq: 0,
      poses: slots.map((slot) => ({ slot, pose: fakePose(slot, now) })),
    };
    setTimeout(() => scene.pushPoseBatch(batch, performance.now()), 20 + Math.random() * 70);
  }, 33);

  document.getElementById("enter-vr")?.addEventListener("click", () => {
    scene.enterXRAsync().then(log("enter-result"), log("enter-error"));
  });
  document.getElementById("nature")?.addEventListener("click", () => scene.setSurroundings("nature"));
  document.getElementById("clinic")?.addEventListener("click", () => scene.setSurroundings("clinic"));
}

main().catch((e: unknown) => {
  window.harnessError = String(e instanceof Error ? (e.stack ?? e.message) : e);
});
