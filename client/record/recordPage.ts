/**
 * The patient's record page (`/record.html?patient=<id>`): the visits, one visit's timeline
 * filterable by kind, SOE trends per signal and tooth with the clinical bands, daily summaries, and
 * anxiety across visits. Everything comes from the record API (guarded, audited, own clinic only);
 * every answer is parsed with the schemas of `shared/patientRecord.ts`.
 */

import { staffMay } from "../../shared/access.ts";
import {
  type PatientAnxiety,
  type PatientRecordView,
  type PatientTrends,
  patientAnxietySchema,
  patientRecordViewSchema,
  patientTrendsSchema,
  TIMELINE_KINDS,
  type TimelineKind,
  type Visit,
  type VisitTimeline,
  visitTimelineSchema,
} from "../../shared/patientRecord.ts";
import { SIGNAL_SPECS, SIGNALS } from "../../shared/soe/signals.ts";
import { lessonAssignCard } from "../lessons/lessonAssignCard.ts";
import { h } from "../panel/dom.ts";
import { notationSwitch, ToothNames } from "../panel/toothNames.ts";
import { SIGN_IN_PAGE, StaffApi } from "../staff/staffApi.ts";
import { renderAnxietyCharts } from "./anxietyChart.ts";
import { renderTrendChart } from "./trendChart.ts";

const api = new StaffApi();
/** Staff names by id, from the record answer. */
let staffNames: Record<string, string> = {};
const nameOf = (id: string) => staffNames[id] ?? id;
const app = document.getElementById("record-app")!;
/** The reader's tooth notation (the panel's, remembered per person): alarm lines name teeth in it. */
const names = new ToothNames();
/** Reloads the shown timeline (when the notation changes); set when a visit is picked. */
let reloadTimeline: (() => void) | null = null;
names.onChange.add(() => reloadTimeline?.());
/** Whether the signed-in person may download FHIR exports (shared/access.ts); set at start. */
let mayExport = false;

const OUTCOME_WORDS: Record<Visit["outcome"], string> = {
  completed: "Completed",
  aborted: "Aborted",
  stopped_by_patient: "Stopped by patient",
  in_progress: "In progress",
};
const KIND_WORDS: Record<TimelineKind, string> = {
  procedure: "Procedure",
  stop: "Patient stops",
  checkin: "Check-ins",
  mdas: "MDAS",
  alarm: "Alarms",
  interlock: "Interlock",
  override: "Overrides",
  firmware: "Firmware",
  otto: "Otto",
  people: "People",
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: "medium" });
const fmt = (n: number | null, digits = 1) => (n === null ? "–" : n.toFixed(digits));

/** Time below pH 5.5: seconds while under a minute (a single dip must not read as "0.0 min"). */
function belowText(mins: number | null): string {
  if (mins === null) return "–";
  return mins < 1 ? `${Math.round(mins * 60)} s` : `${fmt(mins)} min`;
}

function minutes(ms: number | null): string {
  if (ms === null) return "–";
  const m = Math.round(ms / 60_000);
  return m < 1 ? "< 1 min" : `${m} min`;
}

async function getAsync<T>(path: string, parse: (v: unknown) => T): Promise<T | null> {
  const r = await api.getAsync<unknown>(path);
  if (r.ok) return parse(r.value);
  if (r.status === 401) {
    location.assign(`${SIGN_IN_PAGE}?next=${encodeURIComponent(location.pathname + location.search)}`);
    return null;
  }
  app.replaceChildren(h("p", { class: "rc-problem", role: "alert" }, r.error.message));
  return null;
}

