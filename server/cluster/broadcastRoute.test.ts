import { describe, expect, it } from "vitest";
import { CloseReason, Ev } from "../../shared/protocol.ts";
import { type BroadcastOpts, forOwnSocketNow, posesStayHere, routeBroadcasts } from "./broadcastRoute.ts";

/** A relayed batch's options: sent outside recovery, as server/sessionRegistry.ts sends it. */
const relayed = (...rooms: string[]): BroadcastOpts => ({
  rooms: new Set(rooms),
  except: new Set(),
  flags: { volatile: false },
});
const to = (...rooms: string[]): BroadcastOpts => ({ rooms: new Set(rooms), except: new Set() });
const here = (roomId: string) => roomId === "room-julian";
const ownSocket = (id: string) => id === "sock-julian";
const event = (...data: unknown[]) => ({ type: 2, nsp: "/", data });

describe("forOwnSocketNow", () => {
  it("delivers a message for one of this node's connections at once", () => {
    const replaced = event(Ev.protocolError, { event: CloseReason.replaced });
    expect(forOwnSocketNow(replaced, to("sock-julian"), ownSocket)).toBe(true);
  });

  it.each([
    [
      "the welcome (its stream entry is the first recovery offset)",
      event(Ev.welcome, { seq: 3 }),
      to("sock-julian"),
    ],
    [
      "the poses sent with the welcome (they keep its order)",
      event(Ev.poses, new Uint8Array(4)),
      to("sock-julian"),
    ],
    ["a connection of another node", event(Ev.protocolError, {}), to("sock-elsewhere")],
    ["a room", event(Ev.roomEvent, { seq: 4 }), to("room-julian")],
    [
      "one connection but with exceptions",
      event(Ev.protocolError, {}),
      { ...to("sock-julian"), except: new Set(["x"]) },
    ],
  ])("leaves %s to the stream", (_what, packet, opts) => {
    expect(forOwnSocketNow(packet, opts, ownSocket)).toBe(false);
  });
});

describe("posesStayHere", () => {
  it("keeps a relayed pose batch of an all-here room on this node", () => {
    expect(posesStayHere(event(Ev.poses, "AAEC", 0), relayed("room-julian"), here)).toBe(true);
  });

  it.each([
    ["a room with a member on another node", event(Ev.poses, "AAEC", 0), relayed("room-flower")],
    ["a room event", event(Ev.roomEvent, { seq: 1 }), relayed("room-julian")],
    [
      "a broadcast to several rooms",
      event(Ev.poses, "AAEC", 0),
      relayed("room-julian", "room-julian:clinician"),
    ],
    ["a packet without data", {}, relayed("room-julian")],
    [
      "a keyframe (kept for recovery: it carries the offset a member resumes from)",
      event(Ev.poses, "AAEC"),
      to("room-julian"),
    ],
  ])("leaves %s to the stream", (_what, packet, opts) => {
    expect(posesStayHere(packet, opts, here)).toBe(false);
  });
});

describe("routeBroadcasts", () => {
  it("marks what stays here `local`, and hands everything to the adapter untouched otherwise", () => {
    const sent: { data: unknown; local: boolean }[] = [];
    const adapter = routeBroadcasts(
      {
        broadcast(packet: unknown, opts: BroadcastOpts) {
          sent.push({ data: (packet as { data: unknown[] }).data[0], local: opts.flags?.local === true });
        },
      },
      { name: "/", sockets: new Map([["sock-julian", {}]]) } as never,
      here,
    );
    adapter.broadcast(event(Ev.welcome, {}), to("sock-julian"));
    adapter.broadcast(event(Ev.protocolError, {}), to("sock-julian"));
    adapter.broadcast(event(Ev.poses, "AAEC", 0), relayed("room-julian"));
    adapter.broadcast(event(Ev.roomEvent, {}), to("room-julian"));
    expect(sent).toEqual([
      { data: Ev.welcome, local: false },
      { data: Ev.protocolError, local: true },
      { data: Ev.poses, local: true },
      { data: Ev.roomEvent, local: false },
    ]);
  });
});
