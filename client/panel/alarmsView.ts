/**
 * Active alarms (IEC 60601-1-8 colours and flash rates), the alarm log and the global banner.
 * Items are keyed by alarm id and updated in place so the flash rhythm never restarts on a refresh.
 * Silencing only mutes sound: a silenced alarm keeps its colour and flashing and shows a muted bell.
 */
import type { Alarm } from "../../shared/alarms.ts";
import type { RoomActions } from "../roomActions.ts";
import { activeAlarms, alarmLog, isSilenced, unacknowledgedHigh } from "./alarmOrder.ts";
import { button, card, h, icon, replaceChildren, setAttr, setText } from "./dom.ts";
import { formatClock, formatCountdown, kindText, priorityText } from "./format.ts";
import { canAcknowledgeAlarm, canSilenceAlarm, type PanelRole, viewerText } from "./permissions.ts";

/** "Silence 2 min" mutes an alarm's sound for this long. */
export const SILENCE_SECONDS = 120;

export interface AlarmsContext {
  now(): number;
  /** Display name for a member or person id (falls back to the id). */
  nameOf(id: string): string;
}

interface AlarmItem {
  li: HTMLLIElement;
  time: HTMLElement;
  silenced: HTMLElement;
  silencedText: HTMLElement;
  message: HTMLElement;
  meta: HTMLElement;
  ack: HTMLButtonElement;
  silence: HTMLButtonElement;
  error: HTMLElement;
  alarm: Alarm;
}

export class AlarmsView {
  readonly root: HTMLElement;
  readonly banner: HTMLElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private readonly count: HTMLElement;
  private readonly logList: HTMLUListElement;
  private readonly logSummary: HTMLElement;
  private readonly live: HTMLElement;
  private readonly bannerText: HTMLElement;
  private readonly items = new Map<string, AlarmItem>();
  private alarms: Alarm[] = [];
  private seenIds: Set<string> | null = null;
  private logSignature = "";

  constructor(
    private readonly actions: RoomActions,
    private readonly role: PanelRole,
    private readonly ctx: AlarmsContext,
  ) {
    const c = card("Alarms", "alarms");
    this.root = c.root;
    this.count = h("span", { class: "cp-count", "data-testid": "alarm-count" }, "0 active");
    c.headerExtra.append(this.count);
    this.list = h("ul", { class: "cp-alarm-list", "aria-label": "Active alarms" });
    this.empty = h("p", { class: "cp-empty", "data-testid": "alarms-empty" }, "No active alarms");
    this.logList = h("ul", { class: "cp-alarm-log-list" });
    this.logSummary = h("summary", {}, "Alarm log (0)");
    const log = h(
      "details",
      { class: "cp-alarm-log", "data-testid": "alarm-log" },
      this.logSummary,
      this.logList,
    );
    this.live = h("div", { class: "cp-sr-only", "aria-live": "assertive", "aria-atomic": "true" });
    c.body.append(this.list, this.empty, log, this.live);

    this.bannerText = h("span", { class: "cp-banner-text", "data-testid": "alarm-banner-text" });
    const view = button("View alarm", { class: "cp-btn cp-btn-banner" });
    view.addEventListener("click", () => {
      this.root.scrollIntoView({ block: "start", behavior: "smooth" });
      this.list.querySelector<HTMLButtonElement>("button:not([disabled])")?.focus({ preventScroll: true });
    });
    this.banner = h(
      "div",
      { class: "cp-banner", "data-testid": "alarm-banner", hidden: true },
      icon("warning"),
      h("strong", { class: "cp-banner-label" }, "HIGH ALARM"),
      this.bannerText,
      view,
    );
  }

