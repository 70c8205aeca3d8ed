/**
 * What the circle's panel says (issue 12): the agenda's topic with its timer, who has a hand up,
 * and this person's own "Raise my hand"; while the host runs a lesson for the circle, the lesson's
 * step instead (lessonSteps.ts). Pure: the page builds the spec, and the world panel (in VR) or the
 * card over the circle (on a flat screen, circleCard.ts) shows it; a press comes back as the
 * button's value. Nothing clinical is ever in it.
 */
import { type GroupView, topicSecondsLeft } from "../../shared/supportGroup.ts";
import type { PanelSpec } from "../scene/worldPanel.ts";

/** Values the circle panel's buttons send back. */
export const CirclePanelValue = { hand: "hand" } as const;

/**
 * The world panel draws its title on one line and cuts it at a word: a longer topic goes into the
 * body, which wraps, under a short title.
 */
export const TITLE_MAX_CHARS = 26;

export function clockText(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

/** The time left on the running topic, as the panel says it. */
function timeLeftLine(view: GroupView, serverNow: number): string {
  const left = topicSecondsLeft(view, serverNow);
  return left > 0 ? `${clockText(left)} left` : "Time is up.";
}

/** The circle's panel for the person `view.you`, at the server's time `serverNow`. */
export function circlePanel(view: GroupView, serverNow: number): PanelSpec {
  const me = view.members.find((m) => m.memberId === view.you);
  const raised = view.members.filter((m) => m.handRaised && m.role !== "otto");
  const topic = view.topic ? (view.agenda[view.topic.index]?.title ?? "") : null;
  const heading = topic ?? view.title;
  const long = heading.length > TITLE_MAX_CHARS;
  const hands =
    raised.length === 0
      ? "No hands raised."
      : `Hand raised: ${raised.map((m) => (m.memberId === view.you ? "you" : m.name)).join(", ")}.`;
  const next = view.topic ? null : (view.agenda[0]?.title ?? null);
  const body = [
    long ? heading : null,
    view.topic
      ? timeLeftLine(view, serverNow)
      : next
        ? `Coming up: ${next}.`
        : "Take a breath: the host will start soon.",
    hands,
  ]
    .filter((l) => l !== null)
    .join("\n");
  const buttons =
    me && me.role !== "otto"
      ? [
          {
            label: me.handRaised ? "Lower my hand" : "Raise my hand",
            value: CirclePanelValue.hand,
            tone: "primary" as const,
          },
        ]
      : [];
  return {
    id: "circle",
    title: long ? (topic ? "Now in the circle" : "Welcome") : heading,
    body,
    buttons,
    columns: 1,
  };
}
