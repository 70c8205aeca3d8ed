/**
 * The clinician's side panel: composes members, procedure controls, alarms, live SOE charts, the
 * comfort timeline, the tooth heat map, devices and Otto's captions. The page feeds it with the
 * RoomListener calls (`onView`, `onReadings`); rendering is batched into animation frames.
 */
import "./panel.css";
import type { ProcedureStatus, ProcedureTransition } from "../../shared/procedure/types.ts";
import type { ReadingsBatch, RoomSnapshot } from "../../shared/protocol.ts";
import type { CheckedReading } from "../../shared/soe/signals.ts";
import type { RoomActions, RoomListener } from "../roomActions.ts";
import { AlarmsView } from "./alarmsView.ts";
import { AppointmentApi } from "./appointmentApi.ts";
import { Captions } from "./captions.ts";
import { COMFORT_WINDOW_MS, ComfortHistory } from "./comfortHistory.ts";
import { ComfortPanel } from "./comfortView.ts";
import { DevicesView } from "./devicesView.ts";
import { h, PanelEvent, setText } from "./dom.ts";
import { formatTime, roleText } from "./format.ts";
import { HeadsetPairingCard } from "./headsetPairing.ts";
import { HistoryLoad } from "./historyLoad.ts";
import { LatestReadings } from "./latestReadings.ts";
import { MembersList } from "./membersList.ts";
import { ObserverInvitesCard } from "./observerInvites.ts";
import { isCareRole, isViewOnly, type PanelRole, panelCards } from "./permissions.ts";
import { ProcedureControls } from "./procedureControls.ts";
import { SoeCharts } from "./soeCharts.ts";
import { CHART_TEETH, TeethView } from "./teethView.ts";
import { computeToothStates, type HeatmapSignal, sameStates, type ToothState } from "./toothHeatmap.ts";
import type { ToothHighlightSource } from "./toothLink.ts";
import { notationSwitch, ToothNames } from "./toothNames.ts";

export { createClinicianLayout } from "./layout.ts";
export type { HeatmapSignal, ToothState } from "./toothHeatmap.ts";
export { linkTeeth, type ToothHighlightSource, type ToothHighlightTarget } from "./toothLink.ts";

export interface ClinicianPanelOptions {
  role: PanelRole;
  plans: { id: string; name: string }[];
  /** Clock (epoch ms, server time). Default: the browser clock corrected by the snapshot's serverTime. */
  now?: () => number;
  /** Load the last ten minutes of readings through actions.loadHistory on the first view. Default true. */
  loadHistory?: boolean;
  /** Speak Otto's lines with speechSynthesis when available. Default true. */
  speech?: boolean;
  /**
   * The room admitted this page by a staff member's session (not a demo pass): show the cards that
   * use the staff API (the patient's headset, observers). Default false.
   */
  staffSignedIn?: boolean;
}

export interface ToothStatesChange {
  states: Map<number, ToothState>;
  signal: HeatmapSignal;
}

/** Read-only state for end-to-end tests. */
export interface PanelTestState {
  procedureStatus: string | null;
  alarms: {
    id: string;
    priority: string;
    kind: string;
    deviceId: string | null;
    acknowledged: boolean;
    cleared: boolean;
  }[];
  chartPoints: Record<string, number>;
  toothStates: Record<number, string>;
  caption: string | null;
  /** The reader's tooth notation and the teeth the panel asks the 3D scene to light up. */
  notation: string;
  highlighted: number[];
  selectedTooth: number | null;
}

const TICK_MS = 500;
const HEAT_REFRESH_MS = 250;

