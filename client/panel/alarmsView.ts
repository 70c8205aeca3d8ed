/**
 * Active alarms (IEC 60601-1-8 colours and flash rates), the alarm log and the compact alarm bar
 * at the top of the panel: the highest priority first on one line, "+N more" to expand the list,
 * and the audio pause with its countdown. The card shows only the top alarm until expanded, so
 * the procedure controls stay on screen at 1280×800 (the beta update once pushed them below 16
 * cards). Items are keyed by alarm id and updated in place so the flash rhythm never restarts.
 * Sound has ONE control, the bar's audio pause (IEC 60601-1-8); each card keeps its own
 * acknowledge. Devices and teeth are named in the reader's notation, never by internal id.
 */
import {
  AUDIO_PLAYING,
  type AudioPauseState,
  audioPauseStep,
  pauseLeftMs,
  soundingPriority,
} from "../../shared/alarmAudio.ts";
import type { Alarm } from "../../shared/alarms.ts";
import type { RoomActions } from "../roomActions.ts";
import { type AlarmNaming, activeAlarms, alarmLog, alarmText, isSilenced } from "./alarmOrder.ts";
import { AlarmSound } from "./alarmSound.ts";
import { button, card, h, icon, replaceChildren, setAttr, setText } from "./dom.ts";
import { formatClock, formatCountdown, formatTime, kindText, priorityText } from "./format.ts";
import { canAcknowledgeAlarm, canSilenceAlarm, type PanelRole } from "./permissions.ts";

export interface AlarmsContext {
  now(): number;
  /** Display name for a member or person id (falls back to the id). */
  nameOf(id: string): string;
  /** Teeth and devices in the reader's notation. */
  names: AlarmNaming;
}

interface AlarmItem {
  li: HTMLLIElement;
  time: HTMLElement;
  silenced: HTMLElement;
  silencedText: HTMLElement;
  message: HTMLElement;
  meta: HTMLElement;
  ack: HTMLButtonElement;
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
  private readonly bannerPrio: HTMLElement;
  private readonly more: HTMLButtonElement;
  private readonly showAll: HTMLButtonElement;
  private readonly audio: HTMLButtonElement;
  private readonly sound = new AlarmSound();
  private audioState: AudioPauseState = AUDIO_PLAYING;
  private expanded = false;
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
    this.showAll = button("Show all", {
      class: "cp-btn cp-btn-sm",
      "data-testid": "alarm-show-all",
      hidden: true,
    });
    this.showAll.addEventListener("click", () => this.setExpanded(!this.expanded));
    c.headerExtra.append(this.showAll);
    c.body.append(this.list, this.empty, log, this.live);