  update(alarms: readonly Alarm[]): void {
    this.alarms = [...alarms];
    const active = activeAlarms(alarms);
    this.announceNew(active);

    const keep = new Set(active.map((a) => a.id));
    for (const [id, item] of this.items) {
      if (!keep.has(id)) {
        item.li.remove();
        this.items.delete(id);
      }
    }
    active.forEach((alarm, index) => {
      let item = this.items.get(alarm.id);
      if (item === undefined) {
        item = this.createItem(alarm);
        this.items.set(alarm.id, item);
      }
      item.alarm = alarm;
      this.fillItem(item);
      if (this.list.children[index] !== item.li)
        this.list.insertBefore(item.li, this.list.children[index] ?? null);
    });
    this.empty.hidden = active.length > 0;
    setText(this.count, `${active.length} active`);
    setAttr(this.count, "data-level", active[0]?.priority ?? "none");

    const high = unacknowledgedHigh(alarms);
    this.banner.hidden = high.length === 0;
    if (high[0] !== undefined) {
      setText(this.bannerText, high[0].message + (high.length > 1 ? ` (+${high.length - 1} more)` : ""));
    }
    this.renderLog();
  }

  /** Refreshes countdowns; called once a second. */
  tick(): void {
    for (const item of this.items.values()) this.fillSilence(item);
  }

  private announceNew(active: Alarm[]): void {
    if (this.seenIds === null) {
      this.seenIds = new Set(active.map((a) => a.id));
      if (active.length > 0)
        setText(this.live, `${active.length} active alarm${active.length > 1 ? "s" : ""}`);
      return;
    }
    const fresh = active.filter((a) => !this.seenIds!.has(a.id));
    for (const a of fresh) this.seenIds.add(a.id);
    if (fresh.length > 0) {
      setText(
        this.live,
        fresh.map((a) => `${priorityText(a.priority)} priority ${a.kind} alarm: ${a.message}`).join(". "),
      );
    }
  }

  private createItem(alarm: Alarm): AlarmItem {
    const time = h("time", { class: "cp-alarm-time" });
    const silencedText = h("span", {});
    const silenced = h(
      "span",
      { class: "cp-alarm-silenced", "data-testid": "alarm-silenced" },
      icon("bellOff"),
      silencedText,
    );
    const message = h("p", { class: "cp-alarm-msg", "data-testid": "alarm-message" });
    const meta = h("p", { class: "cp-alarm-meta" });
    const ack = button("Acknowledge", {
      class: "cp-btn cp-btn-primary cp-btn-sm",
      "data-testid": "alarm-ack",
    });
    const silence = button("Silence 2 min", { class: "cp-btn cp-btn-sm", "data-testid": "alarm-silence" });
    const error = h("p", { class: "cp-error", role: "alert", "data-testid": "alarm-error", hidden: true });
    const li = h(
      "li",
      { class: "cp-alarm", "data-testid": "alarm-item" },
      h("span", { class: "cp-alarm-flag", "aria-hidden": "true" }),
      h(
        "div",
        { class: "cp-alarm-body" },
        h(
          "div",
          { class: "cp-alarm-top" },
          h("span", { class: "cp-prio" }, priorityText(alarm.priority)),
          h(
            "span",
            { class: `cp-kind cp-kind-${alarm.kind}`, "data-testid": "alarm-kind" },
            kindText(alarm.kind),
          ),
          time,
        ),
        message,
        meta,
        h("div", { class: "cp-alarm-actions" }, ack, silence, silenced),
        error,
      ),
    );
    const item: AlarmItem = { li, time, silenced, silencedText, message, meta, ack, silence, error, alarm };
    ack.addEventListener("click", () => {
      void this.run(item, ack, () => this.actions.acknowledgeAlarm(item.alarm.id));
    });
    silence.addEventListener("click", () => {
      void this.run(item, silence, () => this.actions.silenceAlarm(item.alarm.id, SILENCE_SECONDS));
    });
    return item;
  }