export class ClinicianPanel implements RoomListener, ToothHighlightSource {
  /** Teeth the 3D view should highlight: the selected tooth, else the current step's teeth. */
  readonly onHighlightTeeth = new PanelEvent<number[]>();
  private readonly toothStatesEvent = new PanelEvent<ToothStatesChange>();
  private readonly latest = new LatestReadings();
  private readonly comfortHistory = new ComfortHistory();
  private readonly members: MembersList;
  private readonly procedure: ProcedureControls;
  private readonly alarms: AlarmsView;
  private readonly charts: SoeCharts;
  private readonly comfort: ComfortPanel;
  private readonly teeth: TeethView;
  private readonly devices: DevicesView;
  private readonly captions: Captions;
  /** Staff-API cards of a signed-in care team (headset pairing, observer invites); empty in the demo. */
  private readonly staffCards: HTMLElement;
  private headsetCard: HeadsetPairingCard | null = null;
  private observersCard: ObserverInvitesCard | null = null;
  private readonly header: { patient: HTMLElement; meta: HTMLElement; you: HTMLElement };
  private readonly offline: HTMLElement;
  private readonly alarmBar: HTMLElement;
  /** The tooth notation this person reads; every tooth the panel names goes through it. */
  readonly names = new ToothNames();
  /** The sections whose controls need the server; disabled together while the link is down. */
  private readonly liveSets: HTMLFieldSetElement[];
  private readonly now: () => number;
  private view: RoomSnapshot | null = null;
  private clockOffset = 0;
  private lastServerTime: number | null = null;
  private sessionStart: number | null = null;
  private prevStatus: ProcedureStatus | null = null;
  private patientStoppedAt: number | null = null;
  private selected: number | null = null;
  private signal: HeatmapSignal = "ph";
  private states = new Map<number, ToothState>();
  private notifiedSignal: HeatmapSignal | null = null;
  private lastHeatAt = 0;
  private highlight = "";
  private frame = 0;
  private heatDirty = true;
  private comfortDirty = true;
  private ticks = 0;
  private readonly timer: ReturnType<typeof setInterval>;
  private disposed = false;
  private history: HistoryLoad<ReadingsBatch> | null = null;

  constructor(
    private readonly root: HTMLElement,
    private readonly actions: RoomActions,
    private readonly opts: ClinicianPanelOptions,
  ) {
    this.now = opts.now ?? (() => Date.now() + this.clockOffset);
    const nameOf = (id: string) => this.nameOf(id);
    const role = opts.role;
    this.members = new MembersList();
    const toothName = (fdi: number) => this.names.number(fdi);
    this.procedure = new ProcedureControls(actions, role, opts.plans, {
      nameOf,
      toothName,
      patientName: () => this.view?.appointment.patientName ?? "The patient",
      now: this.now,
    });
    this.alarms = new AlarmsView(actions, role, { now: this.now, nameOf, names: this.names });
    this.charts = new SoeCharts({
      now: this.now,
      isQuarantined: (id) => this.isQuarantined(id),
      toothName,
    });
    this.comfort = new ComfortPanel(actions, role, this.comfortHistory, this.now);
    this.teeth = new TeethView({
      latest: (signal, tooth) => this.latest.forTooth(signal, tooth),
      device: (tooth) => this.view?.devices.find((d) => d.tooth === tooth),
      now: this.now,
    });
    this.teeth.onSelect.add((fdi) => this.selectTooth(fdi));
    this.teeth.onSignal.add((s) => this.setHeatmapSignal(s));
    this.devices = new DevicesView(actions, role, this.now, this.names);
    this.captions = new Captions(nameOf, opts.speech ?? true);

    this.header = {
      patient: h("h1", { class: "cp-patient", "data-testid": "panel-patient" }, "Connecting…"),
      meta: h("p", { class: "cp-header-meta" }),
      you: h("p", { class: "cp-header-you", "data-testid": "panel-you" }),
    };
    this.offline = h(
      "div",
      { class: "cp-offline", "data-testid": "offline-banner", role: "alert", hidden: true },
      h("strong", {}, "Not connected to the room."),
      " Controls are disabled until the link is back; what you see may be out of date.",
    );
    // A disabled fieldset disables every control inside it, whatever each view sets on its own buttons.
    const live = (part: HTMLElement) => h("fieldset", { class: "cp-needs-server" }, part);
    const [alarms, procedure, comfort, devices] = [
      live(this.alarms.root),
      live(this.procedure.root),
      live(this.comfort.root),
      live(this.devices.root),
    ];
    this.staffCards = h("div", { class: "cp-staff-cards" });
    this.liveSets = [alarms, procedure, comfort, devices];
    // The alarms slice's compact alarm bar lives in this slot, above everything, never scrolled away.
    this.alarmBar = h("div", { id: "alarm-bar", class: "cp-alarm-bar", "data-testid": "alarm-bar-slot" });
    this.alarmBar.append(this.alarms.banner);
    root.classList.add("cp-panel");
    root.replaceChildren(
      this.offline,
      this.alarmBar,
      h(
        "div",
        { class: "cp-body", "data-testid": "panel-body" },
        // Column 1: who and what (the procedure controls stay in view: sticky at its top), alarms, comfort.
        h(
          "div",
          { class: "cp-col cp-col-care" },
          h(
            "div",
            { class: "cp-top", "data-testid": "panel-top" },
            h(
              "header",
              { class: "cp-header" },
              h("div", { class: "cp-header-id" }, this.header.patient, this.header.meta, this.header.you),
              notationSwitch(this.names),
            ),
            procedure,
          ),
          alarms,
          comfort,
        ),
        // Column 2: the live charts. Column 3 (or below column 2): teeth, devices, people.
        h("div", { class: "cp-col cp-col-charts" }, this.charts.root),
        h(
          "div",
          { class: "cp-col cp-col-mouth" },
          this.teeth.root,
          devices,
          this.staffCards,
          this.members.root,
        ),
      ),
      this.captions.root,
    );
    // Cards for data this role never receives (shared/access.ts) are not drawn empty: they are not shown.
    const cards = panelCards(role);
    this.alarms.root.hidden = !cards.alarms;
    this.charts.root.hidden = !cards.telemetry;
    this.teeth.root.hidden = !cards.telemetry;
    this.comfort.root.hidden = !cards.comfort;
    this.devices.root.hidden = !cards.devices;
    this.names.onChange.add(() => this.renameTeeth());
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.schedule();
  }

