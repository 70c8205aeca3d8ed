/**
 * Appointments: one day's list with each room's link, booking and editing (patient, time, plan
 * with the tooth and surfaces for a filling, clinician and assistant), finishing and cancelling.
 */
import { staffMay } from "../../shared/access.ts";
import { fillingPlan, SELECTABLE_PLANS } from "../../shared/procedure/plans.ts";
import { type AppointmentEntry, appointmentInputSchema, type StaffView } from "../../shared/records.ts";
import { button, h } from "../panel/dom.ts";
import type { ClinicData } from "./clinicData.ts";
import { RecordForm } from "./recordForm.ts";
import { formPanel, rowButton, section, table, timeOf } from "./sectionFrame.ts";

/** The plan picker's choice for a filling on a tooth the fixed list does not name. */
const OTHER_FILLING = "filling";
const FILLING_ID = /^filling-(\d{2})-([A-Z]{1,5})$/;

/** A filling on the tooth and surfaces typed in: its canonical plan id, or what is wrong. */
function filling(v: Record<string, string>): { ok: true; id: string } | { ok: false; message: string } {
  const tooth = Number((v.tooth ?? "").trim());
  const surfaces = [...(v.surfaces ?? "").trim().toUpperCase()];
  const plan = fillingPlan(tooth, surfaces);
  return plan.ok ? { ok: true, id: plan.value.id } : { ok: false, message: plan.error.message };
}

/** The plan id a filling's fields make; an invalid filling gives an id the schema refuses. */
function filledPlanId(v: Record<string, string>): string {
  const r = filling(v);
  return r.ok ? r.id : OTHER_FILLING;
}

function planFields(planId: string): { plan: string; tooth: string; surfaces: string } {
  if (SELECTABLE_PLANS.some((p) => p.id === planId)) return { plan: planId, tooth: "", surfaces: "" };
  const m = FILLING_ID.exec(planId);
  return m
    ? { plan: OTHER_FILLING, tooth: m[1]!, surfaces: m[2]! }
    : { plan: planId, tooth: "", surfaces: "" };
}

