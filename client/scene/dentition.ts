/**
 * The patient's full permanent dentition (FDI 11-48) as a chart panel the clinician can move:
 * docked beside the patient by default, dragged anywhere on the floor plan by its board, "Dock"
 * puts it back, and the place is remembered per person (archChartPlacement.ts). The board always
 * turns to face the viewer, like a chart held up for them. Arches are laid out like an occlusal
 * chart opened toward the viewer: upper arch above with incisors at the top, lower arch below, the
 * patient's right on the viewer's left.
 *
 * Draw-call budget: all crowns and both gums are ONE mesh (colour in vertex colours, "unknown"
 * hatching in UVs: toothMeshes.ts), the 34 labels are ONE mesh on one atlas texture, the board
 * carries the title and the picked tooth's name, and alarm / highlight outlines are two inverted
 * hulls holding only the outlined teeth: 3 to 5 draws instead of 68.
 */

import type { Ray } from "@babylonjs/core/Culling/ray.js";
import {
  PointerEventTypes,
  type PointerInfo,
  type PointerInfoPre,
} from "@babylonjs/core/Events/pointerEvents.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { DynamicTexture } from "@babylonjs/core/Materials/Textures/dynamicTexture.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Matrix, Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateTube } from "@babylonjs/core/Meshes/Builders/tubeBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { VertexData } from "@babylonjs/core/Meshes/mesh.vertexData.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { ALARM_VISUALS, type AlarmPriority } from "../../shared/alarms.ts";
import { type ToothNotation, toothLabel, toothNumber } from "../../shared/teeth.ts";
import {
  type ChartPlacement,
  chartPosition,
  DOCKED,
  dockedSpot,
  draggedTo,
  facingYaw,
  parsePlacement,
  placementKey,
} from "./archChartPlacement.ts";
import { DENTITION_SCALE, type V3 } from "./layout.ts";
import { colour, PALETTE } from "./palette.ts";
import { font, roundRectPath, TextPlane } from "./textTexture.ts";
import {
  applyMerged,
  fillLooks,
  indicesFor,
  inflate,
  type MergedTeeth,
  mergeParts,
  outlineColours,
  spreadLabels,
  toothOfFace,
} from "./toothMeshes.ts";
import {
  archAt,
  archSamples,
  createCrown,
  LOWER_ARCH,
  toothDims,
  toothKind,
  UPPER_ARCH,
} from "./toothShapes.ts";

export interface ToothState {
  /** CSS hex colour computed by the page. */
  colour: string;
  label: string;
  /** The tooth's most severe active alarm (shared/alarms.ts `ToothAlarm`): an outline in its colour. */
  alarm?: { priority: AlarmPriority; acknowledged: boolean } | null;
}

interface Tooth {
  fdi: number;
  colour: string;
  hatched: boolean;
  label: string | null;
  alarm: { priority: AlarmPriority; acknowledged: boolean } | null;
}

/** A label's place in the model frame (mm): a tooth's number, or the patient's R / L side. */
interface LabelAnchor {
  fdi: number | null;
  mark: "R" | "L" | null;
  at: Vector3;
  mm: { w: number; h: number };
}

/** The part of `Storage` the chart's place needs (localStorage in the browser). */
export interface PlacementStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** How far each arch is swung open toward the viewer (radians) and the hinge behind the molars. */
const OPEN_ANGLE = (62 * Math.PI) / 180;
const HINGE_Z = -14;
const HINGE_GAP = 7;
/** Outline widths around a crown, model millimetres (the alarm ring sits outside the highlight). */
const HIGHLIGHT_MM = 0.8;
const ALARM_MM = 1.4;
/** Label quads, model millimetres (3:2 like their atlas cells). */
const LABEL_MM = { w: 9, h: 6 } as const;
const SIDE_MM = { w: 12, h: 8 } as const;
const ATLAS = { cols: 10, cellW: 96, cellH: 64, width: 1024, height: 256 } as const;
/** How often a docked chart checks that it hides nobody from the viewer (ms). */
const DOCK_CHECK_MS = 250;
/** The board: margin around the teeth and the title bar, metres. */
const BOARD_MARGIN_M = 0.03;
const TITLE_M = 0.075;
const BOARD_PX = 1024;
/** Unknown teeth: lighter stripes on the unknown colour (both dimmed as before by 0.85). */
const UNKNOWN_STRIPE = "#b3bfce";
const UNKNOWN_DIM = 0.85;
/** Hover/selection lift on a crown's colour. */
const HOVER_LIFT = 0.12;

function rgb(hex: string, scale = 1): [number, number, number] {
  const c = colour(hex);
  return [Math.min(1, c.r * scale), Math.min(1, c.g * scale), Math.min(1, c.b * scale)];
}

/**
 * Hatch for "unknown" teeth, multiplied by the vertex colour (the stripe colour): the background
 * is the unknown colour over the stripe colour, the stripes are white. A plain tooth samples the
 * middle of a stripe (toothMeshes.ts PLAIN_UV = texel 64,64, on the stripe x = y).
 */
