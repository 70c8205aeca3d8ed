/** Patients: the clinic's list, a form to add or edit one, and archiving (records are kept). */
import { staffMay } from "../../shared/access.ts";
import { type PatientRecord, patientInputSchema, type StaffView } from "../../shared/records.ts";
import { button, h } from "../panel/dom.ts";
import type { ClinicData } from "./clinicData.ts";
import { RecordForm } from "./recordForm.ts";
import { formPanel, rowButton, section, table } from "./sectionFrame.ts";

export function patientsSection(data: ClinicData, me: StaffView): HTMLElement {
  const frame = section("Patients", "patients");
  const mayWrite = staffMay(me.role, "patients.write");
  const mayArchive = staffMay(me.role, "patients.archive");
  const mayReadRecord = staffMay(me.role, "records.read");
  const panel = formPanel("New patient");
  let editing: string | null = null;

  const form = new RecordForm<typeof patientInputSchema, PatientRecord>({
    testid: "patient-form",
    schema: patientInputSchema,
    fields: [
      { name: "displayName", label: "Name", kind: "text" },
      { name: "dateOfBirth", label: "Date of birth", kind: "date" },
      {
        name: "anxietyNotes",
        label: "Anxiety notes",
        kind: "textarea",
        hint: "What the team knows helps: triggers, what calmed them before.",
      },
      {
        name: "preferences",
        label: "Preferences",
        kind: "textarea",
        hint: "Surroundings, music, how much to be told.",
      },
    ],
    toInput: (v) => v,
    submitLabel: "Save patient",
    submitAsync: (input) =>
      editing === null
        ? data.api.sendAsync<PatientRecord>("POST", "/api/patients", input)
        : data.api.sendAsync<PatientRecord>("PUT", `/api/patients/${editing}`, input),
    onDone: () => {
      panel.root.hidden = true;
      void data.reloadAsync();
    },
  });
  panel.body.append(form.root);

  const open = (patient: PatientRecord | null) => {
    editing = patient?.patientId ?? null;
    panel.setTitle(patient ? `Edit ${patient.displayName}` : "New patient");
    form.reset(
      patient
        ? {
            displayName: patient.displayName,
            dateOfBirth: patient.dateOfBirth,
            anxietyNotes: patient.anxietyNotes,
            preferences: patient.preferences,
          }
        : {},
    );
    panel.root.hidden = false;
    form.root.querySelector("input")?.focus();
  };
  if (mayWrite) frame.tools.append(button("New patient", { "data-testid": "new-patient" }));
  frame.tools.querySelector("button")?.addEventListener("click", () => open(null));

  const list = h("div", {});
  const render = () => {
    const rows = data.patients.map((p) =>
      h(
        "tr",
        { "data-testid": `patient-${p.patientId}` },
        h("td", {}, h("strong", {}, p.displayName)),
        h("td", {}, p.dateOfBirth),
        h("td", { class: "st-notes" }, [p.anxietyNotes, p.preferences].filter(Boolean).join(" · ") || "—"),
        h(
          "td",
          { class: "st-actions" },
          mayReadRecord
            ? h(
                "a",
                {
                  class: "cp-btn cp-btn-sm",
                  href: `/record.html?patient=${encodeURIComponent(p.patientId)}`,
                  "data-testid": `record-${p.patientId}`,
                },
                "Record",
              )
            : null,
          mayWrite ? rowButton("Edit", `edit-patient-${p.patientId}`, () => open(p)) : null,
          mayArchive
            ? rowButton("Archive", `archive-patient-${p.patientId}`, () => {
                void data.api
                  .sendAsync("POST", `/api/patients/${p.patientId}/archive`)
                  .then(() => data.reloadAsync());
              })
            : null,
        ),
      ),
    );
    list.replaceChildren(table(["Name", "Born", "Notes", ""], rows, "No patients yet: add the first one."));
  };
  data.changed.add(render);
  render();
  frame.body.append(list, panel.root);
  return frame.root;
}
