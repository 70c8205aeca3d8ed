/** Today's page: the signed-in person's appointments of the day, each with its treatment room. */
import type { StaffView } from "../../shared/records.ts";
import { h } from "../panel/dom.ts";
import type { ClinicData } from "./clinicData.ts";
import { section, timeOf } from "./sectionFrame.ts";

export function todaySection(data: ClinicData, me: StaffView): HTMLElement {
  const frame = section(
    "Today",
    "today",
    me.role === "admin" ? "Every appointment of the clinic today." : "Your appointments today.",
  );
  const render = () => {
    const today = data.today;
    const list = today?.appointments ?? [];
    frame.tools.replaceChildren(
      today
        ? h(
            "span",
            { class: "st-day" },
            new Date(`${today.day}T12:00:00`).toLocaleDateString(undefined, {
              weekday: "long",
              day: "numeric",
              month: "long",
            }),
          )
        : "",
    );
    if (list.length === 0) {
      frame.body.replaceChildren(h("p", { class: "st-empty" }, "No appointments today."));
      return;
    }
    frame.body.replaceChildren(
      h(
        "ol",
        { class: "st-today" },
        ...list.map((a) =>
          h(
            "li",
            { class: "st-visit", "data-testid": `today-${a.appointmentId}`, "data-status": a.status },
            h("span", { class: "st-visit-time" }, timeOf(a.scheduledAt)),
            h(
              "div",
              { class: "st-visit-who" },
              h("strong", {}, a.patientName),
              h("span", {}, a.planName),
              h(
                "span",
                { class: "st-muted" },
                [a.clinicianName, a.assistantName].filter(Boolean).join(" · "),
              ),
            ),
            a.roomUrl
              ? h(
                  "a",
                  {
                    class: "cp-btn cp-btn-primary",
                    href: a.roomUrl,
                    "data-testid": `open-room-${a.appointmentId}`,
                  },
                  "Open room",
                )
              : h("span", { class: "st-badge" }, a.status),
          ),
        ),
      ),
    );
  };
  data.changed.add(render);
  render();
  return frame.root;
}