  onView(view: RoomSnapshot): void {
    if (this.disposed) return;
    const sameView = view === this.view;
    const first = this.view === null;
    this.view = view;
    if (view.serverTime !== this.lastServerTime) {
      this.lastServerTime = view.serverTime;
      this.clockOffset = view.serverTime - Date.now();
    }
    if (this.sessionStart === null) {
      const scheduled = Date.parse(view.appointment.scheduledAt);
      this.sessionStart = Number.isFinite(scheduled) ? Math.min(scheduled, view.serverTime) : view.serverTime;
    }

    const a = view.appointment;
    setText(this.header.patient, a.patientName);
    setText(this.header.meta, `Appointment ${formatTime(this.sessionStart)} · ${a.clinicianName}`);
    const me = view.members.find((m) => m.memberId === view.you);
    if (me !== undefined) this.names.forPerson(me.personId);
    setText(
      this.header.you,
      `You: ${me?.displayName ?? "—"} · ${roleText(this.opts.role)}${isViewOnly(this.opts.role) ? " · view only" : ""}`,
    );

    const status = view.procedure?.status ?? null;
    if (status === "paused_by_patient" && this.prevStatus !== "paused_by_patient" && !first) {
      this.patientStoppedAt = this.now();
      this.comfortHistory.noteStop(this.patientStoppedAt);
    }
    if (status !== "paused_by_patient") this.patientStoppedAt = null;
    this.prevStatus = status;

    this.members.update(view.members, view.otto, view.you);
    this.procedure.update(view.procedure, this.patientStoppedAt);
    this.alarms.update(view.alarms);
    this.devices.update(
      view.devices,
      view.quarantinedFirmware,
      view.firmwareHistory,
      this.sessionStart,
      view.alarms,
    );
    this.comfortHistory.noteComfort(view.comfort);
    this.comfort.update(view.comfort);
    this.captions.update(view.otto, sameView);
    if (first) {
      this.mountStaffCards(a.appointmentId);
      this.captions.markJoined();
      if ((this.opts.loadHistory ?? true) && panelCards(this.opts.role).telemetry) this.startHistoryLoad();
    }
    this.emitHighlight();
    this.heatDirty = true;
    this.comfortDirty = true;
    this.schedule();
  }

