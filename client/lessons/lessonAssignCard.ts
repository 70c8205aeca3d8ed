/**
 * The record page's lessons card (issue 12): a clinician or Noah picks a lesson for this patient,
 * gets the patient's link to hand over (shown once), and sees each assigned lesson's progress and
 * answers. Reads and writes through the staff API; the server audits both.
 */
import type { GradedAnswer } from "../../shared/lessons.ts";
import type { StaffApi } from "../staff/staffApi.ts";

interface LessonSummary {
  id: string;
  title: string;
  minutes: number;
}
interface AssignmentRow {
  assignmentId: string;
  lessonId: string;
  title: string;
  questions: number;
  assignedAt: number;
  openedAt: number | null;
  personalConsent: boolean | null;
  answers: GradedAnswer[];
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

const hhmm = (ms: number) => new Date(ms).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

/** The card; it fills itself in once the lessons and the patient's assignments are read. */
export function lessonAssignCard(api: StaffApi, patientId: string): HTMLElement {
  const card = el("section", { class: "rc-card", "data-testid": "record-lessons" }, el("h2", {}, "Lessons"));
  const pick = el("select", { "aria-label": "Lesson to assign", "data-testid": "lesson-pick" });
  const assign = el(
    "button",
    { type: "button", class: "rc-link-btn", "data-testid": "lesson-assign" },
    "Assign",
  );
  const linkOut = el("p", { class: "rc-muted", "data-testid": "lesson-link", "aria-live": "polite" });
  const list = el("ul", { "data-testid": "lesson-list" });
  card.append(el("div", {}, pick, " ", assign), linkOut, list);
  const base = `/api/patients/${encodeURIComponent(patientId)}/lessons`;

  const refreshAsync = async () => {
    const r = await api.getAsync<{ assignments: AssignmentRow[] }>(base);
    if (!r.ok) {
      list.replaceChildren(el("li", {}, r.error.message));
      return;
    }
    if (r.value.assignments.length === 0)
      list.replaceChildren(el("li", { class: "rc-muted" }, "No lessons assigned yet."));
    else
      list.replaceChildren(
        ...r.value.assignments.map((a) => {
          const right = a.answers.filter((g) => g.correct).length;
          const state =
            a.answers.length > 0
              ? `${a.answers.length} of ${a.questions} answered, ${right} right`
              : a.openedAt !== null
                ? `opened ${hhmm(a.openedAt)}`
                : "not opened yet";
          const consent = a.personalConsent === true ? " · shows own pH" : "";
          return el(
            "li",
            { "data-lesson": a.lessonId },
            `${a.title}: ${state}${consent} (assigned ${hhmm(a.assignedAt)})`,
          );
        }),
      );
  };

  void (async () => {
    const lessons = await api.getAsync<{ lessons: LessonSummary[] }>("/api/lessons");
    if (!lessons.ok) {
      card.replaceChildren(el("h2", {}, "Lessons"), el("p", { class: "rc-muted" }, lessons.error.message));
      return;
    }
    pick.replaceChildren(
      ...lessons.value.lessons.map((l) => el("option", { value: l.id }, `${l.title} (${l.minutes} min)`)),
    );
    await refreshAsync();
  })();

  assign.addEventListener("click", async () => {
    assign.disabled = true;
    const r = await api.sendAsync<{ link: string }>("POST", base, { lessonId: pick.value });
    assign.disabled = false;
    if (!r.ok) {
      linkOut.textContent = r.error.message;
      return;
    }
    const url = new URL(r.value.link, location.origin).toString();
    linkOut.replaceChildren(
      "Give the patient this link (shown once): ",
      el("a", { href: url, "data-testid": "lesson-url" }, url),
    );
    await refreshAsync();
  });
  return card;
}