function visitsList(visits: readonly Visit[], onPick: (v: Visit) => void): HTMLElement {
  if (visits.length === 0) return h("p", { class: "rc-muted" }, "No visits recorded yet.");
  const list = h("ol", { class: "rc-visits", "data-testid": "visits" });
  for (const v of visits) {
    const button = h(
      "button",
      { type: "button", class: "rc-visit", "data-visit": v.id, "data-outcome": v.outcome },
      h("span", { class: "rc-visit-date" }, dateTime.format(v.startedAt)),
      h("span", { class: "rc-visit-plan" }, v.planName, v.tooth === null ? "" : ` · tooth ${v.tooth}`),
      h(
        "span",
        { class: "rc-visit-meta" },
        h("span", { class: `rc-outcome rc-outcome-${v.outcome}` }, OUTCOME_WORDS[v.outcome]),
        ` ${minutes(v.durationMs)} · ${nameOf(v.clinicianId)}${v.assistantId ? `, ${nameOf(v.assistantId)}` : ""}`,
      ),
    );
    button.addEventListener("click", () => {
      for (const b of list.querySelectorAll(".rc-visit")) b.removeAttribute("aria-current");
      button.setAttribute("aria-current", "true");
      onPick(v);
    });
    list.append(h("li", {}, button));
  }
  return list;
}

function timelineView(host: HTMLElement, visit: Visit): void {
  const chosen = new Set<TimelineKind>();
  const filters = h(
    "fieldset",
    { class: "rc-filters", "data-testid": "timeline-filters" },
    h("legend", {}, "Show"),
  );
  const list = h("ol", { class: "rc-timeline", "data-testid": "timeline" });
  const loadAsync = async () => {
    const kinds = [...chosen].join(",");
    const query = new URLSearchParams({ notation: names.current });
    if (kinds) query.set("kinds", kinds);
    const path = `/api/visits/${encodeURIComponent(visit.id)}/timeline?${query}`;
    const t = await getAsync<VisitTimeline>(path, (v) => visitTimelineSchema.parse(v));
    if (!t) return;
    list.replaceChildren(
      ...(t.entries.length === 0
        ? [h("li", { class: "rc-muted" }, "Nothing of this kind in this visit.")]
        : []),
      ...t.entries.map((e) =>
        h(
          "li",
          { class: `rc-entry rc-kind-${e.kind}`, "data-kind": e.kind },
          h("time", { class: "rc-entry-time" }, clock.format(e.at)),
          h("span", { class: "rc-entry-kind" }, KIND_WORDS[e.kind]),
          h(
            "span",
            { class: "rc-entry-body" },
            h("span", { class: "rc-entry-title" }, e.title),
            e.endedAt !== null ? h("span", { class: "rc-muted" }, ` until ${clock.format(e.endedAt)}`) : null,
            e.detail ? h("span", { class: "rc-entry-detail" }, e.detail) : null,
            e.by ? h("span", { class: "rc-entry-by" }, `by ${e.by}`) : null,
            e.reason ? h("q", { class: "rc-entry-reason" }, e.reason) : null,
          ),
        ),
      ),
    );
    list.setAttribute("data-loaded", kinds || "all");
    list.setAttribute("data-notation", names.current);
  };
  reloadTimeline = () => void loadAsync();
  for (const kind of TIMELINE_KINDS) {
    const box = h("input", { type: "checkbox", value: kind, "data-kind": kind });
    box.addEventListener("change", () => {
      if (box.checked) chosen.add(kind);
      else chosen.delete(kind);
      void loadAsync();
    });
    filters.append(h("label", { class: "rc-filter" }, box, ` ${KIND_WORDS[kind]}`));
  }
  const actions = h(
    "p",
    { class: "rc-visit-actions" },
    h(
      "a",
      {
        class: "cp-btn cp-btn-sm",
        href: `/room.html?replay=${encodeURIComponent(visit.id)}`,
        "data-testid": "visit-replay",
      },
      "Replay this visit",
    ),
    mayExport
      ? h(
          "a",
          {
            class: "cp-btn cp-btn-sm",
            href: `/api/visits/${encodeURIComponent(visit.id)}/fhir`,
            "data-testid": "visit-fhir",
          },
          "Download as FHIR",
        )
      : null,
  );
  host.replaceChildren(
    h(
      "h2",
      {},
      `${visit.planName}, ${dateTime.format(visit.startedAt)}`,
      h("span", { class: `rc-outcome rc-outcome-${visit.outcome}` }, OUTCOME_WORDS[visit.outcome]),
    ),
    actions,
    filters,
    list,
  );
  void loadAsync();
}

