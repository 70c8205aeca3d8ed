/**
 * The patient's full permanent dentition (FDI 11-48) as an enlarged, pickable model floating
 * beside the chair. Arches are laid out like an occlusal chart opened toward the viewer: upper
 * arch above with incisors at the top, lower arch below, the patient's right on the viewer's left
 * when seen from the front. Each crown is a mesh with metadata { fdi }.
 */

import { PointerEventTypes, type PointerInfo } from "@babylonjs/core/Events/pointerEvents.js";
import "@babylonjs/core/Rendering/outlineRenderer.js";
import { StandardMaterial } from "@babylonjs/core/Materials/standardMaterial.js";
import { DynamicTexture } from "@babylonjs/core/Materials/Textures/dynamicTexture.js";
import { Texture } from "@babylonjs/core/Materials/Textures/texture.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateTube } from "@babylonjs/core/Meshes/Builders/tubeBuilder.js";
import { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import { Observable, type Observer } from "@babylonjs/core/Misc/observable.js";
import type { Scene } from "@babylonjs/core/scene.js";
import { ALARM_VISUALS, type AlarmPriority } from "../../shared/alarms.ts";
import { toothLabel } from "../../shared/teeth.ts";
import { DENTITION_ANCHOR, DENTITION_SCALE, DENTITION_YAW } from "./layout.ts";
import { colour, matte, PALETTE } from "./palette.ts";
import { font, roundRectPath, TextPlane } from "./textTexture.ts";
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
  mesh: Mesh;
  material: StandardMaterial;
  colour: string;
  label: string | null;
  alarm: { priority: AlarmPriority; acknowledged: boolean } | null;
}

/** How far each arch is swung open toward the viewer (radians) and the hinge behind the molars. */
const OPEN_ANGLE = (62 * Math.PI) / 180;
const HINGE_Z = -14;
const HINGE_GAP = 5;
/** Outline thickness around a highlighted crown, in model millimetres. */
const OUTLINE_MM = 0.9;
/** Tooltip height above the model's centre, metres (just clear of the upper incisors). */
const TOOLTIP_ABOVE_M = 62 * DENTITION_SCALE;

