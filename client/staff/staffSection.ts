/**
 * Staff accounts: who works here and in which role; an admin adds an account (and hands its owner
 * the one-time enrolment link), edits it, disables it (ending its sessions and live connections at
 * once) or enables it again.
 */
import { staffMay } from "../../shared/access.ts";
import {
  type EnrolmentLink,
  type StaffCreated,
  type StaffView,
  staffInputSchema,
} from "../../shared/records.ts";
import { button, h, replaceChildren } from "../panel/dom.ts";
import type { ClinicData } from "./clinicData.ts";
import { RecordForm } from "./recordForm.ts";
import { formPanel, rowButton, section, table } from "./sectionFrame.ts";

const ROLE_NAMES = { clinician: "Clinician", assistant: "Assistant", admin: "Clinic admin" } as const;

export function staffSection(data: ClinicData, me: StaffView): HTMLElement {
  const frame = section("Staff", "staff");
  const mayWrite = staffMay(me.role, "staff.write");
  const panel = formPanel("New account");
  const linkNote = h("div", {
    class: "st-key",
    hidden: true,
    role: "status",
    "data-testid": "enrolment-note",
  });
  let editing: string | null = null;

  const showLink = (name: string, link: EnrolmentLink | null) => {
    replaceChildren(linkNote, [
      link
        ? h(
            "p",
            {},
            h("strong", {}, `Enrolment link for ${name}`),
            ` — give it to them in person; it works once, until ${new Date(link.expiresAt).toLocaleString()}.`,
          )
        : h(
            "p",
            {},
            `${name}'s account is ready. An enrolment link could not be made now: try "New link" later.`,
          ),
      link ? h("code", { "data-testid": "enrolment-link" }, link.url) : null,
    ]);
    linkNote.hidden = false;
  };

  const form = new RecordForm<typeof staffInputSchema, StaffView | StaffCreated>({
    testid: "staff-form",
    schema: staffInputSchema,
    fields: [
      { name: "displayName", label: "Name", kind: "text", hint: "As patients see it, e.g. Dr. Ray." },
      { name: "email", label: "E-mail", kind: "email" },
      {
        name: "role",
        label: "Role",
        kind: "select",
        options: () => Object.entries(ROLE_NAMES).map(([value, label]) => ({ value, label })),
      },
    ],
    toInput: (v) => v,
    submitLabel: "Save account",
    submitAsync: async (input) => {
      if (editing !== null)
        return data.api.sendAsync<StaffView | StaffCreated>("PUT", `/api/staff/${editing}`, input);
      return data.api.sendAsync<StaffView | StaffCreated>("POST", "/api/staff", input);
    },
    onDone: (saved) => {
      panel.root.hidden = true;
      if ("enrolment" in saved) showLink(saved.staff.displayName, saved.enrolment);
      void data.reloadAsync();
    },
  });
  panel.body.append(form.root);

  const open = (s: StaffView | null) => {
    editing = s?.staffId ?? null;
    linkNote.hidden = true;
    panel.setTitle(s ? `Edit ${s.displayName}` : "New account");
    form.reset(s ? { displayName: s.displayName, email: s.email, role: s.role } : { role: "clinician" });
    panel.root.hidden = false;
  };
  if (mayWrite) {
    const add = button("New account", { "data-testid": "new-staff" });
    add.addEventListener("click", () => open(null));
    frame.tools.append(add);
  }

  const act = (s: StaffView, action: "disable" | "enable" | "enrolment") => {
    void data.api.sendAsync<EnrolmentLink>("POST", `/api/staff/${s.staffId}/${action}`).then((r) => {
      if (action === "enrolment") showLink(s.displayName, r.ok ? r.value : null);
      void data.reloadAsync();
    });
  };
  const list = h("div", {});
  const render = () => {
    const rows = data.staff.map((s) =>
      h(
        "tr",
        { "data-testid": `staff-${s.staffId}`, class: s.disabledAt === null ? "" : "st-disabled" },
        h(
          "td",
          {},
          h("strong", {}, s.displayName),
          s.staffId === me.staffId ? h("span", { class: "st-muted" }, " (you)") : null,
        ),
        h("td", {}, s.email),
        h("td", {}, ROLE_NAMES[s.role]),
        h(
          "td",
          {},
          s.disabledAt !== null
            ? h("span", { class: "st-badge" }, "disabled")
            : [s.hasPassword ? "password" : "", s.passkeys > 0 ? `${s.passkeys} passkey(s)` : ""]
                .filter(Boolean)
                .join(", ") || h("span", { class: "st-muted" }, "not enrolled"),
        ),
        h(
          "td",
          { class: "st-actions" },
          mayWrite ? rowButton("Edit", `edit-staff-${s.staffId}`, () => open(s)) : null,
          mayWrite && s.disabledAt === null && s.staffId !== me.staffId
            ? rowButton("New link", `enrol-${s.staffId}`, () => act(s, "enrolment"))
            : null,
          mayWrite && s.staffId !== me.staffId
            ? s.disabledAt === null
              ? rowButton("Disable", `disable-${s.staffId}`, () => act(s, "disable"), "cp-btn-danger")
              : rowButton("Enable", `enable-${s.staffId}`, () => act(s, "enable"))
            : null,
        ),
      ),
    );
    list.replaceChildren(table(["Name", "E-mail", "Role", "Sign-in", ""], rows, "No accounts yet."));
  };
  data.changed.add(render);
  render();
  frame.body.append(linkNote, list, panel.root);
  return frame.root;
}
