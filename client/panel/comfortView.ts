/**
 * Comfort & anxiety card: MDAS score and pathway, heart rate against the patient's own baseline,
 * the latest check-in, the timeline strip, and the comfort controls (check-in, breathing coach,
 * surroundings) that clinician and assistant can both use. Physiology prompts a check-in; it never
 * labels the patient.
 */
import type { ComfortView, Result, Surroundings } from "../../shared/protocol.ts";
import type { RoomActions } from "../roomActions.ts";
import { AnxietyTimeline } from "./anxietyTimeline.ts";
import type { ComfortHistory } from "./comfortHistory.ts";
import { button, card, h, setAttr, setText } from "./dom.ts";
import { formatAgo, formatTime } from "./format.ts";
import type { LatestEntry } from "./latestReadings.ts";
import { canUseComfort, type PanelRole, viewerText } from "./permissions.ts";

interface Stat {
  value: HTMLElement;
  sub: HTMLElement;
}

export class ComfortPanel {
  readonly root: HTMLElement;
  readonly timeline: AnxietyTimeline;
  private readonly mdas: Stat;
  private readonly hr: Stat;
  private readonly checkin: Stat;
  private readonly ask: HTMLButtonElement;
  private readonly breathing: HTMLButtonElement;
  private readonly surroundings = new Map<Surroundings, HTMLButtonElement>();
  private readonly error: HTMLElement;
  private comfort: ComfortView | null = null;
  private busy = false;
  private readonly resize: ResizeObserver | null;

  constructor(
    private readonly actions: RoomActions,
    private readonly role: PanelRole,
    private readonly history: ComfortHistory,
    private readonly now: () => number,
  ) {
    const c = card("Comfort & anxiety", "comfort");
    this.root = c.root;
    const stat = (label: string, testid: string): [HTMLElement, Stat] => {
      const value = h("span", { class: "cp-stat-value", "data-testid": testid }, "—");
      const sub = h("span", { class: "cp-stat-sub" });
      return [
        h("div", { class: "cp-stat" }, h("span", { class: "cp-stat-label" }, label), value, sub),
        { value, sub },
      ];
    };
    const [mdasEl, mdas] = stat("MDAS", "comfort-mdas");
    const [hrEl, hr] = stat("Heart rate", "comfort-hr");
    const [checkinEl, checkin] = stat("Last check-in", "comfort-checkin-score");
    this.mdas = mdas;
    this.hr = hr;
    this.checkin = checkin;

    this.timeline = new AnxietyTimeline(now);
    this.ask = button("Ask for check-in", {
      class: "cp-btn cp-btn-primary",
      "data-testid": "comfort-checkin",
    });
    this.ask.addEventListener("click", () => {
      void this.send(() => this.actions.requestCheckin("Clinician asked how the patient is feeling"));
    });
    this.breathing = button("Breathing coach", {
      class: "cp-btn cp-toggle",
      "data-testid": "comfort-breathing",
      "aria-pressed": "false",
    });
    this.breathing.addEventListener("click", () => {
      const on = !(this.comfort?.breathingCoach ?? false);
      void this.send(() => this.actions.setBreathing(on));
    });
    const seg = h("div", { class: "cp-segmented", role: "group", "aria-label": "Patient's surroundings" });
    for (const s of ["clinic", "nature"] as const) {
      const b = button(s === "clinic" ? "Clinic" : "Nature", {
        class: "cp-seg-btn",
        "data-testid": `surroundings-${s}`,
        "aria-pressed": "false",
      });
      b.addEventListener("click", () => {
        void this.send(() => this.actions.setSurroundings(s));
      });
      this.surroundings.set(s, b);
      seg.append(b);
    }
    this.error = h("p", { class: "cp-error", role: "alert", "data-testid": "comfort-error", hidden: true });
    c.body.append(
      h("div", { class: "cp-stats" }, mdasEl, hrEl, checkinEl),
      this.timeline.root,
      h("div", { class: "cp-comfort-controls" }, this.ask, this.breathing),
      h(
        "div",
        { class: "cp-comfort-controls" },
        h("span", { class: "cp-field-label" }, "Patient's surroundings"),
        seg,
      ),
      this.error,
    );
    this.resize =
      typeof ResizeObserver === "undefined"
        ? null
        : new ResizeObserver((entries) => {
            const width = entries[0]?.contentRect.width ?? 0;
            if (width > 0) this.timeline.setWidth(width);
          });
    this.resize?.observe(c.body);
  }

