/**
 * The dental unit: chair (base, seat, reclined backrest, headrest, armrests, leg rest), the
 * operatory light on its pole, the instrument tray, the clinician's stool, and the seated
 * patient's body (shown while a patient is in the room; the head and hands are the avatar's).
 * The built-in builder is also the source of `assets/models/dental-unit.glb`; `placeDentalUnit`
 * puts either into the scene. The operatory light's lamp stays ours, aimed from the shared layout.
 */
import type { ShadowGenerator } from "@babylonjs/core/Lights/Shadows/shadowGenerator.js";
import { SpotLight } from "@babylonjs/core/Lights/spotLight.js";
import { Color3 } from "@babylonjs/core/Maths/math.color.js";
import { Vector3 } from "@babylonjs/core/Maths/math.vector.js";
import { CreateCylinder } from "@babylonjs/core/Meshes/Builders/cylinderBuilder.js";
import { CreateDisc } from "@babylonjs/core/Meshes/Builders/discBuilder.js";
import { CreateTorus } from "@babylonjs/core/Meshes/Builders/torusBuilder.js";
import type { Mesh } from "@babylonjs/core/Meshes/mesh.js";
import { TransformNode } from "@babylonjs/core/Meshes/transformNode.js";
import type { Node } from "@babylonjs/core/node.js";
import type { Scene } from "@babylonjs/core/scene.js";
import {
  BACK_HINGE,
  BACKREST_LENGTH,
  backrestPoint,
  HEADREST,
  LIGHT_LAMP,
  PATIENT_HEAD,
  RECLINE,
  roleStation,
  toV3,
  type V3,
} from "./layout.ts";
import { CHAIR_SHADOW_SKIP, nameStartsWith } from "./models.ts";
import { contractNodes, rigFrom } from "./modelsLoader.ts";
import { glowing, matte, PALETTE } from "./palette.ts";
import { rod, roundedBox } from "./shapes.ts";
import { batchStatic } from "./staticBatch.ts";

export interface DentalUnit {
  root: TransformNode;
  /** The seated patient's body: shown only while a patient is in the room. */
  patientBody: TransformNode;
  lampLight: SpotLight;
  dispose(): void;
}

/** The unit's holders and the lamp's light; the chair itself arrives with `placeDentalUnit`. */
export function createDentalUnit(scene: Scene): DentalUnit {
  const root = new TransformNode("dental-unit", scene);
  const patientBody = new TransformNode("patient-body", scene);
  patientBody.parent = root;
  const lamp = toV3(LIGHT_LAMP);
  const aim = toV3(PATIENT_HEAD).subtract(lamp).normalize();
  const lampLight = new SpotLight("lamp-light", lamp.clone(), aim, 0.7, 8, scene);
  lampLight.diffuse = Color3.FromHexString("#fff4e2");
  lampLight.specular = new Color3(0.2, 0.2, 0.2);
  lampLight.intensity = 0.45;
  lampLight.range = 3;
  return {
    root,
    patientBody,
    lampLight,
    dispose() {
      lampLight.dispose();
      root.dispose(false, true);
    },
  };
}

/**
 * Puts a chair (the file's nodes, or the built-in figure) into the unit: it casts shadows (not its
 * thin rods and tray items, models.ts CHAIR_SHADOW_SKIP),
 * the "patient-body" node goes into the unit's patient body, and the static parts are baked.
 */
export function placeDentalUnit(unit: DentalUnit, nodes: readonly Node[], shadows: ShadowGenerator): void {
  const rig = rigFrom(nodes, contractNodes("chair"), unit.root);
  rig.pivots.get("patient-body")?.setParent(unit.patientBody);
  for (const mesh of [...rig.meshes.values()].flat())
    if (!nameStartsWith(mesh.name, CHAIR_SHADOW_SKIP)) shadows.addShadowCaster(mesh, false);
  batchStatic(unit.root, "dental-unit", { exclude: [unit.patientBody], shadows });
  batchStatic(unit.patientBody, "patient-body", { shadows });
}

const LEGREST_TILT = (22 * Math.PI) / 180;
const SEAT_Y = 0.57;

function place(mesh: Mesh, parent: TransformNode, p: V3, rotX = 0): Mesh {
  mesh.position.set(p[0], p[1], p[2]);
  mesh.rotation.x = rotX;
  mesh.parent = parent;
  return mesh;
}