function trendsView(host: HTMLElement, patientId: string, teeth: readonly number[]): void {
  const signal = h("select", { "data-testid": "trend-signal", "aria-label": "Signal" });
  for (const s of SIGNALS) signal.append(h("option", { value: s }, SIGNAL_SPECS[s].label));
  const tooth = h("select", { "data-testid": "trend-tooth", "aria-label": "Tooth" });
  tooth.append(h("option", { value: "" }, "All teeth"));
  for (const t of teeth) tooth.append(h("option", { value: String(t) }, `Tooth ${t}`));
  const chart = h("div", { class: "rc-chart", "data-testid": "trend-chart" });
  const daily = h("div", { class: "rc-daily" });
  const loadAsync = async () => {
    const q = new URLSearchParams({ signal: signal.value });
    if (tooth.value) q.set("tooth", tooth.value);
    const trends = await getAsync<PatientTrends>(`/api/patients/${patientId}/trends?${q}`, (v) =>
      patientTrendsSchema.parse(v),
    );
    if (!trends) return;
    chart.replaceChildren();
    const points = trends.series.flatMap((s) => s.points);
    chart.setAttribute("data-points", String(points.filter((p) => p.value !== null && !p.retracted).length));
    chart.setAttribute("data-gaps", String(points.filter((p) => p.value === null).length));
    chart.setAttribute("data-retracted", String(points.filter((p) => p.retracted).length));
    if (points.length === 0) chart.append(h("p", { class: "rc-muted" }, "No readings of this signal."));
    else renderTrendChart(chart, trends, Math.max(320, Math.min(host.clientWidth - 32, 1100)));
    daily.replaceChildren(dailyTable(trends));
  };
  signal.addEventListener("change", () => void loadAsync());
  tooth.addEventListener("change", () => void loadAsync());
  host.replaceChildren(
    h("h2", {}, "SOE trends"),
    h(
      "p",
      { class: "rc-controls" },
      signal,
      tooth,
      h("span", { class: "rc-muted" }, "Shaded: normal range. Dashed: pH 5.5. Rings: retracted."),
    ),
    chart,
    h("h3", {}, "Daily summary"),
    daily,
  );
  void loadAsync();
}

function dailyTable(trends: PatientTrends): HTMLElement {
  if (trends.daily.length === 0) return h("p", { class: "rc-muted" }, "No readings yet.");
  return h(
    "table",
    { class: "rc-table", "data-testid": "daily" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "Day"),
        h("th", {}, "Below pH 5.5"),
        h("th", {}, "Bite-force peak (N)"),
        h("th", {}, "Plaque index"),
        h("th", {}, "Gingival index"),
      ),
    ),
    h(
      "tbody",
      {},
      ...trends.daily.map((d) =>
        h(
          "tr",
          {},
          h("td", {}, d.day),
          h("td", {}, belowText(d.minutesBelowPh55)),
          h("td", {}, fmt(d.biteForcePeak, 0)),
          h("td", {}, fmt(d.plaqueMean, 2)),
          h("td", {}, fmt(d.gingivalMean, 2)),
        ),
      ),
    ),
  );
}

