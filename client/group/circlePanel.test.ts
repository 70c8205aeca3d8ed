import { describe, expect, it } from "vitest";
import type { GroupMemberView, GroupView } from "../../shared/supportGroup.ts";
import { CirclePanelValue, circlePanel, TITLE_MAX_CHARS } from "./circlePanel.ts";

const person = (memberId: string, name: string, role: GroupMemberView["role"], handRaised = false) => ({
  memberId,
  name,
  role,
  handRaised,
  mutedByHost: false,
  slot: 1,
  connected: true,
});

const view = (over: Partial<GroupView> = {}): GroupView => ({
  groupId: "g-abcdef",
  title: "Smiles without worry",
  startsAt: "2026-12-03T18:00:00+01:00",
  locked: false,
  agenda: [{ title: "How was your week?", minutes: 10 }],
  topic: null,
  members: [person("otto", "Otto", "otto"), person("n", "Noah", "host"), person("a", "Ana", "participant")],
  board: { notes: [], keepVotes: [], kept: false },
  otto: null,
  you: "a",
  serverTime: 0,
  ...over,
});

describe("the circle's world panel", () => {
  it("before a topic: the group's title, what comes first, and my own Raise my hand", () => {
    const spec = circlePanel(view(), 0);
    expect(spec.title).toBe("Smiles without worry");
    expect(spec.body).toBe("Coming up: How was your week?.\nNo hands raised.");
    expect(spec.buttons).toEqual([{ label: "Raise my hand", value: CirclePanelValue.hand, tone: "primary" }]);
  });

  it("a running topic shows its timer; raised hands are named, mine as 'you'", () => {
    const v = view({
      topic: { index: 0, startedAt: 0, endsAt: 600_000 },
      members: [person("n", "Noah", "host", true), person("a", "Ana", "participant", true)],
    });
    const spec = circlePanel(v, 61_000);
    expect(spec.title).toBe("How was your week?");
    expect(spec.body).toBe("8:59 left\nHand raised: Noah, you.");
    expect(circlePanel(v, 600_000).body).toBe("Time is up.\nHand raised: Noah, you.");
    expect(spec.buttons[0]!.label).toBe("Lower my hand");
  });

  it("a topic too long for the world panel's one-line title is said in full in the body", () => {
    const topic = "Being afraid of the drill, and how to tell the dentist";
    const v = view({
      agenda: [{ title: topic, minutes: 10 }],
      topic: { index: 0, startedAt: 0, endsAt: 600_000 },
    });
    const spec = circlePanel(v, 0);
    expect(spec.title.length).toBeLessThanOrEqual(TITLE_MAX_CHARS);
    expect(spec.title).toBe("Now in the circle");
    expect(spec.body).toBe(`${topic}\n10:00 left\nNo hands raised.`);
    expect(circlePanel(view({ title: "A".repeat(TITLE_MAX_CHARS) }), 0).title).toBe(
      "A".repeat(TITLE_MAX_CHARS),
    );
  });

  it("Otto's own page (none exists) or a stranger's gets no hand to raise", () => {
    expect(circlePanel(view({ you: "otto" }), 0).buttons).toEqual([]);
    expect(circlePanel(view({ you: "nobody" }), 0).buttons).toEqual([]);
  });
});
