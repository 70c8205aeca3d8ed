/**
 * Devices & firmware: each SOE and the wearable with firmware, tooth, last seen and quarantine
 * flag, and the "Quarantine firmware…" action that retracts readings from a bad firmware version.
 */
import type { DeviceView } from "../../shared/protocol.ts";
import type { RoomActions } from "../roomActions.ts";
import { button, card, h, replaceChildren, setAttr, setText } from "./dom.ts";
import { formatAgo, formatClock } from "./format.ts";
import { canQuarantine, type PanelRole } from "./permissions.ts";

/** A device silent for longer than this is flagged in the list. */
const SILENT_MS = 10_000;

interface Row {
  tr: HTMLTableRowElement;
  lastSeen: HTMLElement;
  status: HTMLElement;
  device: DeviceView;
}

export class DevicesView {
  readonly root: HTMLElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly quarantinedLine: HTMLElement;
  private readonly openButton: HTMLButtonElement;
  private readonly form: HTMLElement;
  private readonly firmwareSelect: HTMLSelectElement;
  private readonly sinceSelect: HTMLSelectElement;
  private readonly confirm: HTMLButtonElement;
  private readonly result: HTMLElement;
  private readonly error: HTMLElement;
  private rows: Row[] = [];
  private signature = "";
  private quarantined: readonly string[] = [];
  private sessionStart: number | null = null;

  constructor(
    private readonly actions: RoomActions,
    role: PanelRole,
    private readonly now: () => number,
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

    const allowed = canQuarantine(role);
    this.openButton = button("Quarantine firmware…", {
      class: "cp-btn cp-btn-warn",
      "data-testid": "quarantine-open",
      disabled: !allowed,
      title: allowed
        ? "Flag every device on a firmware version and retract its readings"
        : "Only the clinician can quarantine firmware",
    });
    this.openButton.addEventListener("click", () => this.openForm());

    this.firmwareSelect = h("select", { id: "cp-q-firmware", "data-testid": "quarantine-firmware" });
    this.firmwareSelect.addEventListener("change", () => {
      this.confirm.disabled = this.firmwareSelect.value === "";
    });
    this.sinceSelect = h("select", { id: "cp-q-since", "data-testid": "quarantine-since" });
    this.confirm = button("Quarantine and retract", {
      class: "cp-btn cp-btn-danger",
      "data-testid": "quarantine-confirm",
    });
    this.confirm.addEventListener("click", () => {
      void this.submit();
    });
    const cancel = button("Cancel", { "data-testid": "quarantine-cancel" });
    cancel.addEventListener("click", () => {
      this.form.hidden = true;
    });
    this.form = h(
      "div",
      { class: "cp-form", "data-testid": "quarantine-form", hidden: true },
      h("label", { class: "cp-field-label", for: "cp-q-firmware" }, "Firmware version"),
      this.firmwareSelect,
      h("label", { class: "cp-field-label", for: "cp-q-since" }, "Retract readings"),
      this.sinceSelect,
      h(
        "p",
        { class: "cp-hint" },
        "Readings are marked “entered in error”, never deleted. Devices on this firmware stop feeding automated steps.",
      ),
      h("div", { class: "cp-form-actions" }, this.confirm, cancel),
    );
    this.result = h("p", {
      class: "cp-result",
      role: "status",
      "data-testid": "quarantine-result",
      hidden: true,
    });
    this.error = h("p", {
      class: "cp-error",
      role: "alert",
      "data-testid": "quarantine-error",
      hidden: true,
    });
    c.body.append(
      table,
      this.quarantinedLine,
      h("div", { class: "cp-row" }, this.openButton),
      this.form,
      this.result,
      this.error,
    );
  }

  /** `sessionStart`: when this appointment began, for "since session start". */
  update(
    devices: readonly DeviceView[],
    quarantinedFirmware: readonly string[],
    sessionStart: number | null,
  ): void {
    this.sessionStart = sessionStart;
    this.quarantined = quarantinedFirmware;
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
      const status = flagged ? "Quarantined" : silent ? "Silent" : "OK";
      setText(r.status, status);
      setAttr(r.status, "data-status", status.toLowerCase());
      setAttr(r.tr, "data-quarantined", flagged ? "true" : "false");
    }
  }

  private row(d: DeviceView): Row {
    const lastSeen = h("td", { "data-testid": "device-last-seen" });
    const status = h("span", { class: "cp-dev-status" });
    const fwFlag = this.quarantined.includes(d.firmware);
    const tr = h(
      "tr",
      { "data-testid": "device-row", "data-device-id": d.deviceId },
      h("td", { class: "cp-mono" }, d.deviceId),
      h("td", {}, d.tooth === null ? "wearable" : String(d.tooth)),
      h(
        "td",
        { class: `cp-mono${fwFlag ? " cp-fw-bad" : ""}`, "data-testid": "device-firmware" },
        d.firmware,
      ),
      lastSeen,
      h("td", {}, status),
    );
    return { tr, lastSeen, status, device: d };
  }

  private openForm(): void {
    const versions = [...new Set(this.rows.map((r) => r.device.firmware))].sort();
    replaceChildren(this.firmwareSelect, [
      // No default: quarantining retracts readings, so the version is always an explicit choice.
      h("option", { value: "" }, "Choose a version…"),
      ...versions.map((v) => {
        const n = this.rows.filter((r) => r.device.firmware === v).length;
        return h(
          "option",
          { value: v },
          `${v} (${n} device${n > 1 ? "s" : ""})${this.quarantined.includes(v) ? " · already quarantined" : ""}`,
        );
      }),
    ]);
    this.confirm.disabled = true;
    const now = this.now();
    const choices: [string, number][] = [
      ["from the last 10 minutes", now - 10 * 60_000],
      ["from the last hour", now - 60 * 60_000],
    ];
    if (this.sessionStart !== null)
      choices.push([`since session start (${formatClock(this.sessionStart)})`, this.sessionStart]);
    choices.push(["all readings from this firmware", 0]);
    replaceChildren(
      this.sinceSelect,
      choices.map(([label, since]) => h("option", { value: String(since) }, label)),
    );
    this.result.hidden = true;
    this.error.hidden = true;
    this.form.hidden = false;
    this.firmwareSelect.focus();
  }

  private async submit(): Promise<void> {
    const firmware = this.firmwareSelect.value;
    const since = Number(this.sinceSelect.value);
    if (firmware === "" || !Number.isFinite(since)) return;
    this.confirm.disabled = true;
    this.error.hidden = true;
    const result = await this.actions.quarantineFirmware(firmware, since);
    this.confirm.disabled = this.firmwareSelect.value === "";
    if (!result.ok) {
      setText(this.error, result.error.message);
      this.error.hidden = false;
      return;
    }
    const { devices, retracted } = result.value;
    setText(
      this.result,
      `Firmware ${firmware}: ${devices} device${devices === 1 ? "" : "s"} flagged, ${retracted} reading${retracted === 1 ? "" : "s"} retracted.`,
    );
    this.result.hidden = false;
    this.form.hidden = true;
  }
}
