/**
 * Devices & firmware: each SOE and the wearable with firmware, tooth, last seen and quarantine
 * flag, and the quarantine controls (quarantine, confirm, lift, history) below the table. A device
 * is named as a clinician says it ("Sensor at tooth 36", in the reader's notation), never by id.
 */
import type { Alarm } from "../../shared/alarms.ts";
import type { DeviceView, FirmwareAction } from "../../shared/protocol.ts";
import type { RoomActions } from "../roomActions.ts";
import { alarmText } from "./alarmOrder.ts";
import { card, h, replaceChildren, setAttr, setText } from "./dom.ts";
import { formatAgo } from "./format.ts";
import { canQuarantine, type PanelRole } from "./permissions.ts";
import { QuarantineControls } from "./quarantineControls.ts";
import type { ToothNames } from "./toothNames.ts";

/** A device silent for longer than this is flagged in the list. */
const SILENT_MS = 10_000;

interface Row {
  tr: HTMLTableRowElement;
  name: HTMLElement;
  tooth: HTMLElement;
  lastSeen: HTMLElement;
  status: HTMLElement;
  device: DeviceView;
}

export class DevicesView {
  private alarms: readonly Alarm[] = [];
  readonly root: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly quarantinedLine: HTMLElement;
  private readonly controls: QuarantineControls;
  private rows: Row[] = [];
  private signature = "";
  private quarantined: readonly string[] = [];

  constructor(
    actions: RoomActions,
    role: PanelRole,
    private readonly now: () => number,
    private readonly names: ToothNames,
  ) {
    const c = card("Devices & firmware", "devices");
    this.root = c.root;
    this.tbody = h("tbody", {});
    const table = h(
      "table",
      { class: "cp-devices" },
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", {}, "Device"),
          h("th", {}, "Tooth"),
          h("th", {}, "Firmware"),
          h("th", {}, "Last seen"),
          h("th", {}, "Status"),
        ),
      ),
      this.tbody,
    );
    this.quarantinedLine = h("p", {
      class: "cp-quarantined-fw",
      "data-testid": "quarantined-firmware",
      hidden: true,
    });

    this.controls = new QuarantineControls(actions, canQuarantine(role), now);
    c.body.append(table, this.quarantinedLine, this.controls.root);
    names.onChange.add(() => {
      for (const r of this.rows) this.nameRow(r);
      this.tick();
    });
  }

  /**
   * Devices of the room, the quarantines and their history in the room's clinic, and when this
   * appointment began (for "since session start").
   */
  update(
    devices: readonly DeviceView[],
    quarantinedFirmware: readonly string[],
    firmwareHistory: readonly FirmwareAction[],
    sessionStart: number | null,
    alarms: readonly Alarm[] = [],
  ): void {
    this.quarantined = quarantinedFirmware;
    this.alarms = alarms;
    const sorted = [...devices].sort(
      (a, b) => (a.tooth ?? 999) - (b.tooth ?? 999) || a.deviceId.localeCompare(b.deviceId),
    );
    const signature =
      sorted.map((d) => `${d.deviceId}|${d.firmware}|${d.tooth}|${d.quarantined}`).join(";") +
      quarantinedFirmware.join(",");
    if (signature !== this.signature) {
      this.signature = signature;
      this.rows = sorted.map((d) => this.row(d));
      replaceChildren(
        this.tbody,
        this.rows.map((r) => r.tr),
      );
    } else {
      this.rows.forEach((r, i) => {
        r.device = sorted[i]!;
      });
    }
    this.quarantinedLine.hidden = quarantinedFirmware.length === 0;
    setText(this.quarantinedLine, `Quarantined firmware: ${quarantinedFirmware.join(", ")}`);
    const versions = [...new Set(sorted.map((d) => d.firmware))].sort().map((version) => ({
      version,
      devices: sorted.filter((d) => d.firmware === version).length,
    }));
    this.controls.update(versions, quarantinedFirmware, firmwareHistory, sessionStart);
    this.tick();
  }

  /** Refreshes "last seen" once a second. */
  tick(): void {
    const now = this.now();
    for (const r of this.rows) {
      const d = r.device;
      setText(r.lastSeen, d.lastSeenAt === null ? "never" : formatAgo(d.lastSeenAt, now));
      const flagged = d.quarantined || this.quarantined.includes(d.firmware);
      const silent = d.lastSeenAt === null || now - d.lastSeenAt > SILENT_MS;
      // The device's own technical alarm (issue 10): its data is "unknown" while it is active, so
      // the table agrees with the tooth grid and the 3D teeth.
      const alarm = this.alarms.find(
        (a) => a.deviceId === d.deviceId && a.kind === "technical" && a.clearedAt === undefined,
      );
      const status = flagged ? "Quarantined" : silent ? "Silent" : alarm !== undefined ? "Unknown" : "OK";
      setAttr(r.status, "title", alarm === undefined ? "" : alarmText(alarm, this.names));
      setAttr(r.tr, "data-alarm", alarm?.priority ?? "none");
      setText(r.status, status);
      setAttr(r.status, "data-status", status.toLowerCase());
      setAttr(r.tr, "data-quarantined", flagged ? "true" : "false");
    }
  }

  private nameRow(r: Row): void {
    setText(r.name, this.names.device(r.device.tooth));
    setText(r.tooth, r.device.tooth === null ? "—" : this.names.number(r.device.tooth));
  }

  private row(d: DeviceView): Row {
    const name = h("td", { "data-testid": "device-name" });
    const tooth = h("td", { "data-testid": "device-tooth" });
    const lastSeen = h("td", { "data-testid": "device-last-seen" });
    const status = h("span", { class: "cp-dev-status" });
    const fwFlag = this.quarantined.includes(d.firmware);
    const tr = h(
      "tr",
      { "data-testid": "device-row", "data-device-id": d.deviceId },
      name,
      tooth,
      h(
        "td",
        { class: `cp-mono${fwFlag ? " cp-fw-bad" : ""}`, "data-testid": "device-firmware" },
        d.firmware,
      ),
      lastSeen,
      h("td", {}, status),
    );
    const row = { tr, name, tooth, lastSeen, status, device: d };
    this.nameRow(row);
    return row;
  }
}
