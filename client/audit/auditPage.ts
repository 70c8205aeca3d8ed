/**
 * The admin's audit trail page (`/audit.html`, issue 9): who saw or changed what, when and why.
 * Filter by person, patient and time; page through newest first; download exactly the filtered rows
 * as CSV; verify the hash chain. The filter lives in the address, so a reload or a shared link shows
 * the same rows. The server refuses anyone without `audit.read`; this page only says so kindly.
 */
import { ApiErrorCode } from "../../shared/apiErrors.ts";
import type { AuditEntryView, AuditPageView, AuditVerifyView } from "../../shared/auditTrail.ts";
import { h } from "../panel/dom.ts";
import { type ApiResult, SIGN_IN_PAGE, StaffApi } from "../staff/staffApi.ts";

/** The filter as the page's inputs hold it (times as the admin's wall clock). */
interface FilterForm {
  who: string;
  patient: string;
  from: string;
  to: string;
  page: number;
}

const FIELDS = ["who", "patient", "from", "to"] as const;
type FieldName = (typeof FIELDS)[number];

function readAddress(): FilterForm {
  const q = new URLSearchParams(location.search);
  const toInput = (ms: string | null) => (ms && /^\d+$/.test(ms) ? localInput(Number(ms)) : "");
  return {
    who: q.get("who") ?? "",
    patient: q.get("patient") ?? "",
    from: toInput(q.get("from")),
    to: toInput(q.get("to")),
    page: Math.max(1, Number(q.get("page")) || 1),
  };
}