  /** While the link is down, every control that needs the server is disabled, and the panel says so. */
  setLive(live: boolean): void {
    if (this.disposed) return;
    this.offline.hidden = live;
    for (const set of this.liveSets) set.disabled = !live;
    // The link is back: a history load waiting out its pause tries again at once.
    if (live) this.history?.retryNow();
    this.root.classList.toggle("cp-is-offline", !live);
  }

  onReadings(readings: CheckedReading[]): void {
    if (this.disposed) return;
    // Data structures take readings at once (bounded); drawing waits for the next frame.
    for (const r of readings) {
      this.charts.add(r);
      this.latest.add(r);
      if (r.signal === "heartRate") this.comfortHistory.addHeartRate(r);
    }
    if (readings.length > 0) {
      this.heatDirty = true;
      this.comfortDirty = true;
      this.schedule();
    }
  }

  /** Feeds a procedure transition (from the room's "procedure" event) for exact stop times. */
  onTransition(transition: ProcedureTransition): void {
    if (transition.command !== "stop") return;
    this.comfortHistory.noteStop(transition.at);
    this.patientStoppedAt = transition.at;
    this.procedure.update(this.view?.procedure ?? null, this.patientStoppedAt);
    this.comfortDirty = true;
    this.schedule();
  }

  /** Opens the tooth card for `fdi` (null closes it) and highlights it. */
  selectTooth(fdi: number | null): void {
    this.selected = fdi;
    this.teeth.select(fdi);
    this.emitHighlight();
  }

  /** The teeth lit up now (see `onHighlightTeeth`). */
  highlightedTeeth(): number[] {
    return this.highlight === "" ? [] : this.highlight.split(",").map(Number);
  }

  toothStates(): Map<number, ToothState> {
    return new Map(this.states);
  }

  heatmapSignal(): HeatmapSignal {
    return this.signal;
  }

  setHeatmapSignal(signal: HeatmapSignal): void {
    if (signal === this.signal) return;
    this.signal = signal;
    this.refreshHeatmap();
  }

  /** Called with the new states whenever the heat map changes (signal switch or data). */
  onToothStatesChanged(listener: (change: ToothStatesChange) => void): () => void {
    return this.toothStatesEvent.add(listener);
  }

  testState(): PanelTestState {
    const toothStates: Record<number, string> = {};
    for (const [fdi, s] of this.states) toothStates[fdi] = s.status;
    return {
      procedureStatus: this.view?.procedure?.status ?? null,
      alarms: (this.view?.alarms ?? []).map((a) => ({
        id: a.id,
        priority: a.priority,
        kind: a.kind,
        deviceId: a.deviceId ?? null,
        acknowledged: a.acknowledgedAt !== undefined,
        cleared: a.clearedAt !== undefined,
      })),
      chartPoints: this.charts.plottedCounts(),
      toothStates,
      caption: this.captions.current,
      notation: this.names.current,
      highlighted: this.highlightedTeeth(),
      selectedTooth: this.selected,
    };
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearInterval(this.timer);
    this.history?.stop();
    if (this.frame !== 0) cancelAnimationFrame(this.frame);
    this.charts.dispose();
    this.comfort.dispose();
    this.captions.dispose();
    this.alarms.dispose();
    this.headsetCard?.dispose();
    this.observersCard?.dispose();
    this.onHighlightTeeth.clear();
    this.toothStatesEvent.clear();
    this.root.replaceChildren();
    this.root.classList.remove("cp-panel");
  }

