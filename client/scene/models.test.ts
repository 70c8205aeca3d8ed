import { describe, expect, it } from "vitest";
import {
  decideModel,
  MODEL_CONTRACTS,
  MODEL_KINDS,
  type ModelKind,
  modelUrl,
  nameStartsWith,
  pbrFromStandard,
  ROOM_SHADOW_RECEIVERS,
  type StandardLook,
  standardFromPbr,
} from "./models.ts";

/** A file that meets its contract: every required node once, some meshes, a sane size. */
function good(kind: ModelKind, extent: [number, number, number] = [1, 1, 1]) {
  const c = MODEL_CONTRACTS[kind];
  const size = Math.max(c.extentM[0], Math.min(c.extentM[1], extent[0]));
  return {
    ok: true as const,
    nodeNames: [...c.requiredNodes, "something-else"],
    meshCount: 3,
    extent: [size, size / 2, size / 3] as const,
  };
}

describe("model contract", () => {
  it("loads every model from our own origin, under /models/, as a .glb", () => {
    for (const kind of MODEL_KINDS) expect(modelUrl(kind)).toMatch(/^\/models\/[a-z-]+\.glb$/);
    expect(new Set(MODEL_KINDS.map((k) => MODEL_CONTRACTS[k].file)).size).toBe(MODEL_KINDS.length);
  });

  it.each(MODEL_KINDS)("uses a %s file that meets the contract", (kind) => {
    expect(decideModel(kind, good(kind))).toEqual({ kind, source: "glb" });
  });

  it.each([
    [
      "a missing file",
      "room",
      { ok: false as const, error: "404 Not Found" },
      /could not be loaded \(404 Not Found\)/,
    ],
    ["a file without meshes", "chair", { ...good("chair"), meshCount: 0 }, /has no meshes/],
    [
      "a chair without the patient's body",
      "chair",
      { ...good("chair"), nodeNames: ["seat", "headrest"] },
      /lacks the node patient-body/,
    ],
    [
      "an Otto without eyes",
      "otto",
      { ...good("otto"), nodeNames: ["otto-float", "otto-head", "otto-mouth"] },
      /lacks the nodes otto-eye-left, otto-eye-right/,
    ],
    [
      "an avatar with two heads",
      "avatar",
      { ...good("avatar"), nodeNames: [...MODEL_CONTRACTS.avatar.requiredNodes, "head"] },
      /more than one node named head/,
    ],
    [
      "a room drawn in centimetres",
      "room",
      { ...good("room"), extent: [700, 280, 600] as const },
      /700\.00 m across.*units must be metres/,
    ],
    [
      "a chair of no size",
      "chair",
      { ...good("chair"), extent: [Number.NaN, 0, 0] as const },
      /no measurable size/,
    ],
  ] as const)("falls back to the built-in model for %s, saying why", (_, kind, probe, why) => {
    const d = decideModel(kind, probe);
    expect(d.source).toBe("builtin");
    if (d.source === "builtin") {
      expect(d.warning).toMatch(why);
      expect(d.warning).toContain(modelUrl(kind));
      expect(d.warning).toContain(`using the built-in ${MODEL_CONTRACTS[kind].title}`);
    }
  });

  it("lets floors and walls receive shadows, not the ceiling or the window", () => {
    expect(nameStartsWith("clinic-floor", ROOM_SHADOW_RECEIVERS)).toBe(true);
    expect(nameStartsWith("wall-left", ROOM_SHADOW_RECEIVERS)).toBe(true);
    expect(nameStartsWith("ceiling", ROOM_SHADOW_RECEIVERS)).toBe(false);
    expect(nameStartsWith("window-view", ROOM_SHADOW_RECEIVERS)).toBe(false);
  });
});

describe("material round trip", () => {
  const looks: StandardLook[] = [
    { diffuse: [0.29, 0.7, 0.66], specular: 0.3, emissive: [0, 0, 0], alpha: 1, unlit: false },
    { diffuse: [0.95, 0.95, 0.93], specular: 0.08, emissive: [0.16, 0.17, 0.18], alpha: 1, unlit: false },
    { diffuse: [0.25, 0.31, 0.36], specular: 0.08, emissive: [0, 0, 0], alpha: 0.18, unlit: false },
    { diffuse: [0, 0, 0], specular: 0, emissive: [0.37, 0.88, 0.82], alpha: 1, unlit: true },
  ];

  it.each(looks)("gives back what the build script wrote (%j)", (look) => {
    const back = standardFromPbr(pbrFromStandard(look));
    for (const k of ["diffuse", "emissive"] as const)
      back[k].forEach((v, i) => {
        expect(v).toBeCloseTo(look[k][i]!, 5);
      });
    expect(back.specular).toBeCloseTo(look.specular, 5);
    expect(back.alpha).toBe(look.alpha);
    expect(back.unlit).toBe(look.unlit);
  });

  it("reads a clinic's own PBR colours from linear space and keeps a mirror-smooth one from glaring", () => {
    const back = standardFromPbr({
      baseColor: [0.214, 0.214, 0.214],
      roughness: 0,
      emissive: [0, 0, 0],
      alpha: 1,
      unlit: false,
    });
    expect(back.diffuse[0]).toBeCloseTo(0.5, 2);
    expect(back.specular).toBeLessThanOrEqual(0.9);
  });
});