/** The built-in dental unit in model space (metres, +y up, origin at the chair's base). */
export function buildDentalUnitFigure(scene: Scene): TransformNode {
  const root = new TransformNode("dental-unit-model", scene);
  const casters: Mesh[] = [];
  const cushion = matte(scene, "upholstery", PALETTE.upholstery, { specular: 0.18 });
  const cushionDark = matte(scene, "upholstery-dark", PALETTE.upholsteryDark, { specular: 0.12 });
  const shell = matte(scene, "chair-shell", PALETTE.chairShell, { specular: 0.35 });
  const metal = matte(scene, "chair-metal", PALETTE.metal, { specular: 0.6 });
  const add = (m: Mesh) => {
    casters.push(m);
    return m;
  };

  // Base and lift column.
  const basePlate = add(roundedBox("chair-base", scene, 0.62, 0.07, 0.95, 0.3));
  basePlate.material = shell;
  place(basePlate, root, [0, 0.035, 0.12]);
  const column = add(
    CreateCylinder("chair-column", { diameterTop: 0.2, diameterBottom: 0.26, height: 0.4 }, scene),
  );
  column.material = shell;
  place(column, root, [0, 0.26, 0.02]);
  const seatShell = add(roundedBox("seat-shell", scene, 0.5, 0.1, 0.52, 0.35));
  seatShell.material = shell;
  place(seatShell, root, [0, SEAT_Y - 0.08, 0.05]);

  // Seat, backrest, headrest.
  const seat = add(roundedBox("seat", scene, 0.54, 0.1, 0.52, 0.3));
  seat.material = cushion;
  place(seat, root, [0, SEAT_Y, 0.05]);
  const back = add(roundedBox("backrest", scene, 0.52, BACKREST_LENGTH, 0.1, 0.3));
  back.material = cushion;
  place(back, root, backrestPoint(BACKREST_LENGTH / 2, 0), -RECLINE);
  const backShell = add(roundedBox("backrest-shell", scene, 0.5, BACKREST_LENGTH - 0.04, 0.06, 0.4));
  backShell.material = shell;
  place(backShell, root, backrestPoint(BACKREST_LENGTH / 2, -0.07), -RECLINE);
  const headrest = add(roundedBox("headrest", scene, 0.27, 0.19, 0.08, 0.35));
  headrest.material = cushion;
  place(headrest, root, HEADREST, -RECLINE);
  const headBar = rod(
    "headrest-bar",
    scene,
    toV3(backrestPoint(BACKREST_LENGTH - 0.05, -0.05)),
    toV3(backrestPoint(BACKREST_LENGTH + 0.1, -0.02)),
    0.035,
  );
  headBar.material = metal;
  headBar.parent = root;

  // Leg rest and foot plate.
  const legLen = 0.72;
  const leg = add(roundedBox("legrest", scene, 0.5, 0.09, legLen, 0.3));
  leg.material = cushion;
  place(
    leg,
    root,
    [0, SEAT_Y - (legLen / 2) * Math.sin(LEGREST_TILT), 0.3 + (legLen / 2) * Math.cos(LEGREST_TILT)],
    LEGREST_TILT,
  );
  const legShell = add(roundedBox("legrest-shell", scene, 0.46, 0.06, legLen - 0.05, 0.4));
  legShell.material = shell;
  place(
    legShell,
    root,
    [0, SEAT_Y - 0.07 - (legLen / 2) * Math.sin(LEGREST_TILT), 0.3 + (legLen / 2) * Math.cos(LEGREST_TILT)],
    LEGREST_TILT,
  );
  const foot = add(roundedBox("footplate", scene, 0.42, 0.03, 0.14, 0.3));
  foot.material = shell;
  place(
    foot,
    root,
    [0, SEAT_Y - legLen * Math.sin(LEGREST_TILT) - 0.02, 0.32 + legLen * Math.cos(LEGREST_TILT)],
    -0.9,
  );

  // Armrests on posts.
  for (const side of [-1, 1]) {
    const arm = add(roundedBox("armrest", scene, 0.08, 0.055, 0.44, 0.35));
    arm.material = cushionDark;
    place(arm, root, [side * 0.31, 0.73, 0.08]);
    const post = rod(
      "armrest-post",
      scene,
      new Vector3(side * 0.29, SEAT_Y - 0.05, -0.05),
      new Vector3(side * 0.31, 0.71, 0.0),
      0.03,
    );
    post.material = metal;
    post.parent = root;
  }

  buildOperatoryLight(scene, root, casters);
  buildTray(scene, root, casters);
  buildStool(scene, root, casters);
  buildPatientBody(scene, root, casters);
  return root;
}