  /**
   * The care team's cards that use the staff API: each shows itself only if the API lets this
   * page's signed-in user act on the appointment (so none appear for a demo seat).
   */
  private mountStaffCards(appointmentId: string): void {
    if (!this.opts.staffSignedIn || !isCareRole(this.opts.role)) return;
    const api = new AppointmentApi(appointmentId);
    this.headsetCard = new HeadsetPairingCard(api);
    this.observersCard = new ObserverInvitesCard(api);
    this.staffCards.replaceChildren(this.headsetCard.root, this.observersCard.root);
    void this.headsetCard.startAsync();
    void this.observersCard.startAsync();
  }

  /** Recent readings for the charts, retried with backoff until they arrive (historyLoad.ts). */
  private startHistoryLoad(): void {
    this.history = new HistoryLoad({
      load: () => this.actions.loadHistory(this.now() - COMFORT_WINDOW_MS),
      status: (text) => this.charts.setStatus(text),
      loaded: (batch) => this.onReadings(batch.readings),
    });
    this.history.start();
  }

  private schedule(): void {
    if (this.frame !== 0 || this.disposed) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.renderFrame();
    });
  }

  private renderFrame(): void {
    if (this.disposed) return;
    this.charts.render();
    // Readings arrive at 10 Hz; the heat map and tooth card need no more than 4 refreshes a second.
    if (this.heatDirty && performance.now() - this.lastHeatAt >= HEAT_REFRESH_MS) this.refreshHeatmap();
    if (this.comfortDirty) {
      this.comfortDirty = false;
      this.comfort.render();
      const wearable = this.view?.devices.find((d) => d.tooth === null);
      this.comfort.updateHeartRate(
        wearable ? this.latest.forDevice("heartRate", wearable.deviceId) : undefined,
      );
    }
  }

  private tick(): void {
    this.ticks++;
    this.charts.scroll();
    if (this.ticks % 2 === 0) {
      this.alarms.tick();
      this.devices.tick();
      this.heatDirty = true;
      this.comfortDirty = true;
    }
    this.schedule();
  }

  private refreshHeatmap(): void {
    this.heatDirty = false;
    const view = this.view;
    const states = computeToothStates({
      signal: this.signal,
      teeth: CHART_TEETH,
      devices: view?.devices ?? [],
      quarantinedFirmware: view?.quarantinedFirmware ?? [],
      latest: (signal, tooth) => this.latest.forTooth(signal, tooth),
      teethWithReadings: this.latest.teethWithReadings(),
      nowMs: this.now(),
      alarms: view?.alarms ?? [],
    });
    const changed = !sameStates(states, this.states) || this.notifiedSignal !== this.signal;
    this.states = states;
    this.notifiedSignal = this.signal;
    this.lastHeatAt = performance.now();
    this.teeth.renderStates(states, this.signal);
    if (changed) this.toothStatesEvent.notify({ states: new Map(states), signal: this.signal });
  }

  private emitHighlight(): void {
    const teeth = this.selected !== null ? [this.selected] : (this.view?.procedure?.step?.teeth ?? []);
    const key = teeth.join(",");
    if (key === this.highlight) return;
    this.highlight = key;
    this.onHighlightTeeth.notify([...teeth]);
  }

  /** Every tooth the panel names follows the reader's notation; ids and data stay FDI. */
  private renameTeeth(): void {
    this.procedure.refresh();
    this.alarms.rename();
    this.charts.relabel();
    for (const cell of this.teeth.root.querySelectorAll<HTMLElement>("[data-fdi]")) {
      const fdi = Number(cell.dataset.fdi);
      if (cell.firstChild?.nodeType === Node.TEXT_NODE) cell.firstChild.textContent = this.names.number(fdi);
    }
    this.heatDirty = true;
    this.schedule();
  }

  private isQuarantined(deviceId: string): boolean {
    const d = this.view?.devices.find((x) => x.deviceId === deviceId);
    return (
      d !== undefined && (d.quarantined || (this.view?.quarantinedFirmware.includes(d.firmware) ?? false))
    );
  }

  private nameOf(id: string): string {
    const m = this.view?.members.find((x) => x.memberId === id || x.personId === id);
    return m?.displayName ?? id;
  }
}