export function appointmentsSection(data: ClinicData, me: StaffView): HTMLElement {
  const frame = section("Appointments", "appointments");
  const mayWrite = staffMay(me.role, "appointments.write");
  const panel = formPanel("New appointment");
  let editing: string | null = null;

  const form = new RecordForm<typeof appointmentInputSchema, AppointmentEntry>({
    testid: "appointment-form",
    schema: appointmentInputSchema,
    fields: [
      {
        name: "patientId",
        label: "Patient",
        kind: "select",
        options: () =>
          data.patients.map((p) => ({ value: p.patientId, label: `${p.displayName} (${p.dateOfBirth})` })),
      },
      { name: "scheduledAt", label: "Date and time", kind: "datetime-local" },
      {
        name: "plan",
        label: "Plan",
        kind: "select",
        alsoFor: ["planId"],
        options: () => [
          ...SELECTABLE_PLANS.map((p) => ({ value: p.id, label: p.name })),
          { value: OTHER_FILLING, label: "Filling on another tooth…" },
        ],
      },
      { name: "tooth", label: "Tooth (FDI)", kind: "text", hint: "Two digits, 11–48, e.g. 26." },
      { name: "surfaces", label: "Surfaces", kind: "text", hint: "Letters M, O, I, D, B, V, L, e.g. DO." },
      {
        name: "clinicianId",
        label: "Clinician",
        kind: "select",
        options: () => data.carers("clinician").map((s) => ({ value: s.staffId, label: s.displayName })),
      },
      {
        name: "assistantId",
        label: "Assistant",
        kind: "select",
        options: () => [
          { value: "", label: "No assistant" },
          ...data.carers("assistant").map((s) => ({ value: s.staffId, label: s.displayName })),
        ],
      },
    ],
    toInput: (v) => ({
      patientId: v.patientId,
      scheduledAt: v.scheduledAt,
      planId: v.plan === OTHER_FILLING ? filledPlanId(v) : v.plan,
      clinicianId: v.clinicianId,
      assistantId: v.assistantId ? v.assistantId : null,
    }),
    check: (v) => {
      if (v.plan !== OTHER_FILLING) return [];
      const r = filling(v);
      return r.ok ? [] : [{ path: /surface/i.test(r.message) ? "surfaces" : "tooth", message: r.message }];
    },
    onChange: (v, f) => {
      f.setVisible("tooth", v.plan === OTHER_FILLING);
      f.setVisible("surfaces", v.plan === OTHER_FILLING);
    },
    submitLabel: "Save appointment",
    submitAsync: (input) =>
      editing === null
        ? data.api.sendAsync<AppointmentEntry>("POST", "/api/appointments", input)
        : data.api.sendAsync<AppointmentEntry>("PUT", `/api/appointments/${editing}`, input),
    onDone: (saved) => {
      panel.root.hidden = true;
      data.day = saved.scheduledAt.slice(0, 10);
      void data.reloadAsync();
    },
  });
  panel.body.append(form.root);

  const open = (a: AppointmentEntry | null) => {
    editing = a?.appointmentId ?? null;
    panel.setTitle(a ? `Edit ${a.patientName}'s appointment` : "New appointment");
    form.reset(
      a
        ? {
            patientId: a.patientId,
            scheduledAt: a.scheduledAt,
            ...planFields(a.planId),
            clinicianId: a.clinicianId,
            assistantId: a.assistantId ?? "",
          }
        : { scheduledAt: `${data.day}T09:00`, assistantId: "" },
    );
    panel.root.hidden = false;
  };

  const dayInput = h("input", { type: "date", "aria-label": "Day", "data-testid": "appointments-day" });
  dayInput.addEventListener("change", () => {
    if (!dayInput.value) return;
    data.day = dayInput.value;
    void data.reloadAsync();
  });
  frame.tools.append(dayInput);
  if (mayWrite) {
    const add = button("New appointment", { "data-testid": "new-appointment" });
    add.addEventListener("click", () => open(null));
    frame.tools.append(add);
  }

  const end = (a: AppointmentEntry, action: "finish" | "cancel") => {
    void data.api
      .sendAsync("POST", `/api/appointments/${a.appointmentId}/${action}`)
      .then(() => data.reloadAsync());
  };
  const list = h("div", {});
  const render = () => {
    dayInput.value = data.day;
    const rows = data.appointments.map((a) => {
      const scheduled = a.status === "scheduled";
      return h(
        "tr",
        { "data-testid": `appointment-${a.appointmentId}`, "data-status": a.status },
        h("td", { class: "st-time" }, timeOf(a.scheduledAt)),
        h("td", {}, h("strong", {}, a.patientName)),
        h("td", {}, a.planName),
        h("td", {}, [a.clinicianName, a.assistantName].filter(Boolean).join(" · ")),
        h("td", {}, scheduled ? "" : h("span", { class: "st-badge" }, a.status)),
        h(
          "td",
          { class: "st-actions" },
          a.roomUrl
            ? h("a", { class: "cp-btn cp-btn-sm cp-btn-primary", href: a.roomUrl }, "Open room")
            : null,
          mayWrite && scheduled
            ? rowButton("Edit", `edit-appointment-${a.appointmentId}`, () => open(a))
            : null,
          mayWrite && scheduled
            ? rowButton("Finish", `finish-${a.appointmentId}`, () => end(a, "finish"))
            : null,
          mayWrite && scheduled
            ? rowButton("Cancel", `cancel-${a.appointmentId}`, () => end(a, "cancel"), "cp-btn-danger")
            : null,
        ),
      );
    });
    list.replaceChildren(
      table(["Time", "Patient", "Plan", "Care team", "", ""], rows, "No appointments on this day."),
    );
  };
  data.changed.add(render);
  render();
  frame.body.append(list, panel.root);
  return frame.root;
}
