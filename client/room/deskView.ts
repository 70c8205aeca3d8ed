/** The desktop view for clinicians, assistants and observers: the 3D room beside the clinical panel. */
import { SELECTABLE_PLANS } from "../../shared/procedure/plans.ts";
import type { PersonAuth, RoomSnapshot } from "../../shared/protocol.ts";
import { RoomConnection } from "../connection.ts";
import { isLive } from "../linkState.ts";
import { createClinicianLayout } from "../panel/layout.ts";
import { ClinicianPanel } from "../panel/panel.ts";
import type { PanelRole } from "../panel/permissions.ts";
import { linkTeeth } from "../panel/toothLink.ts";
import { TreatmentScene } from "../scene/treatmentScene.ts";
import { LinkPresenter, qualityFromUrl } from "./status.ts";
import { exposeTestState, startPoseLoop } from "./testHooks.ts";

export interface DeskHandle {
  connection: RoomConnection;
  scene: TreatmentScene;
  panel: ClinicianPanel;
}

/** `auth`: the handshake, or a function that makes it once the room is drawn (the demo starts its story then). */
export async function startDeskAsync(
  root: HTMLElement,
  auth: PersonAuth | (() => Promise<PersonAuth>),
  opts: { title?: string } = {},
): Promise<DeskHandle> {
  const { canvasHost, panelRoot } = createClinicianLayout(root);
  const presenter = new LinkPresenter(root, () => connection.takeSeatBack());
  canvasHost.append(presenter.badge);
  if (opts.title) {
    const title = document.createElement("div");
    title.className = "desk-title";
    title.textContent = opts.title;
    canvasHost.append(title);
  }
  const canvas = document.createElement("canvas");
  canvas.className = "room-canvas";
  canvas.dataset.testid = "room-canvas";
  canvasHost.prepend(canvas);
  const scene = await TreatmentScene.createAsync(canvas, { mode: "desktop", quality: qualityFromUrl() });

  let panel: ClinicianPanel | null = null;
  let role: PanelRole = "observer";
  const handshake = typeof auth === "function" ? await auth() : auth;
  // A page seated by a staff cookie (no demo pass) may pair the headset and invite observers.
  const staffSignedIn = handshake.pass === undefined;
  const connection = new RoomConnection(handshake, {
    onView: (view) => {
      if (!panel) {
        const mine = view.members.find((m) => m.memberId === view.you)?.role;
        role = mine === "clinician" || mine === "assistant" || mine === "presenter" ? mine : "observer";
        panel = new ClinicianPanel(panelRoot, connection, {
          role,
          staffSignedIn,
          plans: SELECTABLE_PLANS.map((p) => ({ id: p.id, name: p.name })),
        });
        panel.setLive(isLive(connection.link));
        // The 3D chart names teeth in the reader's notation, as the panel does.
        scene.setToothNotation(panel.names.current);
        panel.names.onChange.add((n) => scene.setToothNotation(n));
        panel.onToothStatesChanged(({ states }) => scene.setToothStates(states));
        // The panel decides what is lit (the picked tooth, else the step's teeth); 3D picks select in the panel.
        linkTeeth(panel, scene);
      }
      const me = view.members.find((m) => m.memberId === view.you);
      if (me) scene.rememberChartFor(me.personId);
      panel.onView(view);
      applyToScene(scene, view);
    },
    onReadings: (readings) => panel?.onReadings(readings),
    onPoses: (batch, at) => scene.pushPoseBatch(batch, at),
    onLinkState: (status) => {
      presenter.set(status);
      panel?.setLive(isLive(status));
      scene.setIdle(status.kind === "replaced" || status.kind === "refused");
    },
    onEvent: (event) => {
      // Retracted readings must show as retracted: reload the chart history after a quarantine.
      if (event.body.type === "firmware_quarantined") {
        void connection.loadHistory(Date.now() - 2 * 60_000).then((r) => {
          if (r.ok) panel?.onReadings(r.value.readings);
        });
      }
    },
  });
  startPoseLoop(connection, scene);
  exposeTestState(() => ({
    role,
    link: connection.link.kind,
    view: connection.view,
    stats: connection.stats,
    scene: scene.testState(),
    panel: panel?.testState() ?? null,
  }));
  return {
    connection,
    scene,
    get panel() {
      return panel!;
    },
  };
}

function applyToScene(scene: TreatmentScene, view: RoomSnapshot): void {
  scene.setMembers(view.members, view.you);
  scene.setOtto(view.otto);
  scene.setSurroundings(view.comfort.surroundings);
  scene.setBreathingCoach(view.comfort.breathingCoach);
}
