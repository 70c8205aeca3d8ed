/**
 * One visit's timeline from its stored room events: procedure steps with their start and end, the
 * patient's stops and who resumed and why, check-ins, the MDAS, alarms from raised to acknowledged
 * to cleared, interlock holds, overrides with their reasons, firmware quarantines and lifts, and
 * everything Otto said. Pure: the same events always give the same lines, in seq order.
 */
import type { Alarm } from "../../shared/alarms.ts";
import { alarmText, namingIn } from "../../shared/alarmWords.ts";
import type { TimelineEntry, TimelineKind } from "../../shared/patientRecord.ts";
import { planById } from "../../shared/procedure/plans.ts";
import { ProcedureStatus, type ProcedureTransition } from "../../shared/procedure/types.ts";
import type { ComfortView, RoomEvent } from "../../shared/protocol.ts";
import { ToothNotation } from "../../shared/teeth.ts";

const PATHWAY_WORDS: Record<string, string> = {
  standard: "standard pathway",
  high_anxiety: "high-anxiety pathway",
};

type Entry = Omit<TimelineEntry, "detail" | "by" | "reason" | "endedAt"> &
  Partial<Pick<TimelineEntry, "detail" | "by" | "reason" | "endedAt">>;

function line(e: Entry): TimelineEntry {
  return { detail: null, by: null, reason: null, endedAt: null, ...e };
}

/**
 * The visit's timeline, optionally only some kinds (an empty list means all). Alarms name their
 * device or tooth as the clinician panel does, in the reader's `notation`.
 */