    this.bannerPrio = h("strong", { class: "cp-bar-prio", "data-testid": "alarm-bar-priority" });
    this.bannerText = h("span", { class: "cp-banner-text", "data-testid": "alarm-banner-text" });
    this.more = button("", { class: "cp-btn cp-btn-sm cp-bar-more", "data-testid": "alarm-bar-more" });
    this.more.addEventListener("click", () => {
      this.setExpanded(!this.expanded);
      if (this.expanded) this.root.scrollIntoView({ block: "start", behavior: "smooth" });
    });
    this.audio = button("Pause audio", {
      class: "cp-btn cp-btn-sm cp-bar-audio",
      "data-testid": "alarm-audio",
    });
    this.audio.addEventListener("click", () => this.toggleAudio());
    this.banner = h(
      "div",
      {
        id: "alarm-bar-content",
        class: "cp-alarm-bar",
        "data-testid": "alarm-bar",
        role: "status",
        hidden: true,
      },
      icon("warning"),
      this.bannerPrio,
      this.bannerText,
      this.more,
      this.audio,
    );
    // Browsers start audio only after a gesture on the page.
    if (typeof document !== "undefined") {
      const unlock = () => this.sound.unlock();
      document.addEventListener("pointerdown", unlock, { once: true });
      document.addEventListener("keydown", unlock, { once: true });
    }
  }

  /** Alarms a care-team member must hear; observers and the demo audience see them silently. */
  private get hears(): boolean {
    return canAcknowledgeAlarm(this.role) || canSilenceAlarm(this.role);
  }

  private setExpanded(expanded: boolean): void {
    this.expanded = expanded;
    this.list.classList.toggle("cp-expanded", expanded);
    setAttr(this.more, "aria-expanded", expanded ? "true" : "false");
    setAttr(this.showAll, "aria-expanded", expanded ? "true" : "false");
    this.fillBar();
  }

  private toggleAudio(): void {
    const now = this.ctx.now();
    this.sound.unlock();
    this.audioState =
      pauseLeftMs(this.audioState, now) > 0
        ? audioPauseStep(this.audioState, { type: "resume" })
        : audioPauseStep(this.audioState, { type: "pause", at: now, alarms: this.alarms });
    this.fillAudio();
  }

  /** Decides what sounds now (shared/alarmAudio.ts) and shows the pause countdown. */
  private fillAudio(): void {
    const now = this.ctx.now();
    this.audioState = audioPauseStep(this.audioState, { type: "alarms", at: now, alarms: this.alarms });
    const left = pauseLeftMs(this.audioState, now);
    setText(this.audio, left > 0 ? `Audio paused ${formatCountdown(left)}` : "Pause audio");
    setAttr(this.audio, "data-paused", left > 0 ? "true" : "false");
    setAttr(
      this.audio,
      "title",
      left > 0
        ? "Sound paused (at most 2 min); a new alarm of higher priority sounds at once. Click to resume."
        : "Pauses the alarm sound for 2 minutes; alarms stay on screen",
    );
    this.audio.hidden = !this.hears;
    const calling = soundingPriority(
      this.audioState,
      now,
      this.alarms.filter((a) => !isSilenced(a, now)),
    );
    const top =
      calling === null || !this.hears
        ? null
        : (activeAlarms(this.alarms).find((a) => a.priority === calling && a.clearedAt === undefined) ??
          null);
    this.sound.set(top);
  }

  private fillBar(): void {
    const active = activeAlarms(this.alarms);
    const top = active[0];
    this.banner.hidden = top === undefined;
    this.showAll.hidden = active.length < 2;
    setText(this.showAll, this.expanded ? "Show top alarm" : `Show all ${active.length}`);
    if (top === undefined) return;
    this.banner.className = `cp-alarm-bar cp-alarm-bar-${top.priority}`;
    setAttr(this.banner, "data-priority", top.priority);
    setAttr(this.banner, "data-count", String(active.length));
    setText(
      this.bannerPrio,
      `${priorityText(top.priority).toUpperCase()} ${top.kind === "technical" ? "DEVICE" : "ALARM"}`,
    );
    const words = alarmText(top, this.ctx.names);
    setText(this.bannerText, words);
    setAttr(this.bannerText, "title", words);
    this.more.hidden = active.length < 2;
    setText(this.more, this.expanded ? "Fewer" : `+${active.length - 1} more`);
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

    this.fillBar();
    this.fillAudio();
    this.renderLog();
  }

  /** Names teeth and devices again (the reader switched notation). */
  rename(): void {
    for (const item of this.items.values()) this.fillItem(item);
    this.fillBar();
    this.logSignature = "";
    this.renderLog();
  }

  /** Refreshes countdowns; called once a second. */
  tick(): void {
    for (const item of this.items.values()) this.fillSilence(item);
    this.fillAudio();
  }

  /** Stops the sound (the page is leaving the room). */
  dispose(): void {
    this.sound.dispose();
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
        fresh
          .map((a) => `${priorityText(a.priority)} priority ${a.kind} alarm: ${alarmText(a, this.ctx.names)}`)
          .join(". "),
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
        h("div", { class: "cp-alarm-actions" }, ack, silenced),
        error,
      ),
    );
    const item: AlarmItem = { li, time, silenced, silencedText, message, meta, ack, error, alarm };
    ack.addEventListener("click", () => {
      void this.run(item, ack, () => this.actions.acknowledgeAlarm(item.alarm.id));
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
    setText(item.time, formatTime(a.raisedAt));
    setAttr(item.time, "title", `Raised at ${formatClock(a.raisedAt)}`);
    setAttr(item.time, "datetime", new Date(a.raisedAt).toISOString());
    setText(item.message, alarmText(a, this.ctx.names));
    const where = [
      a.clearedAt !== undefined ? `condition cleared ${formatTime(a.clearedAt)}: acknowledge to close` : null,
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
          `raised ${formatTime(a.raisedAt)}`,
          `acknowledged ${formatTime(a.acknowledgedAt!)}${a.acknowledgedBy !== undefined ? ` by ${this.ctx.nameOf(a.acknowledgedBy)}` : ""}`,
          a.clearedAt !== undefined ? `cleared ${formatTime(a.clearedAt)}` : "condition still present",
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
              `${alarmText(a, this.ctx.names)} `,
              h("span", { class: "cp-log-kind" }, `(${a.kind})`),
            ),
            h("p", { class: "cp-log-times" }, times.join(" · ")),
          ),
        );
      }),
    );
  }
}