function hatchTexture(scene: Scene): DynamicTexture {
  const tex = new DynamicTexture("tooth-unknown-hatch", { width: 128, height: 128 }, scene, true);
  const ctx = tex.getContext() as unknown as CanvasRenderingContext2D;
  const base = colour(PALETTE.toothUnknown);
  const stripe = colour(UNKNOWN_STRIPE);
  const ratio = (a: number, b: number) => Math.round(255 * Math.min(1, a / b));
  ctx.fillStyle = `rgb(${ratio(base.r, stripe.r)},${ratio(base.g, stripe.g)},${ratio(base.b, stripe.b)})`;
  ctx.fillRect(0, 0, 128, 128);
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 6;
  for (let k = -128; k < 256; k += 16) {
    ctx.beginPath();
    ctx.moveTo(k, 0);
    ctx.lineTo(k + 128, 128);
    ctx.stroke();
  }
  tex.update();
  tex.wrapU = Texture.WRAP_ADDRESSMODE;
  tex.wrapV = Texture.WRAP_ADDRESSMODE;
  return tex;
}

function browserStore(): PlacementStore | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export class Dentition {
  /** The chart: moved by drag and dock, turned toward the viewer every frame. */
  readonly root: TransformNode;
  readonly onToothPickedObservable = new Observable<number>();
  /** Fires when the chart is dragged or docked (tests, and a page that shows its state). */
  readonly onPlacementObservable = new Observable<ChartPlacement>();
  private readonly model: TransformNode;
  private readonly teeth = new Map<number, Tooth>();
  private readonly hatch: DynamicTexture;
  private readonly merged: MergedTeeth;
  private readonly crowns: Mesh;
  private readonly colourBuf: Float32Array;
  private readonly uvBuf: Float32Array;
  private readonly alarmHalo: Mesh;
  private readonly highlightHalo: Mesh;
  private readonly haloColourBuf: Float32Array;
  private readonly labels: Mesh;
  private readonly labelAtlas: DynamicTexture;
  /** Which tooth each label quad names (null: the R/L marks). */
  private readonly labelTeeth: (number | null)[] = [];
  private readonly labelMarks: ("R" | "L" | null)[] = [];
  private readonly board: TextPlane;
  private dockButton = { x: 0, y: 0, w: 0, h: 0 };
  private readonly pointerObserver: Observer<PointerInfo>;
  private readonly prePointerObserver: Observer<PointerInfoPre>;
  private highlighted: number[] = [];
  private visible = true;
  private hovered: number | null = null;
  private selected: number | null = null;
  private notation: ToothNotation = "fdi";
  private placement: ChartPlacement = DOCKED;
  /** When a docked chart next checks that it hides nobody. */
  private nextDockCheck = 0;
  /** A chart on a stage of its own (a lesson): it stands where the page put it (`standAt`). */
  private standing = false;
  private personKey: string | null = null;
  private drag: { pointerId: number; offset: Vector3; normal: Vector3; moved: boolean } | null = null;
  private shownAlarms = "";
  private readonly downs = new Map<number, { fdi: number; x: number; y: number }>();

  constructor(
    private readonly scene: Scene,
    private readonly store: PlacementStore | null = browserStore(),
  ) {
    this.root = new TransformNode("dentition", scene);
    this.root.position.set(...chartPosition(DOCKED));
    this.model = new TransformNode("dentition-model", scene);
    this.model.parent = this.root;
    this.model.scaling.setAll(DENTITION_SCALE);
    this.root.computeWorldMatrix(true);
    this.model.computeWorldMatrix(true);
    this.hatch = hatchTexture(scene);

    const parts: { mesh: Mesh; fdi: number | null }[] = [];
    const anchors: LabelAnchor[] = [];
    const pivots = [this.buildArch(true, parts, anchors), this.buildArch(false, parts, anchors)];
    for (const [text, x] of [
      ["R", 50],
      ["L", -50],
    ] as const)
      anchors.push({ fdi: null, mark: text, at: new Vector3(x, 0, HINGE_Z + 8), mm: SIDE_MM });
    const toModel = Matrix.Invert(this.model.computeWorldMatrix(true));
    this.merged = mergeParts(parts, toModel);
    for (const p of parts) p.mesh.dispose(false, true);
    for (const p of pivots) p.dispose();

    const count = this.merged.positions.length / 3;
    this.colourBuf = new Float32Array(count * 4);
    this.uvBuf = new Float32Array(count * 2);
    this.crowns = new Mesh("dentition-teeth", scene);
    this.crowns.parent = this.model;
    const mat = new StandardMaterial("dentition-teeth", scene);
    mat.diffuseTexture = this.hatch;
    mat.specularColor = new Color3(0.35, 0.35, 0.35);
    mat.specularPower = 40;
    this.crowns.material = mat;
    this.crowns.metadata = { interactive: true };
    this.crowns.isPickable = true;
    this.crowns.enablePointerMoveEvents = true;
    this.fillLooks();
    applyMerged(this.crowns, this.merged, this.merged.positions, this.colourBuf, this.uvBuf);

    this.haloColourBuf = new Float32Array(count * 4);
    this.alarmHalo = this.halo("dentition-alarm-outline", ALARM_MM);
    this.highlightHalo = this.halo("dentition-highlight-outline", HIGHLIGHT_MM);
    const lit = new Float32Array(this.haloColourBuf.length);
    outlineColours(this.merged, () => rgb(PALETTE.highlight), lit);
    this.highlightHalo.setVerticesData("color", lit, true, 4);

    this.labelAtlas = new DynamicTexture(
      "tooth-labels",
      { width: ATLAS.width, height: ATLAS.height },
      scene,
      true,
    );
    this.labelAtlas.hasAlpha = true;
    const spread = spreadLabels(anchors.map((a) => ({ x: a.at.x, y: a.at.y, w: a.mm.w, h: a.mm.h })));
    anchors.forEach((a, i) => {
      a.at.x = spread[i]!.x;
      a.at.y = spread[i]!.y;
    });
    this.labels = this.buildLabels(anchors);
    this.drawLabels();

    const box = this.modelBounds(spread);
    const widthM = (box.max.x - box.min.x) * DENTITION_SCALE + 2 * BOARD_MARGIN_M;
    const bodyM = (box.max.y - box.min.y) * DENTITION_SCALE + 2 * BOARD_MARGIN_M;
    this.board = new TextPlane(scene, "arch-chart-board", widthM, bodyM + TITLE_M, BOARD_PX);
    this.board.mesh.parent = this.root;
    this.board.mesh.rotation.y = Math.PI;
    const cy = ((box.max.y + box.min.y) / 2) * DENTITION_SCALE;
    this.board.mesh.position.set(
      ((box.max.x + box.min.x) / 2) * DENTITION_SCALE,
      cy + TITLE_M / 2,
      (box.min.z - 4) * DENTITION_SCALE,
    );
    this.board.material.alpha = 1;
    this.board.mesh.metadata = { interactive: true, archChart: true };
    this.board.mesh.isPickable = true;
    this.drawBoard();

    this.setStates(new Map());
    this.prePointerObserver = scene.onPrePointerObservable.add((info) => this.onPrePointer(info));
    this.pointerObserver = scene.onPointerObservable.add((info) => this.onPointer(info));
  }

  private halo(name: string, widthMm: number): Mesh {
    const mesh = new Mesh(name, this.scene);
    mesh.parent = this.model;
    const data = new VertexData();
    data.positions = inflate(this.merged, widthMm);
    data.normals = this.merged.normals;
    data.indices = this.merged.indices;
    data.colors = new Float32Array(this.haloColourBuf.length);
    data.applyToMesh(mesh, true);
    const m = new StandardMaterial(name, this.scene);
    m.disableLighting = true;
    // Unlit: the colour is the emissive times the vertex colour (the ring's colour per tooth).
    m.diffuseColor = Color3.Black();
    m.emissiveColor = Color3.White();
    m.specularColor = Color3.Black();
    // Inverted hull: draw only the back faces, so the crown in front shows a ring around it.
    m.backFaceCulling = true;
    m.cullBackFaces = false;
    mesh.material = m;
    mesh.isPickable = false;
    mesh.setEnabled(false);
    return mesh;
  }

  private buildArch(
    upper: boolean,
    parts: { mesh: Mesh; fdi: number | null }[],
    anchors: LabelAnchor[],
  ): TransformNode {
    const shape = upper ? UPPER_ARCH : LOWER_ARCH;
    const pivot = new TransformNode(upper ? "upper-arch" : "lower-arch", this.scene);
    pivot.parent = this.model;
    pivot.position.set(0, upper ? HINGE_GAP : -HINGE_GAP, HINGE_Z);
    pivot.rotation.x = upper ? -OPEN_ANGLE : OPEN_ANGLE;
    const arch = new TransformNode(`${pivot.name}-teeth`, this.scene);
    arch.parent = pivot;
    arch.position.z = -HINGE_Z;
    const samples = archSamples(shape);
    const quadrants = upper ? [1, 2] : [4, 3];
    const gumPath: Vector3[] = [];
    const gumEnds: number[] = [];
    pivot.computeWorldMatrix(true);
    const toModel = arch.computeWorldMatrix(true).multiply(Matrix.Invert(this.model.getWorldMatrix()));
    for (const q of quadrants) {
      // Quadrants 1 and 4 are the patient's right: +x in the model frame.
      const side = q === 1 || q === 4 ? 1 : -1;
      let s = 0;
      for (let t = 1; t <= 8; t++) {
        const fdi = q * 10 + t;
        const dims = toothDims(fdi);
        const at = archAt(samples, s + dims.width / 2);
        s += dims.width * 1.02;
        const mesh = createCrown(`tooth-${fdi}`, this.scene, toothKind(fdi), dims);
        mesh.parent = arch;
        mesh.position.set(side * at.x, upper ? dims.height / 2 : -dims.height / 2, at.z);
        mesh.rotation.set(0, Math.atan2(side * at.nx, at.nz), upper ? Math.PI : 0);
        parts.push({ mesh, fdi });
        this.teeth.set(fdi, {
          fdi,
          colour: PALETTE.toothUnknown,
          hatched: true,
          label: null,
          alarm: null,
        });
        const local = new Vector3(
          side * at.x + side * at.nx * (dims.depth / 2 + 5.5),
          upper ? 4 : -4,
          at.z + at.nz * (dims.depth / 2 + 5.5),
        );
        anchors.push({ fdi, mark: null, at: Vector3.TransformCoordinates(local, toModel), mm: LABEL_MM });
      }
      gumEnds.push(s);
    }
    // Gum: a soft pink tube along the necks of the teeth, from one end of the arch to the other.
    const end = Math.min(...gumEnds) - 3;
    for (let s = -end; s <= end; s += 1.5) {
      const at = archAt(samples, Math.abs(s));
      const x = Math.sign(s) * at.x;
      const fdi = (upper ? 10 : 40) + Math.min(8, 1 + Math.floor(Math.abs(s) / 8.5));
      const h = toothDims(fdi).height;
      gumPath.push(new Vector3(x, upper ? h + 1.5 : -h - 1.5, at.z - 0.5));
    }
    const gum = CreateTube(
      `${pivot.name}-gum`,
      { path: gumPath, radius: 5.2, tessellation: 16, cap: Mesh.CAP_ALL },
      this.scene,
    );
    gum.parent = arch;
    parts.push({ mesh: gum, fdi: null });
    return pivot;
  }

  /** One mesh of label quads facing the viewer (+z), each showing its cell of the atlas. */
  private buildLabels(anchors: readonly LabelAnchor[]): Mesh {
    const all = new VertexData();
    all.positions = [];
    all.indices = [];
    all.uvs = [];
    all.normals = [];
    anchors.forEach((a, i) => {
      const quad = VertexData.CreatePlane({ width: a.mm.w, height: a.mm.h });
      quad.transform(Matrix.RotationY(Math.PI).multiply(Matrix.Translation(a.at.x, a.at.y, a.at.z)));
      const col = i % ATLAS.cols;
      const row = Math.floor(i / ATLAS.cols);
      const u0 = (col * ATLAS.cellW) / ATLAS.width;
      const u1 = ((col + 1) * ATLAS.cellW) / ATLAS.width;
      const vTop = 1 - (row * ATLAS.cellH) / ATLAS.height;
      const vBottom = 1 - ((row + 1) * ATLAS.cellH) / ATLAS.height;
      const uvs = quad.uvs ?? [];
      const mapped: number[] = [];
      for (let k = 0; k < uvs.length; k += 2)
        mapped.push(u0 + uvs[k]! * (u1 - u0), vBottom + uvs[k + 1]! * (vTop - vBottom));
      quad.uvs = mapped;
      all.merge(quad);
      this.labelTeeth.push(a.fdi);
      this.labelMarks.push(a.mark);
    });
    const mesh = new Mesh("dentition-labels", this.scene);
    all.applyToMesh(mesh);
    mesh.parent = this.model;
    const m = new StandardMaterial("dentition-labels", this.scene);
    m.diffuseTexture = this.labelAtlas;
    m.emissiveTexture = this.labelAtlas;
    m.useAlphaFromDiffuseTexture = true;
    m.diffuseColor = Color3.Black();
    m.specularColor = Color3.Black();
    m.emissiveColor = Color3.White();
    m.disableLighting = true;
    m.fogEnabled = false;
    mesh.material = m;
    mesh.metadata = { interactive: true };
    mesh.isPickable = true;
    return mesh;
  }

  /** Redraws the label atlas in the current notation. */
  private drawLabels(): void {
    const ctx = this.labelAtlas.getContext() as unknown as CanvasRenderingContext2D;
    ctx.clearRect(0, 0, ATLAS.width, ATLAS.height);
    this.labelTeeth.forEach((fdi, i) => {
      const x = (i % ATLAS.cols) * ATLAS.cellW;
      const y = Math.floor(i / ATLAS.cols) * ATLAS.cellH;
      const w = ATLAS.cellW;
      const h = ATLAS.cellH;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      if (fdi === null) {
        const text = this.labelMarks[i] ?? "";
        ctx.fillStyle = "rgba(47,143,157,0.9)";
        roundRectPath(ctx, x + 4, y + 4, w - 8, h - 8, (h - 8) / 2);
        ctx.fill();
        ctx.fillStyle = "#ffffff";
        ctx.font = font(44, 700);
        ctx.fillText(text, x + w / 2, y + h / 2 + 2);
        return;
      }
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      roundRectPath(ctx, x + 2, y + 2, w - 4, h - 4, 16);
      ctx.fill();
      ctx.fillStyle = PALETTE.text;
      ctx.font = font(40, 600);
      ctx.fillText(toothNumber(fdi, this.notation), x + w / 2, y + h / 2 + 2, w - 10);
    });
    this.labelAtlas.update();
  }

  /** The board: title bar (the hovered or picked tooth, else how to use the chart) and Dock. */
  private drawBoard(): void {
    const fdi = this.hovered ?? this.selected;
    const tooth = fdi === null ? undefined : this.teeth.get(fdi);
    const titleH = Math.round((TITLE_M / this.board.heightM) * this.board.height);
    this.board.draw((ctx, w, h) => {
      ctx.fillStyle = "rgba(247,250,251,0.94)";
      roundRectPath(ctx, 3, 3, w - 6, h - 6, 34);
      ctx.fill();
      ctx.strokeStyle = tooth ? tooth.colour : "rgba(31,51,70,0.18)";
      ctx.lineWidth = 5;
      ctx.stroke();
      ctx.fillStyle = "rgba(31,51,70,0.07)";
      roundRectPath(ctx, 10, 10, w - 20, titleH - 14, 26);
      ctx.fill();
      // Grip dots: the board is the handle (a standing chart has none, vrlesson13).
      ctx.fillStyle = PALETTE.softText;
      for (let r = 0; r < (this.standing ? 0 : 3); r++)
        for (let c = 0; c < 2; c++) {
          ctx.beginPath();
          ctx.arc(36 + c * 16, titleH / 2 - 16 + r * 16, 4.5, 0, Math.PI * 2);
          ctx.fill();
        }
      const btnW = this.standing ? 0 : 190;
      const btnH = titleH - 40;
      this.dockButton = { x: w - btnW - 24, y: (titleH - btnH) / 2 + 2, w: btnW, h: btnH };
      const b = this.dockButton;
      const docked = this.placement.docked;
      // A standing chart has no Dock button
      if (!this.standing) {
        ctx.fillStyle = docked ? "rgba(31,51,70,0.08)" : "#2f8f9d";
        roundRectPath(ctx, b.x, b.y, b.w, b.h, b.h / 2);
        ctx.fill();
        ctx.fillStyle = docked ? PALETTE.softText : "#ffffff";
        ctx.font = font(44, 600);
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(docked ? "Docked" : "Dock", b.x + b.w / 2, b.y + b.h / 2 + 2);
      }
      ctx.textAlign = "left";
      const textX = 76;
      const maxW = b.x - textX - 20;
      if (tooth) {
        ctx.fillStyle = PALETTE.text;
        ctx.font = font(tooth.label ? 46 : 54, 600);
        ctx.fillText(
          toothLabel(tooth.fdi, this.notation),
          textX,
          tooth.label ? titleH * 0.36 : titleH / 2 + 2,
          maxW,
        );
        if (tooth.label) {
          ctx.font = font(38, 400);
          ctx.fillStyle = PALETTE.softText;
          ctx.fillText(tooth.label, textX, titleH * 0.72, maxW);
        }
      } else {
        ctx.fillStyle = PALETTE.text;
        ctx.font = font(54, 600);
        ctx.fillText("Teeth", textX, titleH / 2 + 2, maxW);
        const tw = ctx.measureText("Teeth").width;
        ctx.font = font(36, 400);
        ctx.fillStyle = PALETTE.softText;
        ctx.fillText(
          this.standing ? "pick a tooth" : "drag to move · pick a tooth",
          textX + tw + 24,
          titleH / 2 + 4,
          maxW - tw - 24,
        );
      }
      void h;
    });
  }

  private modelBounds(labels: readonly { x: number; y: number; w: number; h: number }[]): {
    min: Vector3;
    max: Vector3;
  } {
    const min = new Vector3(Infinity, Infinity, Infinity);
    const max = new Vector3(-Infinity, -Infinity, -Infinity);
    const p = this.merged.positions;
    for (let i = 0; i < p.length; i += 3) {
      min.minimizeInPlaceFromFloats(p[i]!, p[i + 1]!, p[i + 2]!);
      max.maximizeInPlaceFromFloats(p[i]!, p[i + 1]!, p[i + 2]!);
    }
    // The labels stick out beyond the crowns.
    for (const l of labels) {
      min.minimizeInPlaceFromFloats(l.x - l.w / 2, l.y - l.h / 2, min.z);
      max.maximizeInPlaceFromFloats(l.x + l.w / 2, l.y + l.h / 2, max.z);
    }
    return { min, max };
  }

  private fillLooks(): void {
    fillLooks(
      this.merged,
      (fdi) => {
        const t = this.teeth.get(fdi)!;
        const lift = fdi === this.hovered || fdi === this.selected ? HOVER_LIFT : 0;
        const base = t.hatched ? rgb(UNKNOWN_STRIPE, UNKNOWN_DIM) : rgb(t.colour);
        return {
          rgb: [Math.min(1, base[0] + lift), Math.min(1, base[1] + lift), Math.min(1, base[2] + lift)],
          hatched: t.hatched,
        };
      },
      rgb(PALETTE.gumPink),
      this.colourBuf,
      this.uvBuf,
    );
  }

  private refreshLooks(): void {
    this.fillLooks();
    this.crowns.updateVerticesData("color", this.colourBuf);
    this.crowns.updateVerticesData("uv", this.uvBuf);
  }

  /** Shows or hides the chart. */
  setVisible(visible: boolean): void {
    this.root.setEnabled(visible);
    this.visible = visible;
  }

  get count(): number {
    return this.teeth.size;
  }

  /** Names teeth in this notation on the labels and the board (FDI, Universal or Palmer). */
  setNotation(notation: ToothNotation): void {
    if (notation === this.notation) return;
    this.notation = notation;
    this.drawLabels();
    this.drawBoard();
  }

  /** Loads where this person keeps the chart (docked if nowhere); later moves are saved for them. */
  rememberFor(personId: string): void {
    const key = placementKey(personId);
    if (key === this.personKey) return;
    this.personKey = key;
    let raw: string | null = null;
    try {
      raw = this.store?.getItem(key) ?? null;
    } catch {
      raw = null;
    }
    this.place(parsePlacement(raw), false);
  }

  /**
   * Stands the chart here for good, on a stage that is not the treatment room (a lesson by the
   * lake): it is never docked beside a patient, moved to keep people in sight, or dragged, and its
   * board has no Dock button. Without this, the dock check moved a lesson's chart to the treatment
   * room's dock spots, in front of the lesson's panel, and its board took the panel's presses.
   */
  standAt(at: V3): void {
    this.standing = true;
    this.drag = null;
    this.root.position.set(...at);
    this.drawBoard();
  }

  /** Puts the chart back beside the patient. */
  dock(): void {
    this.place(DOCKED, true);
  }

  get chartPlacement(): ChartPlacement {
    return { ...this.placement };
  }

  private place(p: ChartPlacement, save: boolean): void {
    this.placement = p;
    this.nextDockCheck = 0;
    this.root.position.set(...chartPosition(p));
    if (save && this.personKey) {
      try {
        this.store?.setItem(this.personKey, JSON.stringify(p));
      } catch {
        // Quota or blocked storage: the place still holds for this page.
      }
    }
    this.drawBoard();
    this.onPlacementObservable.notifyObservers({ ...p });
  }

  /** Colours teeth from the page's states; teeth without a state show the hatched "unknown" look. */
  setStates(states: ReadonlyMap<number, ToothState>): void {
    for (const tooth of this.teeth.values()) {
      const state = states.get(tooth.fdi);
      tooth.alarm = state?.alarm ?? null;
      if (state && /^#[0-9a-f]{6}$/i.test(state.colour)) {
        tooth.colour = state.colour.toLowerCase();
        tooth.hatched = false;
        tooth.label = state.label;
      } else {
        tooth.colour = PALETTE.toothUnknown;
        tooth.hatched = true;
        tooth.label = state?.label ?? null;
      }
    }
    this.refreshLooks();
    this.drawBoard();
    this.shownAlarms = "-";
    this.refreshAlarmOutlines(performance.now());
  }

  highlight(fdis: readonly number[]): void {
    this.highlighted = fdis.filter((f) => this.teeth.has(f));
    const set = new Set(this.highlighted);
    if (set.size > 0) this.highlightHalo.setIndices(indicesFor(this.merged, set), null, true);
    this.highlightHalo.setEnabled(set.size > 0);
  }

  /** Active alarm priority per tooth, as the 3D view shows it. */
  alarms(): Record<number, AlarmPriority> {
    const out: Record<number, AlarmPriority> = {};
    for (const t of this.teeth.values()) if (t.alarm) out[t.fdi] = t.alarm.priority;
    return out;
  }

  highlightedTeeth(): number[] {
    return [...this.highlighted];
  }

  colours(): Record<number, string> {
    const out: Record<number, string> = {};
    for (const t of this.teeth.values()) out[t.fdi] = t.colour;
    return out;
  }

  get notationShown(): ToothNotation {
    return this.notation;
  }

  /** World position of the board's Dock button. */
  dockButtonWorldPosition(): Vector3 | null {
    if (!this.visible) return null;
    const b = this.board;
    const d = this.dockButton;
    const u = (d.x + d.w / 2) / b.width;
    const v = (d.y + d.h / 2) / b.height;
    // Texture u runs along board-local +x (u = 0 at the left as the viewer sees it), v down from the top.
    const local = new Vector3((u - 0.5) * b.widthM, (0.5 - v) * b.heightM, 0);
    this.root.computeWorldMatrix(true);
    return Vector3.TransformCoordinates(local, b.mesh.computeWorldMatrix(true));
  }

  /** World position of the board's drag handle (the title bar, left of the Dock button). */
  handleWorldPosition(): Vector3 | null {
    if (!this.visible) return null;
    const b = this.board;
    const titleH = TITLE_M / b.heightM;
    // Board-local -x is the viewer's left (texture u = 0: the grip dots).
    const local = new Vector3(-b.widthM * 0.3, b.heightM * (0.5 - titleH / 2), 0);
    this.root.computeWorldMatrix(true);
    return Vector3.TransformCoordinates(local, b.mesh.computeWorldMatrix(true));
  }

  /** World position of a tooth's crown centre. */
  toothPosition(fdi: number): Vector3 | null {
    const part = this.merged.parts.find((p) => p.fdi === fdi);
    if (!part) return null;
    this.root.computeWorldMatrix(true);
    return Vector3.TransformCoordinates(part.centre, this.model.computeWorldMatrix(true));
  }

  /**
   * Faces the viewer, keeps a docked chart off the people in `keepInSight` (points of heads and
   * chests, see archChartPlacement), flashes alarm outlines, pulses the highlight; once per frame.
   */
  update(nowMs: number, keepInSight: readonly V3[] = []): void {
    if (!this.visible) return;
    const cam = this.scene.activeCamera;
    if (cam) {
      const e = cam.globalPosition;
      const eye: V3 = [e.x, e.y, e.z];
      if (this.placement.docked && !this.standing && !this.drag && nowMs >= this.nextDockCheck) {
        this.nextDockCheck = nowMs + DOCK_CHECK_MS;
        const here = chartPosition(this.placement);
        const f = cam.getDirection(Vector3.Forward());
        const u = cam.getDirection(Vector3.Up());
        // Babylon's fov is vertical; a small margin keeps the board off the screen's edge.
        const halfV = cam.fov / 2;
        const aspect = this.scene.getEngine().getAspectRatio(cam);
        const view = {
          forward: [f.x, f.y, f.z] as V3,
          up: [u.x, u.y, u.z] as V3,
          halfVertical: halfV * 0.92,
          halfHorizontal: Math.atan(Math.tan(halfV) * aspect) * 0.92,
        };
        const spot = dockedSpot(eye, keepInSight, here, view);
        if (spot !== here && spot.some((v, i) => v !== here[i])) {
          this.placement = { docked: true, x: spot[0], y: spot[1], z: spot[2] };
          this.root.position.set(...spot);
          this.onPlacementObservable.notifyObservers({ ...this.placement });
        }
      }
      const p = this.root.position;
      this.root.rotation.y = facingYaw([p.x, p.y, p.z], eye);
    }
    this.refreshAlarmOutlines(nowMs);
    if (this.highlighted.length > 0) {
      const pulse = 0.5 + 0.5 * Math.sin((nowMs / 1000) * Math.PI * 1.2);
      (this.highlightHalo.material as StandardMaterial).emissiveColor.set(
        0.55 + 0.45 * pulse,
        0.55 + 0.45 * pulse,
        0.55 + 0.45 * pulse,
      );
    }
  }

  /** Unacknowledged alarms flash at their priority's rate; acknowledged ones stay steady. */
  private refreshAlarmOutlines(nowMs: number): void {
    const on = new Map<number, AlarmPriority>();
    for (const t of this.teeth.values()) {
      if (!t.alarm) continue;
      const hz = t.alarm.acknowledged ? 0 : ALARM_VISUALS[t.alarm.priority].flashHz;
      if (hz === 0 || Math.floor((nowMs / 1000) * hz * 2) % 2 === 0) on.set(t.fdi, t.alarm.priority);
    }
    const key = [...on].map(([f, p]) => `${f}${p[0]}`).join(",");
    if (key === this.shownAlarms) return;
    this.shownAlarms = key;
    if (on.size > 0) {
      outlineColours(
        this.merged,
        (fdi) => {
          const p = on.get(fdi);
          return p ? rgb(ALARM_VISUALS[p].colour) : null;
        },
        this.haloColourBuf,
      );
      this.alarmHalo.updateVerticesData("color", this.haloColourBuf);
      this.alarmHalo.setIndices(indicesFor(this.merged, new Set(on.keys())), null, true);
    }
    this.alarmHalo.setEnabled(on.size > 0);
  }

  private pickChart(info: PointerInfoPre): { mesh: Mesh; u: number; v: number } | null {
    const ray: Ray | null = info.ray ?? null;
    // The nearest thing under the pointer, not the nearest part of the
    // chart, so a board behind a panel never takes the panel's press.
    const predicate = (m: { isEnabled(): boolean; isPickable: boolean; isVisible: boolean }) =>
      m.isEnabled() && m.isPickable && m.isVisible;
    const hit = ray
      ? this.scene.pickWithRay(ray, predicate)
      : this.scene.pick(info.localPosition.x, info.localPosition.y, predicate);
    if (!hit?.hit || hit.pickedMesh !== this.board.mesh) return null;
    const uv = hit.getTextureCoordinates();
    return uv ? { mesh: this.board.mesh, u: uv.x, v: uv.y } : null;
  }

  /** Board drags move the chart on the floor plan; they never reach the orbit camera. */
  private onPrePointer(info: PointerInfoPre): void {
    if (!this.visible || this.standing) return;
    const ev = info.event as PointerEvent;
    const id = ev.pointerId ?? 0;
    switch (info.type) {
      case PointerEventTypes.POINTERDOWN: {
        const hit = this.pickChart(info);
        if (!hit) return;
        info.skipOnPointerObservable = true;
        const x = hit.u * this.board.width;
        const y = (1 - hit.v) * this.board.height;
        const b = this.dockButton;
        if (x >= b.x && x <= b.x + b.w && y >= b.y && y <= b.y + b.h) {
          this.dock();
          return;
        }
        const cam = this.scene.activeCamera;
        if (!cam) return;
        // Drag in the plane through the chart parallel to the screen: the chart follows the pointer.
        const normal = cam.getForwardRay(1).direction.clone();
        const at = this.dragPoint(info, normal);
        if (!at) return;
        this.drag = { pointerId: id, offset: this.root.position.subtract(at), normal, moved: false };
        return;
      }
      case PointerEventTypes.POINTERMOVE: {
        if (!this.drag || this.drag.pointerId !== id) return;
        info.skipOnPointerObservable = true;
        const at = this.dragPoint(info, this.drag.normal);
        if (!at) return;
        this.drag.moved = true;
        const to = at.add(this.drag.offset);
        const p = draggedTo(to.x, to.y, to.z);
        this.placement = p;
        this.root.position.set(...chartPosition(p));
        return;
      }
      case PointerEventTypes.POINTERUP: {
        if (!this.drag || this.drag.pointerId !== id) return;
        info.skipOnPointerObservable = true;
        const moved = this.drag.moved;
        this.drag = null;
        if (moved) this.place({ ...this.placement, docked: false }, true);
        return;
      }
      default:
        return;
    }
  }

  /** Where the pointer's ray meets the plane through the chart with this normal. */
  private dragPoint(info: PointerInfoPre, normal: Vector3): Vector3 | null {
    const cam = this.scene.activeCamera;
    const ray =
      info.ray ??
      (cam
        ? this.scene.createPickingRay(info.localPosition.x, info.localPosition.y, Matrix.Identity(), cam)
        : null);
    if (!ray) return null;
    const denom = Vector3.Dot(ray.direction, normal);
    if (Math.abs(denom) < 1e-4) return null;
    const t = Vector3.Dot(this.root.position.subtract(ray.origin), normal) / denom;
    if (t <= 0 || t > 20) return null;
    return ray.origin.add(ray.direction.scale(t));
  }

  private toothOf(info: PointerInfo): number | null {
    const pick = info.pickInfo;
    if (!pick?.hit) return null;
    if (pick.pickedMesh === this.crowns) return toothOfFace(this.merged.parts, pick.faceId);
    if (pick.pickedMesh === this.labels) return this.labelTeeth[Math.floor(pick.faceId / 2)] ?? null;
    return null;
  }

  private onPointer(info: PointerInfo): void {
    const fdi = this.toothOf(info);
    const ev = info.event as PointerEvent;
    switch (info.type) {
      case PointerEventTypes.POINTERMOVE:
        if (fdi !== this.hovered) {
          this.hovered = fdi;
          this.refreshLooks();
          this.drawBoard();
        }
        break;
      case PointerEventTypes.POINTERDOWN:
        if (fdi !== null) this.downs.set(ev.pointerId ?? 0, { fdi, x: ev.clientX ?? 0, y: ev.clientY ?? 0 });
        break;
      case PointerEventTypes.POINTERUP: {
        const down = this.downs.get(ev.pointerId ?? 0);
        this.downs.delete(ev.pointerId ?? 0);
        if (!down) break;
        const moved = Math.hypot((ev.clientX ?? down.x) - down.x, (ev.clientY ?? down.y) - down.y);
        // A drag that started on a tooth is a camera orbit, not a pick.
        if (moved > 6 || (fdi !== null && fdi !== down.fdi)) break;
        this.pick(down.fdi);
        break;
      }
      default:
        break;
    }
  }

  /** Selects a tooth as if picked (also used by tests). */
  pick(fdi: number): void {
    if (!this.teeth.has(fdi)) return;
    this.selected = fdi;
    this.refreshLooks();
    this.drawBoard();
    this.onToothPickedObservable.notifyObservers(fdi);
  }

  dispose(): void {
    this.scene.onPointerObservable.remove(this.pointerObserver);
    this.scene.onPrePointerObservable.remove(this.prePointerObserver);
    this.onToothPickedObservable.clear();
    this.onPlacementObservable.clear();
    this.board.dispose();
    this.labelAtlas.dispose();
    this.hatch.dispose();
    this.root.dispose(false, true);
  }
}