function buildOperatoryLight(scene: Scene, root: TransformNode, casters: Mesh[]): void {
  const shell = matte(scene, "lamp-shell", "#f7f8f9", { specular: 0.4 });
  const metal = matte(scene, "lamp-metal", PALETTE.metal, { specular: 0.6 });
  const poleBase: V3 = [0.05, 0, BACK_HINGE[2] - 1.0];
  const poleTop = new Vector3(poleBase[0], 2.2, poleBase[2]);
  const foot = roundedBox("lamp-foot", scene, 0.42, 0.05, 0.42, 0.4);
  foot.material = shell;
  place(foot, root, [poleBase[0], 0.025, poleBase[2]]);
  const pole = rod("lamp-pole", scene, new Vector3(poleBase[0], 0, poleBase[2]), poleTop, 0.06);
  pole.material = shell;
  pole.parent = root;
  casters.push(pole);
  const lamp = toV3(LIGHT_LAMP);
  const elbow = new Vector3(lamp.x, 2.3, (lamp.z + poleTop.z) / 2);
  const arm1 = rod("lamp-arm", scene, poleTop, elbow, 0.045);
  arm1.material = metal;
  arm1.parent = root;
  const arm2 = rod("lamp-arm2", scene, elbow, lamp.add(new Vector3(0, 0.06, 0)), 0.04);
  arm2.material = metal;
  arm2.parent = root;
  // Lamp head tilted toward the patient's mouth, its face glowing softly.
  const aim = toV3(PATIENT_HEAD).subtract(lamp).normalize();
  const head = new TransformNode("lamp-head", scene);
  head.parent = root;
  head.position.copyFrom(lamp);
  head.lookAt(lamp.add(aim));
  const housing = roundedBox("lamp-housing", scene, 0.38, 0.2, 0.1, 0.35);
  housing.material = shell;
  housing.parent = head;
  casters.push(housing);
  const face = CreateDisc("lamp-face", { radius: 0.075, tessellation: 24 }, scene);
  face.scaling.x = 2.1;
  face.position.z = 0.052;
  face.rotation.y = Math.PI;
  face.material = glowing(scene, "lamp-face", "#fff6e0");
  face.parent = head;
}

function buildTray(scene: Scene, root: TransformNode, casters: Mesh[]): void {
  const metal = matte(scene, "tray-metal", "#d5dbe0", { specular: 0.55 });
  const shell = matte(scene, "tray-shell", PALETTE.chairShell, { specular: 0.3 });
  const trayPos = new Vector3(0.62, 0.98, 0.32);
  const arm = rod("tray-arm", scene, new Vector3(0.22, 0.45, 0.02), new Vector3(0.6, 0.93, 0.22), 0.04);
  arm.material = shell;
  arm.parent = root;
  const tray = roundedBox("tray", scene, 0.42, 0.025, 0.3, 0.25);
  tray.material = metal;
  tray.parent = root;
  tray.position.copyFrom(trayPos);
  tray.rotation.y = -0.35;
  casters.push(tray);
  const steel = matte(scene, "instrument", "#9aa6b1", { specular: 0.9 });
  for (let i = 0; i < 3; i++) {
    const tool = CreateCylinder("instrument", { diameter: 0.008, height: 0.16, tessellation: 8 }, scene);
    tool.rotation.x = Math.PI / 2;
    tool.position.set(-0.12 + i * 0.04, 0.02, 0);
    tool.material = steel;
    tool.parent = tray;
  }
  const mirror = CreateDisc("mirror", { radius: 0.012, tessellation: 16 }, scene);
  mirror.rotation.x = Math.PI / 2;
  mirror.position.set(-0.12, 0.022, 0.085);
  mirror.material = matte(scene, "mirror", "#e9f3f8", { specular: 1 });
  mirror.parent = tray;
  const cup = CreateCylinder("cup", { diameterTop: 0.07, diameterBottom: 0.055, height: 0.09 }, scene);
  cup.position.set(0.12, 0.055, 0.06);
  cup.material = matte(scene, "cup", "#bfe3ec");
  cup.parent = tray;
  const rolls = matte(scene, "cotton", "#fbfbf8");
  for (let i = 0; i < 4; i++) {
    const roll = CreateCylinder("cotton-roll", { diameter: 0.012, height: 0.04, tessellation: 8 }, scene);
    roll.rotation.z = Math.PI / 2;
    roll.position.set(0.05, 0.02, -0.08 + i * 0.016);
    roll.material = rolls;
    roll.parent = tray;
  }
}