  update(comfort: ComfortView): void {
    this.comfort = comfort;
    setText(this.mdas.value, comfort.mdasScore === null ? "—" : `${comfort.mdasScore} / 25`);
    setText(
      this.mdas.sub,
      comfort.mdasScore === null
        ? "not filled in"
        : comfort.pathway === "high_anxiety"
          ? "high-anxiety pathway"
          : "standard pathway",
    );
    setAttr(this.mdas.value, "data-pathway", comfort.pathway);
    this.mdas.value.classList.toggle("cp-stat-high", comfort.pathway === "high_anxiety");

    const pending = comfort.checkinPending;
    if (comfort.lastCheckin !== null) {
      setText(this.checkin.value, `${comfort.lastCheckin.score} / 10`);
    } else {
      setText(this.checkin.value, "—");
    }
    this.tickCheckin();

    const care = canUseComfort(this.role);
    this.ask.disabled = !care || this.busy || pending !== null;
    setAttr(
      this.ask,
      "title",
      !care
        ? `View only: ${viewerText(this.role)} cannot use comfort controls`
        : pending !== null
          ? "Waiting for the patient's answer"
          : null,
    );
    setText(this.ask, pending !== null ? "Check-in asked…" : "Ask for check-in");
    this.breathing.disabled = !care || this.busy;
    setAttr(this.breathing, "aria-pressed", comfort.breathingCoach ? "true" : "false");
    setText(this.breathing, `Breathing coach: ${comfort.breathingCoach ? "on" : "off"}`);
    for (const [s, b] of this.surroundings) {
      b.disabled = !care || this.busy;
      setAttr(b, "aria-pressed", comfort.surroundings === s ? "true" : "false");
    }
  }

  /** Heart rate now and its change from the patient's own baseline. */
  updateHeartRate(entry: LatestEntry | undefined): void {
    const baseline = this.comfort?.heartRateBaseline ?? null;
    const r = entry?.lastValid ?? null;
    const fresh = r !== null && this.now() - r.receivedAt < 10_000;
    setText(this.hr.value, fresh ? `${Math.round(r.value)} bpm` : "—");
    if (baseline === null) {
      setText(this.hr.sub, "baseline pending");
    } else if (!fresh) {
      setText(this.hr.sub, `no valid reading · baseline ${Math.round(baseline)}`);
    } else {
      const pct = ((r.value - baseline) / baseline) * 100;
      setText(
        this.hr.sub,
        `${pct >= 0 ? "+" : "−"}${Math.abs(pct).toFixed(0)}% vs baseline ${Math.round(baseline)}`,
      );
      this.hr.value.classList.toggle("cp-stat-high", pct >= 20);
    }
  }

  /** Redraws the strip and the pending check-in age. */
  render(): void {
    this.timeline.render(this.history.timeline(this.comfort?.heartRateBaseline ?? null, this.now()));
    this.tickCheckin();
  }

  dispose(): void {
    this.resize?.disconnect();
    this.timeline.dispose();
  }

  private tickCheckin(): void {
    const c = this.comfort;
    if (c === null) return;
    const pending = c.checkinPending;
    if (pending !== null) {
      setText(this.checkin.sub, `waiting for answer · asked ${formatAgo(pending.requestedAt, this.now())}`);
    } else if (c.lastCheckin !== null) {
      setText(this.checkin.sub, `at ${formatTime(c.lastCheckin.at)}`);
    } else {
      setText(this.checkin.sub, "none yet");
    }
  }

  private async send(action: () => Promise<Result<ComfortView>>): Promise<void> {
    this.busy = true;
    this.error.hidden = true;
    if (this.comfort !== null) this.update(this.comfort);
    const result = await action();
    this.busy = false;
    if (!result.ok) {
      setText(this.error, result.error.message);
      this.error.hidden = false;
    }
    if (this.comfort !== null) this.update(result.ok ? result.value : this.comfort);
  }
}