export function visitTimeline(
  events: readonly RoomEvent[],
  kinds: readonly TimelineKind[] = [],
  notation: ToothNotation = ToothNotation.fdi,
): TimelineEntry[] {
  const naming = namingIn(notation);
  const out: TimelineEntry[] = [];
  const names = new Map<string, string>();
  const alarmLines = new Map<string, { raised: TimelineEntry; seen: Alarm }>();
  let comfort: ComfortView | null = null;
  let lastSaid = "";
  let step = null as { entry: TimelineEntry; index: number } | null;
  const closeStep = (at: number) => {
    if (step !== null && step.entry.endedAt === null) step.entry.endedAt = at;
  };
  const who = (by: ProcedureTransition["by"]): string =>
    "system" in by ? "Safety interlock" : (names.get(by.memberId) ?? by.role);

  for (const event of events) {
    const { seq, at, body } = event;
    switch (body.type) {
      case "member_joined":
        if (!names.has(body.member.memberId))
          out.push(
            line({
              seq,
              at,
              kind: "people",
              title: `${body.member.displayName} joined as ${body.member.role}`,
            }),
          );
        names.set(body.member.memberId, body.member.displayName);
        break;
      case "member_updated":
        names.set(body.member.memberId, body.member.displayName);
        break;
      case "member_left":
        out.push(
          line({
            seq,
            at,
            kind: "people",
            title: `${names.get(body.memberId) ?? "Someone"} left`,
            detail: body.reason,
          }),
        );
        break;
      case "otto": {
        const said = body.otto.lastUtterance;
        const key = said ? `${said.kind}:${said.text}` : "";
        if (said && key !== lastSaid) out.push(line({ seq, at, kind: "otto", title: said.text, by: "Otto" }));
        lastSaid = key;
        break;
      }
      case "procedure": {
        const t = body.transition;
        if (t === null) break;
        const planId = body.procedure?.planId ?? "";
        const by = who(t.by);
        const reason = t.reason ?? null;
        if (t.stepIndex !== step?.index || t.command === "start") {
          if (t.to !== ProcedureStatus.completed && t.to !== ProcedureStatus.aborted) {
            closeStep(t.at);
            const title = planById(planId)?.steps[t.stepIndex]?.title ?? `Step ${t.stepIndex + 1}`;
            const entry = line({
              seq,
              at: t.at,
              kind: "procedure",
              title: `Step ${t.stepIndex + 1}: ${title}`,
            });
            out.push(entry);
            step = { entry, index: t.stepIndex };
          }
        }
        switch (t.command) {
          case "start":
            out.push(
              line({
                seq,
                at: t.at,
                kind: "procedure",
                title: `Started ${body.procedure?.planName ?? planId}`,
                by,
              }),
            );
            break;
          case "stop":
            out.push(line({ seq, at: t.at, kind: "stop", title: "Paused by patient", by }));
            break;
          case "ready":
          case "resume":
            if (t.from === ProcedureStatus.pausedByPatient)
              out.push(
                line({ seq, at: t.at, kind: "stop", title: `Resumed after the patient's stop`, by, reason }),
              );
            else if (t.command === "resume")
              out.push(line({ seq, at: t.at, kind: "procedure", title: "Resumed", by, reason }));
            break;
          case "pause":
            out.push(line({ seq, at: t.at, kind: "procedure", title: "Paused by the team", by, reason }));
            break;
          case "abort":
            closeStep(t.at);
            out.push(line({ seq, at: t.at, kind: "procedure", title: "Procedure aborted", by, reason }));
            break;
          case "override":
            out.push(
              line({ seq, at: t.at, kind: "override", title: "Safety interlock overridden", by, reason }),
            );
            break;
          case "interlock_block":
            out.push(
              line({
                seq,
                at: t.at,
                kind: "interlock",
                title: "Held by the safety interlock",
                detail: body.procedure?.blockedReason ?? reason,
                by,
              }),
            );
            break;
          case "interlock_clear":
            out.push(line({ seq, at: t.at, kind: "interlock", title: "Safety interlock cleared", by }));
            break;
          case "next":
          case "repeat":
            break;
        }
        if (t.to === ProcedureStatus.completed) {
          closeStep(t.at);
          out.push(line({ seq, at: t.at, kind: "procedure", title: "Procedure completed", by }));
        }
        break;
      }
      case "checkin":
        out.push(
          line({
            seq,
            at,
            kind: "checkin",
            title: `Comfort ${body.score}/10`,
            by: names.get(body.by) ?? null,
          }),
        );
        break;
      case "comfort": {
        const next = body.comfort;
        if (next.mdasScore !== null && next.mdasScore !== comfort?.mdasScore)
          out.push(
            line({
              seq,
              at,
              kind: "mdas",
              title: `MDAS ${next.mdasScore} of 25`,
              detail: PATHWAY_WORDS[next.pathway] ?? next.pathway,
            }),
          );
        if (
          next.checkinPending !== null &&
          next.checkinPending.requestedAt !== comfort?.checkinPending?.requestedAt
        )
          out.push(
            line({ seq, at, kind: "checkin", title: "Check-in asked", detail: next.checkinPending.reason }),
          );
        comfort = next;
        break;
      }
      case "alarm": {
        const alarm = body.alarm;
        const words = alarmText(alarm, naming);
        const known = alarmLines.get(alarm.id);
        if (!known) {
          const raised = line({
            seq,
            at: alarm.raisedAt,
            kind: "alarm",
            title: `Alarm (${alarm.priority}): ${words}`,
            endedAt: alarm.clearedAt ?? null,
          });
          out.push(raised);
          alarmLines.set(alarm.id, {
            raised,
            seen: { ...alarm, acknowledgedAt: undefined, clearedAt: undefined },
          });
        }
        const entry = alarmLines.get(alarm.id)!;
        if (alarm.acknowledgedAt !== undefined && entry.seen.acknowledgedAt === undefined)
          out.push(
            line({
              seq,
              at: alarm.acknowledgedAt,
              kind: "alarm",
              title: `Alarm acknowledged: ${words}`,
              by: alarm.acknowledgedBy ? (names.get(alarm.acknowledgedBy) ?? alarm.acknowledgedBy) : null,
            }),
          );
        if (alarm.clearedAt !== undefined && entry.seen.clearedAt === undefined) {
          entry.raised.endedAt = alarm.clearedAt;
          out.push(line({ seq, at: alarm.clearedAt, kind: "alarm", title: `Alarm cleared: ${words}` }));
        }
        entry.seen = alarm;
        break;
      }
      case "firmware_quarantined":
        out.push(
          line({
            seq,
            at,
            kind: "firmware",
            title: `Firmware ${body.firmware} quarantined`,
            detail: `${body.retracted} readings retracted`,
            by: body.by,
            reason: body.reason,
          }),
        );
        break;
      case "firmware_lifted":
        out.push(
          line({
            seq,
            at,
            kind: "firmware",
            title: `Firmware ${body.firmware} quarantine lifted`,
            by: body.by,
            reason: body.reason,
          }),
        );
        break;
      // Every word Otto hears is in the history, beside what it says
      case "otto_heard": {
        const who = names.get(body.heard.by) ?? "Patient";
        const how = body.heard.stop ? "said stop" : body.heard.spoken ? "said" : "wrote";
        out.push(
          line({ seq, at, kind: "otto", title: `${who} ${how} to Otto: "${body.heard.text}"`, by: who }),
        );
        break;
      }
      case "team_checking":
      case "device":
        break;
    }
  }
  return kinds.length === 0 ? out : out.filter((e) => kinds.includes(e.kind));
}
