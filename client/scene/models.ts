/**
 * The contract a clinic's own 3D model must meet to replace one of ours, and the decision whether
 * a loaded file meets it. Pure: the Babylon side (modelsLoader.ts) reports what a file held, this
 * says "use it" or "use the built-in model, and warn why", so a missing, broken, mis-named or
 * mis-scaled file never leaves a blank room. README-models.md explains the same table for people.
 */

/** The four replaceable models. */
export const MODEL_KINDS = ["room", "chair", "avatar", "otto"] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export interface ModelContract {
  /** File name under `assets/models/`, served from our own origin at `/models/<file>`. */
  file: string;
  /** What it is, for people and warnings. */
  title: string;
  /** Nodes (transform nodes or meshes) the room code looks up by name: each must exist once. */
  requiredNodes: readonly string[];
  /** Nodes used when present. */
  optionalNodes: readonly string[];
  /** Materials tinted per person (avatar) or animated (Otto's eyes) when present. */
  namedMaterials: readonly string[];
  /** Sane overall size in metres, largest extent of the bounding box: catches centimetre files. */
  extentM: readonly [min: number, max: number];
}

export const MODEL_CONTRACTS: Readonly<Record<ModelKind, ModelContract>> = {
  room: {
    file: "clinic-room.glb",
    title: "clinic room",
    requiredNodes: ["clinic-floor"],
    optionalNodes: [],
    namedMaterials: [],
    extentM: [2, 40],
  },
  chair: {
    file: "dental-unit.glb",
    title: "dental chair",
    requiredNodes: ["seat", "headrest", "patient-body"],
    optionalNodes: ["lamp-head"],
    namedMaterials: [],
    extentM: [0.8, 5],
  },
  avatar: {
    file: "avatar.glb",
    title: "person (avatar)",
    requiredNodes: ["head", "body", "hand-left", "hand-right"],
    optionalNodes: ["visor"],
    namedMaterials: ["skin", "hair", "scrubs", "gloves", "visor"],
    extentM: [0.3, 2.5],
  },
  otto: {
    file: "otto.glb",
    title: "Otto",
    requiredNodes: ["otto-float", "otto-head", "otto-eye-left", "otto-eye-right", "otto-mouth"],
    optionalNodes: ["otto-arm-left", "otto-arm-right", "otto-shadow", "otto-thruster", "otto-antenna-tip"],
    namedMaterials: ["otto-eyes"],
    extentM: [0.2, 2],
  },
};

/** Room meshes whose names start with one of these receive shadows; the rest of the room does not. */
export const ROOM_SHADOW_RECEIVERS = ["clinic-floor", "wall-", "floor"] as const;
/** Room meshes whose names start with one of these cast shadows (furniture standing on the floor). */
export const ROOM_SHADOW_CASTERS = ["cabinet-lower", "plant-"] as const;

/**
 * Chair parts whose names start with these cast no shadow: thin rods and the small things on the
 * tray, whose shadows nobody sees but every shadow pass would draw.
 */
export const CHAIR_SHADOW_SKIP = [
  "headrest-bar",
  "armrest-post",
  "lamp-foot",
  "lamp-arm",
  "lamp-face",
  "instrument",
  "mirror",
  "cup",
  "cotton-roll",
  "stool-post",
  "stool-leg",
  "stool-ring",
] as const;

/** Where production loads a model from: our own origin, Vite's publicDir (`assets/`). */
export function modelUrl(kind: ModelKind, base = "/models/"): string {
  return `${base}${MODEL_CONTRACTS[kind].file}`;
}

/** What the loader found in a file, or why it could not read one. */
export type ModelProbe =
  | { ok: false; error: string }
  | { ok: true; nodeNames: readonly string[]; meshCount: number; extent: readonly [number, number, number] };

export type ModelDecision =
  | { kind: ModelKind; source: "glb" }
  | { kind: ModelKind; source: "builtin"; warning: string };