/** "2026-11-26T09:30" in the browser's time zone, for a datetime-local input. */
function localInput(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The API's query for a filter (times as epoch ms); the page number only where asked. */
function query(f: FilterForm, withPage: boolean): string {
  const q = new URLSearchParams();
  if (f.who.trim()) q.set("who", f.who.trim());
  if (f.patient.trim()) q.set("patient", f.patient.trim());
  if (f.from) q.set("from", String(new Date(f.from).getTime()));
  if (f.to) q.set("to", String(new Date(f.to).getTime()));
  if (withPage && f.page > 1) q.set("page", String(f.page));
  const s = q.toString();
  return s ? `?${s}` : "";
}

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

function entryRow(e: AuditEntryView): HTMLTableRowElement {
  const ids = [e.patientId ? `patient ${e.patientId}` : "", e.roomId ? `room ${e.roomId}` : ""]
    .filter((s) => s !== "")
    .join(" · ");
  return h(
    "tr",
    { "data-entry": e.id },
    h("td", { class: "au-when" }, WHEN.format(e.at)),
    h("td", {}, e.who),
    h("td", { class: "au-action" }, e.action),
    h("td", { class: "au-about" }, e.subject, ids ? h("span", { class: "au-ids" }, ids) : null),
    h("td", { class: "au-why" }, e.why || "—"),
  );
}

function field(name: FieldName, label: string, type: string, hint: string): HTMLDivElement {
  return h(
    "div",
    { class: "st-field" },
    h("label", { for: `au-${name}` }, label),
    h("input", {
      id: `au-${name}`,
      name,
      type,
      autocomplete: "off",
      "aria-describedby": `au-${name}-problem`,
    }),
    h("span", { class: "st-problem", id: `au-${name}-problem` }),
    h("span", { class: "st-hint" }, hint),
  );
}

async function startAsync(): Promise<void> {
  const host = document.getElementById("audit-app")!;
  const api = new StaffApi();
  let filter = readAddress();

  const form = h(
    "form",
    { class: "au-filter", "aria-label": "Filter the audit trail", "data-testid": "audit-filter" },
    field("who", "Person", "text", "Staff or patient id who acted"),
    field("patient", "Patient", "text", "Patient id read or changed"),
    field("from", "From", "datetime-local", "Your local time"),
    field("to", "Until", "datetime-local", "Not included"),
    h(
      "div",
      { class: "au-filter-actions" },
      h("button", { class: "cp-btn cp-btn-primary", type: "submit" }, "Show"),
      h("button", { class: "cp-btn", type: "reset" }, "Clear"),
    ),
  );
  const input = (name: FieldName) => form.querySelector<HTMLInputElement>(`#au-${name}`)!;
  const problemOf = (name: FieldName) => form.querySelector<HTMLElement>(`#au-${name}-problem`)!;
  for (const name of FIELDS) input(name).value = filter[name];

  const summary = h("span", { "aria-live": "polite", "data-testid": "audit-summary" });
  const csv = h(
    "a",
    {
      class: "cp-btn",
      "data-testid": "audit-csv",
      download: "",
      href: `/api/audit.csv${query(filter, false)}`,
    },
    "Download CSV",
  );
  const verifyButton = h(
    "button",
    { class: "cp-btn", type: "button", "data-testid": "audit-verify" },
    "Verify the chain",
  );
  const verifyResult = h("p", {
    class: "au-verify",
    role: "status",
    hidden: true,
    "data-testid": "audit-verify-result",
  });
  const banner = h("p", { class: "st-banner st-banner-problem", role: "alert", hidden: true });
  const body = h("tbody", { "data-testid": "audit-rows" });
  const table = h(
    "table",
    { class: "st-table au-table" },
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        h("th", {}, "When"),
        h("th", {}, "Who"),
        h("th", {}, "Action"),
        h("th", {}, "About"),
        h("th", {}, "Why"),
      ),
    ),
    body,
  );
  const empty = h("p", { class: "st-empty", hidden: true }, "No entries match this filter.");
  const prev = h(
    "button",
    { class: "cp-btn cp-btn-sm", type: "button", "data-testid": "audit-newer" },
    "← Newer",
  );
  const next = h(
    "button",
    { class: "cp-btn cp-btn-sm", type: "button", "data-testid": "audit-older" },
    "Older →",
  );

  host.replaceChildren(
    h(
      "header",
      { class: "st-header" },
      h("h1", {}, h("span", { class: "st-logo" }, "Chairside"), " · audit trail"),
      h("a", { class: "cp-btn cp-btn-ghost", href: "/staff.html" }, "Staff area"),
    ),
    h(
      "main",
      { class: "st-main au-main" },
      banner,
      h(
        "section",
        { class: "st-section" },
        h(
          "div",
          { class: "st-section-header" },
          h("h2", {}, "Who saw or changed what"),
          h("div", { class: "st-tools" }, csv, verifyButton),
        ),
        h(
          "p",
          { class: "st-lede" },
          "Every read of a patient's data and every change, newest first. Entries are chained by hash: none can be changed or removed unnoticed.",
        ),
        form,
        verifyResult,
      ),
      h(
        "section",
        { class: "st-section" },
        h("div", { class: "au-summary" }, summary),
        table,
        empty,
        h("div", { class: "au-pager" }, prev, next),
      ),
    ),
  );

  const signedOut = (status: number, message: string) => {
    if (status === 401) {
      banner.replaceChildren(
        "Your session has ended, or you have not signed in yet. ",
        h(
          "a",
          { href: `${SIGN_IN_PAGE}?next=${encodeURIComponent(location.pathname + location.search)}` },
          "Sign in",
        ),
      );
    } else {
      banner.textContent =
        status === 403
          ? "The audit trail is for the clinic's administrators. Ask an admin to look with you."
          : message;
    }
    banner.hidden = false;
  };

  const showProblems = (result: Extract<ApiResult<unknown>, { ok: false }>) => {
    const problems = result.error.problems ?? [];
    for (const p of problems) {
      const name = FIELDS.find((f) => f === p.path);
      if (name) {
        problemOf(name).textContent = p.message;
        input(name).setAttribute("aria-invalid", "true");
      }
    }
    if (!problems.some((p) => FIELDS.some((f) => f === p.path)))
      signedOut(result.status, result.error.message);
  };

  const loadAsync = async () => {
    for (const name of FIELDS) {
      problemOf(name).textContent = "";
      input(name).removeAttribute("aria-invalid");
    }
    banner.hidden = true;
    summary.textContent = "Loading…";
    const result = await api.getAsync<AuditPageView>(`/api/audit${query(filter, true)}`);
    if (!result.ok) {
      // Never leave the rows of an earlier filter under a filter that was not applied.
      body.replaceChildren();
      table.hidden = true;
      empty.hidden = true;
      summary.textContent =
        result.error.code === ApiErrorCode.invalid ? "Fix the filter above to see entries." : "";
      if (result.error.code === ApiErrorCode.invalid) showProblems(result);
      else signedOut(result.status, result.error.message);
      return;
    }
    const { total, page, pageSize, entries } = result.value;
    body.replaceChildren(...entries.map(entryRow));
    empty.hidden = entries.length > 0;
    table.hidden = entries.length === 0;
    const first = (page - 1) * pageSize + 1;
    summary.textContent =
      total === 0
        ? "No entries"
        : `Entries ${Math.min(first, total)}–${Math.min(first + entries.length - 1, total)} of ${total}`;
    prev.disabled = page <= 1;
    next.disabled = page * pageSize >= total;
    csv.href = `/api/audit.csv${query(filter, false)}`;
    history.replaceState(null, "", `${location.pathname}${query(filter, true)}`);
  };

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    filter = {
      who: input("who").value,
      patient: input("patient").value,
      from: input("from").value,
      to: input("to").value,
      page: 1,
    };
    void loadAsync();
  });
  form.addEventListener("reset", () => {
    filter = { who: "", patient: "", from: "", to: "", page: 1 };
    queueMicrotask(() => void loadAsync());
  });
  prev.addEventListener("click", () => {
    filter = { ...filter, page: Math.max(1, filter.page - 1) };
    void loadAsync();
  });
  next.addEventListener("click", () => {
    filter = { ...filter, page: filter.page + 1 };
    void loadAsync();
  });
  verifyButton.addEventListener("click", async () => {
    verifyButton.disabled = true;
    verifyResult.hidden = false;
    verifyResult.removeAttribute("data-intact");
    verifyResult.textContent = "Checking every link of the chain…";
    const result = await api.getAsync<AuditVerifyView>("/api/audit/verify");
    verifyButton.disabled = false;
    if (!result.ok) {
      verifyResult.hidden = true;
      signedOut(result.status, result.error.message);
      return;
    }
    verifyResult.dataset.intact = String(result.value.intact);
    verifyResult.textContent = result.value.message;
  });

  await loadAsync();
  document.body.dataset.ready = "true";
}

void startAsync();