function buildStool(scene: Scene, root: TransformNode, casters: Mesh[]): void {
  const station = roleStation("clinician");
  const x = station[0] + 0.12;
  const z = station[2] - 0.45;
  const seat = roundedBox("stool-seat", scene, 0.4, 0.08, 0.4, 0.5);
  seat.material = matte(scene, "stool-seat", PALETTE.upholsteryDark);
  place(seat, root, [x, 0.56, z]);
  casters.push(seat);
  const metal = matte(scene, "stool-metal", PALETTE.chromeDark, { specular: 0.5 });
  const post = CreateCylinder("stool-post", { diameter: 0.045, height: 0.48 }, scene);
  post.material = metal;
  place(post, root, [x, 0.28, z]);
  for (let i = 0; i < 5; i++) {
    const a = (i / 5) * Math.PI * 2;
    const leg = rod(
      "stool-leg",
      scene,
      new Vector3(x, 0.06, z),
      new Vector3(x + Math.cos(a) * 0.27, 0.03, z + Math.sin(a) * 0.27),
      0.03,
      8,
    );
    leg.material = metal;
    leg.parent = root;
  }
  const ring = CreateTorus("stool-ring", { diameter: 0.3, thickness: 0.015, tessellation: 24 }, scene);
  ring.material = metal;
  place(ring, root, [x, 0.3, z]);
}

function buildPatientBody(scene: Scene, root: TransformNode, casters: Mesh[]): TransformNode {
  const body = new TransformNode("patient-body", scene);
  body.parent = root;
  const gown = matte(scene, "gown", PALETTE.gown, { specular: 0.05 });
  const trousers = matte(scene, "trousers", "#7f90a3", { specular: 0.05 });
  const shoes = matte(scene, "shoes", "#55616e", { specular: 0.2 });
  const bib = matte(scene, "bib", PALETTE.bib, { specular: 0.05 });
  const part = (m: Mesh, p: V3, rotX: number, mat: typeof gown) => {
    m.material = mat;
    place(m, body as unknown as TransformNode, p, rotX);
    casters.push(m);
    return m;
  };
  part(roundedBox("torso", scene, 0.4, 0.56, 0.2, 0.45), backrestPoint(0.36, 0.15), -RECLINE, gown);
  part(roundedBox("shoulders", scene, 0.44, 0.12, 0.18, 0.6), backrestPoint(0.6, 0.14), -RECLINE, gown);
  part(roundedBox("bib", scene, 0.3, 0.24, 0.012, 0.2), backrestPoint(0.5, 0.255), -RECLINE, bib);
  part(
    CreateCylinder("neck", { diameter: 0.1, height: 0.12 }, scene),
    backrestPoint(BACKREST_LENGTH + 0.02, 0.14),
    -RECLINE,
    gown,
  ).material = matte(scene, "neck", PALETTE.skin);
  for (const side of [-1, 1]) {
    const x = side * 0.085;
    part(roundedBox("thigh", scene, 0.13, 0.12, 0.46, 0.55), [x, SEAT_Y + 0.105, 0.1], 0, trousers);
    const shinLen = 0.46;
    const kz = 0.33;
    part(
      roundedBox("shin", scene, 0.1, 0.095, shinLen, 0.55),
      [x, SEAT_Y + 0.1 - (shinLen / 2) * Math.sin(LEGREST_TILT), kz + (shinLen / 2) * Math.cos(LEGREST_TILT)],
      LEGREST_TILT,
      trousers,
    );
    part(
      roundedBox("shoe", scene, 0.085, 0.12, 0.075, 0.5),
      [x, SEAT_Y + 0.12 - shinLen * Math.sin(LEGREST_TILT), kz + 0.03 + shinLen * Math.cos(LEGREST_TILT)],
      -0.25,
      shoes,
    );
  }
  return body;
}