  private fillItem(item: AlarmItem): void {
    const a = item.alarm;
    item.li.className = `cp-alarm cp-alarm-${a.priority}${a.clearedAt !== undefined ? " cp-alarm-cleared" : ""}`;
    setAttr(item.li, "data-alarm-id", a.id);
    setAttr(item.li, "data-priority", a.priority);
    setAttr(item.li, "data-kind", a.kind);
    setAttr(item.li, "data-acknowledged", "false");
    setText(item.time, formatClock(a.raisedAt));
    setAttr(item.time, "title", `Raised at ${formatClock(a.raisedAt)}`);
    setAttr(item.time, "datetime", new Date(a.raisedAt).toISOString());
    setText(item.message, a.message);
    const where = [
      a.tooth !== undefined ? `Tooth ${a.tooth}` : null,
      a.deviceId !== undefined ? `device ${a.deviceId}` : null,
      a.clearedAt !== undefined
        ? `condition cleared ${formatClock(a.clearedAt)}: acknowledge to close`
        : null,
    ].filter((x): x is string => x !== null);
    setText(item.meta, where.join(" · "));
    item.meta.hidden = where.length === 0;
    const canAck = canAcknowledgeAlarm(this.role);
    item.ack.disabled = !canAck;
    setAttr(
      item.ack,
      "title",
      canAck ? "Acknowledge: moves the alarm to the log" : "Only the clinician can acknowledge alarms",
    );
    this.fillSilence(item);
  }

  private fillSilence(item: AlarmItem): void {
    const a = item.alarm;
    const now = this.ctx.now();
    const silenced = isSilenced(a, now);
    item.silenced.hidden = !silenced;
    setAttr(item.li, "data-silenced", silenced ? "true" : "false");
    if (silenced) setText(item.silencedText, `Silenced ${formatCountdown(a.silencedUntil! - now)}`);
    setAttr(item.silenced, "title", "Sound silenced; the alarm stays visible until acknowledged");
    const canSilence = canSilenceAlarm(this.role);
    item.silence.disabled = !canSilence || silenced;
    setAttr(
      item.silence,
      "title",
      !canSilence
        ? `View only: ${viewerText(this.role)} cannot silence alarms`
        : "Mutes the sound for 2 minutes; the alarm stays visible",
    );
  }

  private async run(
    item: AlarmItem,
    btn: HTMLButtonElement,
    action: () => Promise<{ ok: boolean; error?: { message: string } }>,
  ) {
    btn.disabled = true;
    item.error.hidden = true;
    const result = await action();
    if (!result.ok) {
      setText(item.error, result.error?.message ?? "The room refused the request.");
      item.error.hidden = false;
    }
    this.fillItem(item);
  }

  private renderLog(): void {
    const log = alarmLog(this.alarms);
    const signature = log
      .map((a) => `${a.id}|${a.acknowledgedAt}|${a.clearedAt}|${a.acknowledgedBy}`)
      .join(";");
    setText(this.logSummary, `Alarm log (${log.length})`);
    if (signature === this.logSignature) return;
    this.logSignature = signature;
    replaceChildren(
      this.logList,
      log.map((a) => {
        const times = [
          `raised ${formatClock(a.raisedAt)}`,
          `acknowledged ${formatClock(a.acknowledgedAt!)}${a.acknowledgedBy !== undefined ? ` by ${this.ctx.nameOf(a.acknowledgedBy)}` : ""}`,
          a.clearedAt !== undefined ? `cleared ${formatClock(a.clearedAt)}` : "condition still present",
        ];
        return h(
          "li",
          {
            class: `cp-log-item cp-log-${a.priority}`,
            "data-testid": "alarm-log-item",
            "data-alarm-id": a.id,
          },
          h("span", { class: "cp-log-prio" }, priorityText(a.priority)),
          h(
            "div",
            {},
            h(
              "p",
              { class: "cp-log-msg" },
              `${a.message} `,
              h("span", { class: "cp-log-kind" }, `(${a.kind})`),
            ),
            h("p", { class: "cp-log-times" }, times.join(" · ")),
          ),
        );
      }),
    );
  }
}
