/**
 * SOE devices: pair one to a patient and tooth (or a heart-rate wearable to a patient), see the
 * firmware each reported and its last contact, unpair, and give a device a new key. A key is
 * shown once, right after pairing or re-keying, and never again (the server keeps only its hash).
 */
import { staffMay } from "../../shared/access.ts";
import {
  type DeviceKeyIssued,
  type DeviceView,
  devicePairInputSchema,
  type StaffView,
} from "../../shared/records.ts";
import { button, h } from "../panel/dom.ts";
import type { ClinicData } from "./clinicData.ts";
import { RecordForm } from "./recordForm.ts";
import { formatWhen, formPanel, rowButton, section, table } from "./sectionFrame.ts";

export function devicesSection(data: ClinicData, me: StaffView): HTMLElement {
  const frame = section("SOE devices", "devices");
  const mayWrite = staffMay(me.role, "devices.write");
  const panel = formPanel("Pair a device");
  const keyNote = h("div", {
    class: "st-key",
    hidden: true,
    role: "status",
    "data-testid": "device-key-note",
  });

  const showKey = (issued: DeviceKeyIssued) => {
    keyNote.replaceChildren(
      h(
        "p",
        {},
        h("strong", {}, `Key for ${issued.device.deviceId}`),
        " — enter it in the device now. It is not shown again.",
      ),
      h("code", { "data-testid": "device-key" }, issued.deviceKey),
    );
    keyNote.hidden = false;
  };

  const form = new RecordForm<typeof devicePairInputSchema, DeviceKeyIssued>({
    testid: "device-form",
    schema: devicePairInputSchema,
    fields: [
      {
        name: "deviceId",
        label: "Device id",
        kind: "text",
        hint: "As printed on the device, e.g. soe-0042.",
      },
      {
        name: "kind",
        label: "Kind",
        kind: "select",
        options: () => [
          { value: "soe", label: "SOE on a tooth" },
          { value: "wearable", label: "Heart-rate wearable" },
        ],
      },
      {
        name: "patientId",
        label: "Patient",
        kind: "select",
        options: () =>
          data.patients.map((p) => ({ value: p.patientId, label: `${p.displayName} (${p.dateOfBirth})` })),
      },
      { name: "tooth", label: "Tooth (FDI)", kind: "text", hint: "Two digits, 11–48, e.g. 36." },
    ],
    toInput: (v) => ({
      deviceId: v.deviceId?.trim(),
      kind: v.kind,
      patientId: v.patientId,
      tooth: v.kind === "wearable" || !v.tooth?.trim() ? null : Number(v.tooth.trim()),
    }),
    onChange: (v, f) => f.setVisible("tooth", v.kind !== "wearable"),
    submitLabel: "Pair device",
    submitAsync: (input) => data.api.sendAsync<DeviceKeyIssued>("POST", "/api/devices", input),
    onDone: (issued) => {
      panel.root.hidden = true;
      showKey(issued);
      void data.reloadAsync();
    },
  });
  panel.body.append(form.root);
  if (mayWrite) {
    const add = button("Pair a device", { "data-testid": "pair-device" });
    add.addEventListener("click", () => {
      keyNote.hidden = true;
      form.reset({ kind: "soe" });
      panel.root.hidden = false;
    });
    frame.tools.append(add);
  }

  const rekey = (d: DeviceView) => {
    void data.api.sendAsync<DeviceKeyIssued>("POST", `/api/devices/${d.deviceId}/key`).then((r) => {
      if (r.ok) showKey(r.value);
      void data.reloadAsync();
    });
  };
  const unpair = (d: DeviceView) => {
    keyNote.hidden = true;
    void data.api.sendAsync("POST", `/api/devices/${d.deviceId}/unpair`).then(() => data.reloadAsync());
  };
  const list = h("div", {});
  const render = () => {
    const rows = data.devices.map((d) =>
      h(
        "tr",
        { "data-testid": `device-${d.deviceId}` },
        h("td", {}, h("code", {}, d.deviceId)),
        h("td", {}, d.kind === "soe" ? "SOE" : "Wearable"),
        h(
          "td",
          {},
          d.patientId === null
            ? h("span", { class: "st-muted" }, "not paired")
            : data.patientName(d.patientId),
        ),
        h("td", {}, d.tooth === null ? "—" : String(d.tooth)),
        h("td", {}, d.firmware ?? "not reported"),
        h("td", {}, formatWhen(d.lastContactAt)),
        h(
          "td",
          { class: "st-actions" },
          mayWrite && d.patientId !== null
            ? rowButton("New key", `rekey-${d.deviceId}`, () => rekey(d))
            : null,
          mayWrite && d.patientId !== null
            ? rowButton("Unpair", `unpair-${d.deviceId}`, () => unpair(d), "cp-btn-danger")
            : null,
        ),
      ),
    );
    list.replaceChildren(
      table(
        ["Device", "Kind", "Patient", "Tooth", "Firmware", "Last contact", ""],
        rows,
        "No devices paired yet.",
      ),
    );
  };
  data.changed.add(render);
  render();
  frame.body.append(keyNote, list, panel.root);
  return frame.root;
}