/** Use the file only when it has meshes, every required node exactly once and a sane size. */
export function decideModel(kind: ModelKind, probe: ModelProbe): ModelDecision {
  const c = MODEL_CONTRACTS[kind];
  const fallback = (why: string): ModelDecision => ({
    kind,
    source: "builtin",
    warning: `${c.title} model ${modelUrl(kind)} ${why}; using the built-in ${c.title}`,
  });
  if (!probe.ok) return fallback(`could not be loaded (${probe.error})`);
  if (probe.meshCount === 0) return fallback("has no meshes");
  const missing = c.requiredNodes.filter((n) => !probe.nodeNames.includes(n));
  if (missing.length > 0)
    return fallback(`lacks the node${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
  const twice = c.requiredNodes.filter((n) => probe.nodeNames.indexOf(n) !== probe.nodeNames.lastIndexOf(n));
  if (twice.length > 0) return fallback(`has more than one node named ${twice.join(", ")}`);
  const largest = Math.max(...probe.extent);
  if (!Number.isFinite(largest) || largest < c.extentM[0] || largest > c.extentM[1])
    return fallback(
      `is ${Number.isFinite(largest) ? `${largest.toFixed(2)} m` : "of no measurable size"} across, outside ${c.extentM[0]}–${c.extentM[1]} m (units must be metres)`,
    );
  return { kind, source: "glb" };
}

/** Where each model came from, for the scene's test state and the support log. */
export type ModelSources = Record<ModelKind, "pending" | "glb" | "builtin">;

export function pendingSources(): ModelSources {
  return { room: "pending", chair: "pending", avatar: "pending", otto: "pending" };
}

/** Whether a node name starts with one of the prefixes (shadow conventions above). */
export function nameStartsWith(name: string, prefixes: readonly string[]): boolean {
  return prefixes.some((p) => name.startsWith(p));
}

export type Rgb = readonly [number, number, number];

/** Our look (Babylon's StandardMaterial: colours in gamma space, one specular level). */
export interface StandardLook {
  diffuse: Rgb;
  specular: number;
  emissive: Rgb;
  alpha: number;
  /** Self-lit: lights and fog leave it alone (lamps, the window view, Otto's eyes). */
  unlit: boolean;
}

/** glTF's look (metallic-roughness, colours in linear space). Metallic is ignored: a clinic is matte. */
export interface PbrLook {
  baseColor: Rgb;
  roughness: number;
  emissive: Rgb;
  alpha: number;
  unlit: boolean;
}

const GAMMA = 2.2;
const toLinear = (c: Rgb): Rgb => [c[0] ** GAMMA, c[1] ** GAMMA, c[2] ** GAMMA];
const toGamma = (c: Rgb): Rgb => [c[0] ** (1 / GAMMA), c[1] ** (1 / GAMMA), c[2] ** (1 / GAMMA)];
const clamp01 = (v: number) => Math.max(0, Math.min(1, v));
/** Shiniest a converted material gets: glTF roughness 0 (mirror) would glare in a headset. */
export const MAX_SPECULAR = 0.9;

/**
 * How the build script writes our materials into glTF. A self-lit material keeps its colour in the
 * base colour (what KHR_materials_unlit shows); shininess goes into roughness.
 */
export function pbrFromStandard(s: StandardLook): PbrLook {
  return {
    baseColor: toLinear(s.unlit ? s.emissive : s.diffuse),
    roughness: clamp01(1 - s.specular),
    emissive: s.unlit ? [0, 0, 0] : toLinear(s.emissive),
    alpha: s.alpha,
    unlit: s.unlit,
  };
}

/**
 * How a loaded glTF material becomes ours, so it bakes into the room's few draw calls like the
 * built-in parts do (staticBatch merges only plain StandardMaterials). Exact inverse of
 * `pbrFromStandard` for our own files; a clinic's PBR file keeps its colours and a fair shine.
 */
export function standardFromPbr(p: PbrLook): StandardLook {
  const base = toGamma(p.baseColor);
  return p.unlit
    ? { diffuse: [0, 0, 0], specular: 0, emissive: base, alpha: p.alpha, unlit: true }
    : {
        diffuse: base,
        specular: Math.min(MAX_SPECULAR, clamp01(1 - p.roughness)),
        emissive: toGamma(p.emissive),
        alpha: p.alpha,
        unlit: false,
      };
}