function hatchTexture(scene: Scene): DynamicTexture {
  const tex = new DynamicTexture("tooth-unknown-hatch", { width: 128, height: 128 }, scene, true);
  const ctx = tex.getContext() as unknown as CanvasRenderingContext2D;
  ctx.fillStyle = PALETTE.toothUnknown;
  ctx.fillRect(0, 0, 128, 128);
  ctx.strokeStyle = "#b3bfce";
  ctx.lineWidth = 4;
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

export class Dentition {
  readonly root: TransformNode;
  readonly onToothPickedObservable = new Observable<number>();
  private readonly teeth = new Map<number, Tooth>();
  private readonly hatch: DynamicTexture;
  private readonly tooltip: TextPlane;
  private readonly labels: TextPlane[] = [];
  /** Label anchors in the model frame; labels themselves live in world space (see placeLabels). */
  private readonly labelAnchors: { plane: TextPlane; anchor: TransformNode }[] = [];
  private readonly pointerObserver: Observer<PointerInfo>;
  private highlighted: number[] = [];
  private visible = true;
  private hovered: number | null = null;
  private selected: number | null = null;
  private readonly downs = new Map<number, { fdi: number; x: number; y: number }>();

  constructor(private readonly scene: Scene) {
    this.root = new TransformNode("dentition", scene);
    this.root.position.set(...DENTITION_ANCHOR);
    this.root.rotation.y = DENTITION_YAW;
    this.root.scaling.setAll(DENTITION_SCALE);
    this.hatch = hatchTexture(scene);
    this.buildArch(true);
    this.buildArch(false);
    this.buildSideMarks();
    this.placeLabels();
    this.tooltip = new TextPlane(scene, "tooth-tooltip", 0.46, 0.082, 768);
    this.tooltip.mesh.billboardMode = Mesh.BILLBOARDMODE_ALL;
    this.tooltip.mesh.renderingGroupId = 1;
    this.tooltip.mesh.setEnabled(false);
    this.setStates(new Map());
    this.pointerObserver = scene.onPointerObservable.add((info) => this.onPointer(info));
  }

  private buildArch(upper: boolean): void {
    const shape = upper ? UPPER_ARCH : LOWER_ARCH;
    const pivot = new TransformNode(upper ? "upper-arch" : "lower-arch", this.scene);
    pivot.parent = this.root;
    pivot.position.set(0, upper ? HINGE_GAP : -HINGE_GAP, HINGE_Z);
    pivot.rotation.x = upper ? -OPEN_ANGLE : OPEN_ANGLE;
    const arch = new TransformNode(`${pivot.name}-teeth`, this.scene);
    arch.parent = pivot;
    arch.position.z = -HINGE_Z;
    const samples = archSamples(shape);
    const quadrants = upper ? [1, 2] : [4, 3];
    const gumPath: Vector3[] = [];
    const gumEnds: { side: number; s: number }[] = [];
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
        mesh.metadata = { fdi, interactive: true };
        mesh.isPickable = true;
        mesh.enablePointerMoveEvents = true;
        const material = new StandardMaterial(`tooth-${fdi}-mat`, this.scene);
        material.specularColor = new Color3(0.35, 0.35, 0.35);
        material.specularPower = 40;
        mesh.material = material;
        this.teeth.set(fdi, { fdi, mesh, material, colour: PALETTE.toothUnknown, label: null, alarm: null });
        this.buildNumber(
          arch,
          fdi,
          side * at.x + side * at.nx * (dims.depth / 2 + 5.5),
          at.z + at.nz * (dims.depth / 2 + 5.5),
          upper ? 4 : -4,
        );
      }
      gumEnds.push({ side, s });
    }
    // Gum: a soft pink tube along the necks of the teeth, from one end of the arch to the other.
    const end = Math.min(...gumEnds.map((e) => e.s)) - 3;
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
    gum.material = matte(this.scene, `${pivot.name}-gum`, PALETTE.gumPink, { specular: 0.25 });
    gum.isPickable = false;
  }

  private buildNumber(parent: TransformNode, fdi: number, x: number, z: number, y: number): void {
    const plane = new TextPlane(this.scene, `fdi-${fdi}`, 9 * DENTITION_SCALE, 6 * DENTITION_SCALE, 96);
    plane.draw((ctx, w, h) => {
      ctx.fillStyle = "rgba(255,255,255,0.82)";
      roundRectPath(ctx, 2, 2, w - 4, h - 4, 16);
      ctx.fill();
      ctx.fillStyle = PALETTE.text;
      ctx.font = font(40, 600);
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.fillText(String(fdi), w / 2, h / 2 + 2);
    });
    this.addLabel(plane, parent, x, y, z);
  }

  private addLabel(plane: TextPlane, parent: TransformNode, x: number, y: number, z: number): void {
    const anchor = new TransformNode(`${plane.mesh.name}-anchor`, this.scene);
    anchor.parent = parent;
    anchor.position.set(x, y, z);
    plane.mesh.billboardMode = Mesh.BILLBOARDMODE_ALL;
    this.labels.push(plane);
    this.labelAnchors.push({ plane, anchor });
  }

  /**
   * Billboards ignore their parents' rotation in Babylon, so labels are not parented: each is put
   * at its anchor's world position once the (static) model is in place.
   */
  private placeLabels(): void {
    this.root.computeWorldMatrix(true);
    for (const { plane, anchor } of this.labelAnchors) {
      for (let n: TransformNode | null = anchor; n; n = n.parent as TransformNode | null)
        n.computeWorldMatrix(true);
      plane.mesh.position.copyFrom(anchor.getAbsolutePosition());
    }
  }

  private buildSideMarks(): void {
    for (const [text, x] of [
      ["R", 50],
      ["L", -50],
    ] as const) {
      const plane = new TextPlane(this.scene, `side-${text}`, 12 * DENTITION_SCALE, 12 * DENTITION_SCALE, 96);
      plane.draw((ctx, w, h) => {
        ctx.fillStyle = "rgba(47,143,157,0.9)";
        ctx.beginPath();
        ctx.arc(w / 2, h / 2, w / 2 - 4, 0, Math.PI * 2);
        ctx.fill();
        ctx.fillStyle = "#ffffff";
        ctx.font = font(56, 700);
        ctx.textAlign = "center";
        ctx.textBaseline = "middle";
        ctx.fillText(text, w / 2, h / 2 + 3);
      });
      this.addLabel(plane, this.root, x, 0, HINGE_Z + 8);
    }
  }

  /** Shows or hides the model, its labels and its tooltip. */
  setVisible(visible: boolean): void {
    this.root.setEnabled(visible);
    for (const l of this.labels) l.mesh.setEnabled(visible);
    this.visible = visible;
    this.refreshTooltip();
  }

  get count(): number {
    return this.teeth.size;
  }

  /** Colours teeth from the page's states; teeth without a state show the hatched "unknown" look. */
  setStates(states: ReadonlyMap<number, ToothState>): void {
    for (const tooth of this.teeth.values()) {
      const state = states.get(tooth.fdi);
      tooth.alarm = state?.alarm ?? null;
      if (state && /^#[0-9a-f]{6}$/i.test(state.colour)) {
        tooth.colour = state.colour.toLowerCase();
        tooth.label = state.label;
        tooth.material.diffuseTexture = null;
        tooth.material.diffuseColor = colour(state.colour);
      } else {
        tooth.colour = PALETTE.toothUnknown;
        tooth.label = state?.label ?? null;
        tooth.material.diffuseTexture = this.hatch;
        tooth.material.diffuseColor = new Color3(0.85, 0.85, 0.85);
      }
    }
    this.refreshTooltip();
    this.refreshOutlines();
  }

  highlight(fdis: readonly number[]): void {
    this.highlighted = fdis.filter((f) => this.teeth.has(f));
    this.refreshOutlines();
  }

  /** Active alarm priority per tooth, as the 3D view shows it. */
  alarms(): Record<number, AlarmPriority> {
    const out: Record<number, AlarmPriority> = {};
    for (const t of this.teeth.values()) if (t.alarm) out[t.fdi] = t.alarm.priority;
    return out;
  }

  /**
   * An outline (Babylon's outline renderer: no extra full-screen pass, fine in XR) on highlighted
   * teeth and on teeth with an alarm, in the alarm's colour (IEC 60601-1-8, as the panel's bar).
   */
  private refreshOutlines(): void {
    for (const t of this.teeth.values()) {
      t.mesh.renderOutline = t.alarm !== null || this.highlighted.includes(t.fdi);
      t.mesh.outlineColor = colour(t.alarm ? ALARM_VISUALS[t.alarm.priority].colour : PALETTE.highlight);
    }
  }

  highlightedTeeth(): number[] {
    return [...this.highlighted];
  }

  colours(): Record<number, string> {
    const out: Record<number, string> = {};
    for (const t of this.teeth.values()) out[t.fdi] = t.colour;
    return out;
  }

  /** World position of a tooth's crown centre. */
  toothPosition(fdi: number): Vector3 | null {
    return this.teeth.get(fdi)?.mesh.getAbsolutePosition().clone() ?? null;
  }

  /** Pulses highlighted teeth; call once per frame. */
  update(nowMs: number): void {
    const pulse = 0.5 + 0.5 * Math.sin((nowMs / 1000) * Math.PI * 1.2);
    for (const t of this.teeth.values()) {
      const e = t.material.emissiveColor;
      // Pulse the tooth's own colour brighter, so the heat-map colour stays readable under the glow.
      if (this.highlighted.includes(t.fdi)) {
        colour(t.colour).scaleToRef(0.12 + 0.28 * pulse, e);
        t.mesh.outlineWidth = OUTLINE_MM * (0.7 + 0.6 * pulse);
      } else e.set(0, 0, 0);
      if (t.alarm) {
        // Unacknowledged alarms flash at their priority's rate; acknowledged ones stay steady.
        const hz = t.alarm.acknowledged ? 0 : ALARM_VISUALS[t.alarm.priority].flashHz;
        const on = hz === 0 || Math.floor((nowMs / 1000) * hz * 2) % 2 === 0;
        t.mesh.renderOutline = on || this.highlighted.includes(t.fdi);
        if (!this.highlighted.includes(t.fdi)) t.mesh.outlineWidth = OUTLINE_MM * 1.2;
      }
      if (t.fdi === this.hovered || t.fdi === this.selected) e.addInPlace(new Color3(0.12, 0.12, 0.12));
    }
  }

  private onPointer(info: PointerInfo): void {
    const mesh = info.pickInfo?.hit ? info.pickInfo.pickedMesh : null;
    const fdi = typeof mesh?.metadata?.fdi === "number" ? (mesh.metadata.fdi as number) : null;
    const ev = info.event as PointerEvent;
    switch (info.type) {
      case PointerEventTypes.POINTERMOVE:
        if (fdi !== this.hovered) {
          this.hovered = fdi;
          this.refreshTooltip();
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
    this.refreshTooltip();
    this.onToothPickedObservable.notifyObservers(fdi);
  }

  private refreshTooltip(): void {
    const fdi = this.hovered ?? this.selected;
    const tooth = fdi === null ? undefined : this.teeth.get(fdi);
    if (!tooth || !this.visible) {
      this.tooltip.mesh.setEnabled(false);
      return;
    }
    const title = toothLabel(tooth.fdi);
    const detail = tooth.label;
    this.tooltip.draw((ctx, w, h) => {
      ctx.fillStyle = PALETTE.panelBg;
      roundRectPath(ctx, 4, 4, w - 8, h - 8, 30);
      ctx.fill();
      ctx.strokeStyle = tooth.colour;
      ctx.lineWidth = 6;
      ctx.stroke();
      ctx.fillStyle = PALETTE.text;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      ctx.font = font(detail ? 40 : 48, 600);
      ctx.fillText(title, w / 2, detail ? h * 0.36 : h / 2 + 2, w - 40);
      if (detail) {
        ctx.font = font(32, 400);
        ctx.fillStyle = PALETTE.softText;
        ctx.fillText(detail, w / 2, h * 0.72, w - 40);
      }
    });
    // Always in the same spot just above the model, so it never covers the arches.
    const p = this.root.position;
    this.tooltip.mesh.position.set(p.x, p.y + TOOLTIP_ABOVE_M, p.z);
    this.tooltip.mesh.setEnabled(true);
  }

  dispose(): void {
    this.scene.onPointerObservable.remove(this.pointerObserver);
    this.onToothPickedObservable.clear();
    this.tooltip.dispose();
    for (const l of this.labels) l.dispose();
    for (const t of this.teeth.values()) t.material.dispose();
    this.hatch.dispose();
    this.root.dispose(false, true);
  }
}