function anxietyTable(anxiety: PatientAnxiety): HTMLElement {
  return h(
    "section",
    { class: "rc-card" },
    h("h2", {}, "Anxiety across visits"),
    h(
      "p",
      { class: "rc-muted" },
      `Resting heart rate (own baseline): ${anxiety.baseline === null ? "not measured" : `${fmt(anxiety.baseline, 0)} /min`}`,
    ),
    anxiety.visits.length === 0 ? null : renderAnxietyCharts(anxiety),
    anxiety.visits.length === 0
      ? h("p", { class: "rc-muted" }, "No visits yet.")
      : h(
          "table",
          { class: "rc-table", "data-testid": "anxiety" },
          h(
            "thead",
            {},
            h(
              "tr",
              {},
              h("th", {}, "Visit"),
              h("th", {}, "MDAS"),
              h("th", {}, "Pathway"),
              h("th", {}, "Comfort ratings"),
              h("th", {}, "Stops"),
              h("th", {}, "Heart-rate rise"),
            ),
          ),
          h(
            "tbody",
            {},
            ...anxiety.visits.map((v) =>
              h(
                "tr",
                {},
                h("td", {}, dateTime.format(v.startedAt)),
                h("td", {}, v.mdasScore === null ? "–" : `${v.mdasScore} / 25`),
                h("td", {}, v.pathway === "high_anxiety" ? "High anxiety" : v.pathway ? "Standard" : "–"),
                h("td", {}, v.comfortRatings.map((c) => `${c.score}/10`).join(", ") || "–"),
                h("td", {}, String(v.stops)),
                h("td", {}, v.heartRateRise === null ? "–" : `+${fmt(v.heartRateRise, 0)} /min`),
              ),
            ),
          ),
        ),
  );
}

async function startAsync(): Promise<void> {
  const patientId = new URLSearchParams(location.search).get("patient") ?? "";
  const record = await getAsync<PatientRecordView>(
    `/api/patients/${encodeURIComponent(patientId)}/record`,
    (v) => patientRecordViewSchema.parse(v),
  );
  if (!record) return;
  const me = await api.meAsync();
  mayExport = me.ok && staffMay(me.value.staff.role, "records.export");
  if (me.ok) names.forPerson(me.value.staff.staffId);
  const { patient, visits } = record;
  staffNames = record.staffNames;
  document.title = `Chairside · ${patient.displayName}`;
  const timeline = h(
    "section",
    { class: "rc-card rc-timeline-card" },
    h("p", { class: "rc-muted" }, "Pick a visit to see what happened."),
  );
  const trends = h("section", { class: "rc-card" });
  const anxiety = h("div", {});
  app.replaceChildren(
    h(
      "header",
      { class: "rc-header" },
      h("a", { href: "/staff.html", class: "rc-back" }, "← Staff area"),
      h("h1", {}, patient.displayName),
      h("span", { class: "rc-muted" }, patient.dateOfBirth ? `born ${patient.dateOfBirth}` : ""),
      notationSwitch(names),
      mayExport
        ? h(
            "a",
            {
              class: "rc-link-btn rc-export",
              href: `/fhir/Patient/${encodeURIComponent(patient.patientId)}/$everything`,
              "data-testid": "record-fhir",
            },
            "Download the whole record (FHIR R4)",
          )
        : null,
    ),
    h(
      "main",
      { class: "rc-main" },
      h(
        "section",
        { class: "rc-card rc-visits-card" },
        h("h2", {}, `Visits (${visits.length})`),
        visitsList(visits, (v) => timelineView(timeline, v)),
      ),
      timeline,
      trends,
      anxiety,
    ),
  );
  const teeth = [...new Set(visits.map((v) => v.tooth).filter((t): t is number => t !== null))].sort();
  trendsView(trends, patient.patientId, teeth);
  const a = await getAsync<PatientAnxiety>(`/api/patients/${patient.patientId}/anxiety`, (v) =>
    patientAnxietySchema.parse(v),
  );
  if (a) anxiety.replaceChildren(anxietyTable(a));
  // Lessons: assign one, follow progress and answers
  if (me.ok && staffMay(me.value.staff.role, "lessons.assign"))
    app.querySelector(".rc-main")?.append(lessonAssignCard(api, patient.patientId));
}

void startAsync();
