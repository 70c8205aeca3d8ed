/**
 * Noah's support group over a real server (issue 12): Noah (an assistant, signed in) schedules a
 * session and invites three patients, who join under chosen names. Raise hand, mute by the host,
 * remove; a removed participant cannot rejoin on the same invitation but can on a new one; the
 * lock keeps newcomers out; voice signals pass only inside the circle; and while a treatment room
 * next door runs its procedure, nothing clinical reaches the group's connections.
 */
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeBatch, encodePose, type PoseBatchData } from "../../shared/poseCodec.ts";
import { Ev, PROTOCOL_VERSION, VoiceEv } from "../../shared/protocol.ts";
import { GroupEv, type GroupView, type PastGroup } from "../../shared/supportGroup.ts";
import { passAuth, startTestServer, TestClient, type TestServer, waitFor } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let noah: SignedInStaff;
const sockets: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer();
  noah = await signedInStaff(server, { staffId: "noah", role: "assistant", displayName: "Noah Park" });
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await server?.stopAsync();
});

/** One group connection that records every event it receives, by name and payload. */
class Member {
  view: GroupView | null = null;
  closed: { reason: string; message: string } | null = null;
  refusal: { code: string; message: string } | null = null;
  readonly received: { event: string; payload: unknown }[] = [];
  readonly socket: Socket;

  constructor(auth: Record<string, unknown>, cookie?: string) {
    this.socket = io(`${server.origin}/group`, {
      auth: { protocolVersion: PROTOCOL_VERSION, ...auth },
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    sockets.push(this.socket);
    this.socket.onAny((event: string, payload: unknown) => {
      this.received.push({
        event,
        payload: payload instanceof Uint8Array || payload instanceof ArrayBuffer ? "binary" : payload,
      });
    });
    this.socket.on(GroupEv.view, (v: GroupView) => {
      this.view = v;
    });
    this.socket.on(GroupEv.closed, (c: { reason: string; message: string }) => {
      this.closed = c;
    });
    this.socket.on("connect_error", (err) => {
      this.refusal = (err as Error & { data?: { code: string; message: string } }).data ?? {
        code: "transport",
        message: err.message,
      };
    });
  }

  async joinedAsync(what: string): Promise<void> {
    await waitFor(() => this.view !== null || this.refusal !== null, `${what} joined`);
    if (!this.view) throw new Error(`${what} refused: ${JSON.stringify(this.refusal)}`);
  }

  command(
    event: string,
    payload: unknown,
  ): Promise<{ ok: boolean; error?: { code: string; message: string } }> {
    return this.socket.timeout(5_000).emitWithAck(event, payload);
  }

  get you(): string {
    return this.view!.you;
  }
}

async function inviteAsync(groupId: string): Promise<string> {
  const res = await callApi(server.origin, "POST", `/api/groups/${groupId}/invites`, { staff: noah });
  expect(res.status).toBe(201);
  const link = (res.body as { link: string }).link;
  expect(link).toMatch(new RegExp(`/group\\.html\\?group=${groupId}#invite=`));
  return decodeURIComponent(link.split("#invite=")[1]!);
}

describe("Noah's support group", () => {
  it("host and three participants: hands, mute, remove, no rejoin without a new invitation, lock, voice inside the circle, nothing clinical", async () => {
    // A treatment is going on in the demo room next door: its events must stay there.
    const clinician = new TestClient(server.origin, passAuth(server, "julian", "clinician"));
    const patient = new TestClient(server.origin, passAuth(server, "julian", "patient"));
    await clinician.welcomedAsync("clinician");
    await patient.welcomedAsync("patient");

    const scheduled = await callApi(server.origin, "POST", "/api/groups", {
      staff: noah,
      body: {
        title: "Smiles without worry",
        startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        agenda: [
          { title: "How was your week?", minutes: 10 },
          { title: "Brushing when you are tense", minutes: 15 },
        ],
      },
    });
    expect(scheduled.status).toBe(201);
    const groupId = (scheduled.body as { groupId: string }).groupId;
    const listed = await callApi(server.origin, "GET", "/api/groups", { staff: noah });
    expect((listed.body as { groups: { groupId: string; hostName: string }[] }).groups).toEqual([
      expect.objectContaining({ groupId, hostName: "Noah" }),
    ]);
    // Only staff with groups.host schedule: no cookie, no group.
    expect((await callApi(server.origin, "POST", "/api/groups", { body: {} })).status).toBe(401);

    const host = new Member({ groupId }, noah.cookie);
    await host.joinedAsync("host");
    const invites = [await inviteAsync(groupId), await inviteAsync(groupId), await inviteAsync(groupId)];
    const [ana, ben, cleo] = ["Ana", "Ben", "Cleo"].map(
      (name, i) => new Member({ groupId, invite: invites[i], name }),
    ) as [Member, Member, Member];
    for (const [m, name] of [
      [ana, "Ana"],
      [ben, "Ben"],
      [cleo, "Cleo"],
    ] as const)
      await m.joinedAsync(name);
    await waitFor(() => host.view!.members.length === 5, "Otto, the host and three in the circle");
    expect(host.view!.members.map((m) => [m.name, m.role])).toEqual([
      ["Otto", "otto"],
      ["Noah", "host"],
      ["Ana", "participant"],
      ["Ben", "participant"],
      ["Cleo", "participant"],
    ]);
    // A participant without an invitation, or without a chosen name, does not get in.
    const stranger = new Member({ groupId, name: "Dan" });
    await waitFor(() => stranger.refusal !== null, "stranger refused");
    expect(stranger.refusal!.message).toMatch(/invitation link/);
    const nameless = new Member({ groupId, invite: await inviteAsync(groupId) });
    await waitFor(() => nameless.refusal !== null, "nameless refused");
    expect(nameless.refusal!.message).toMatch(/Choose the name/);

    // Raise hand: everyone sees it.
    expect((await ana.command(GroupEv.hand, { raised: true })).ok).toBe(true);
    await waitFor(
      () => ben.view!.members.find((m) => m.name === "Ana")!.handRaised,
      "Ana's hand seen by Ben",
    );
    expect(host.view!.members.find((m) => m.name === "Ana")!.handRaised).toBe(true);

    // Only the host mutes; the host's mute reaches every view and the voice line.
    const refused = await ben.command(GroupEv.mute, { memberId: ana.you, muted: true });
    expect(refused).toMatchObject({
      ok: false,
      error: { code: "forbidden", message: "Only the host can mute someone." },
    });
    expect((await host.command(GroupEv.mute, { memberId: ben.you, muted: true })).ok).toBe(true);
    await waitFor(() => ben.view!.members.find((m) => m.name === "Ben")!.mutedByHost, "Ben sees he is muted");
    await waitFor(
      () =>
        host.received.some(
          (r) =>
            r.event === VoiceEv.peers &&
            (r.payload as { memberId: string; muted: boolean }[]).some(
              (p) => p.memberId === ben.you && p.muted,
            ),
        ),
      "the host's voice line shows Ben muted",
    );

    // Voice signals pass inside the circle, and only there.
    const offers: unknown[] = [];
    cleo.socket.on(VoiceEv.offer, (s: unknown) => offers.push(s));
    ana.socket.emit(VoiceEv.offer, { to: cleo.you, sdp: "v=0 test" });
    await waitFor(() => offers.length === 1, "Cleo gets Ana's offer");
    expect(offers[0]).toEqual({ from: ana.you, sdp: "v=0 test" });
    ana.socket.emit(VoiceEv.offer, { to: clinician.view!.you, sdp: "v=0 test" });
    await waitFor(
      () =>
        ana.received.some(
          (r) => r.event === Ev.protocolError && (r.payload as { code: string }).code === "forbidden",
        ),
      "an offer to someone outside the circle is refused",
    );

    // Agenda and board.
    expect((await host.command(GroupEv.topic, { index: 1 })).ok).toBe(true);
    await waitFor(() => cleo.view!.topic?.index === 1, "topic 2 runs");
    expect(cleo.view!.topic!.endsAt - cleo.view!.topic!.startedAt).toBe(15 * 60_000);
    expect(cleo.view!.otto).toMatch(/Brushing when you are tense/);
    expect((await cleo.command(GroupEv.note, { text: "Two minutes, soft brush" })).ok).toBe(true);
    await waitFor(() => host.view!.board.notes.length === 1, "the note on everyone's board");
    expect(host.view!.board.notes[0]).toMatchObject({ text: "Two minutes, soft brush", by: "Cleo" });

    // A treatment-room event sent here means nothing.
    const sent = await ana.command("procedure:command", { command: "stop" }).catch(() => null);
    expect(sent).toMatchObject({ ok: false, error: { code: "unknown_event" } });

    // Remove Cleo: her connection closes, her invitation is withdrawn.
    expect((await host.command(GroupEv.remove, { memberId: cleo.you })).ok).toBe(true);
    await waitFor(() => cleo.closed !== null, "Cleo told she was removed");
    expect(cleo.closed!.reason).toBe("removed_by_host");
    await waitFor(() => host.view!.members.length === 4, "Cleo gone from the circle");
    const again = new Member({ groupId, invite: invites[2], name: "Cleo" });
    await waitFor(() => again.refusal !== null, "Cleo's old invitation refused");
    expect(again.refusal).toMatchObject({ code: "forbidden", message: expect.stringMatching(/withdrawn/) });
    const newInvite = await inviteAsync(groupId);
    const cleoBack = new Member({ groupId, invite: newInvite, name: "Cleo" });
    await cleoBack.joinedAsync("Cleo with a new invitation");

    // Locked: newcomers wait outside; a member who drops may come back.
    expect((await host.command(GroupEv.lock, { locked: true })).ok).toBe(true);
    const late = new Member({ groupId, invite: await inviteAsync(groupId), name: "Dora" });
    await waitFor(() => late.refusal !== null, "a newcomer refused while locked");
    expect(late.refusal!.message).toMatch(/closed to newcomers/);

    // Meanwhile the treatment goes on next door.
    expect((await clinician.socket.emitWithAck(Ev.procedureSelect, { planId: "filling-36" })).ok).toBe(true);
    await waitFor(
      () => clinician.events.some((e) => e.body.type === "procedure"),
      "a clinical event next door",
    );

    // The board is kept only if everyone present agrees.
    for (const m of [host, ana, ben]) expect((await m.command(GroupEv.keep, { agree: true })).ok).toBe(true);
    await waitFor(
      () => host.view!.board.kept === false && host.view!.board.keepVotes.length === 3,
      "three of four agreed",
    );
    expect((await cleoBack.command(GroupEv.keep, { agree: true })).ok).toBe(true);
    await waitFor(() => host.view!.board.kept, "everyone agreed");

    // Nothing clinical reached any group connection: only group, pose and voice events, and no
    // word of the treatment (patient's name, procedure, alarms, readings).
    const allowed = new Set<string>([
      GroupEv.view,
      GroupEv.closed,
      Ev.poses,
      Ev.protocolError,
      ...Object.values(VoiceEv),
    ]);
    for (const m of [host, ana, ben, cleo, cleoBack]) {
      for (const r of m.received) expect(allowed.has(r.event), r.event).toBe(true);
      const text = JSON.stringify(m.received);
      for (const word of ["Julian", "filling", "procedure", "alarm", "reading", "mdas", "julian"]) {
        expect(text.includes(word), `${word} in a group connection`).toBe(false);
      }
    }

    // Ending: everyone is told; the agreed board is kept with the group's plan.
    expect((await host.command(GroupEv.end, {})).ok).toBe(true);
    await waitFor(() => ana.closed?.reason === "group_ended", "Ana told the session ended");
    // The board is stored as the group's kept notes, and the host's list shows them with the past session.
    expect((await server.storage.keptGroupNotes(groupId)).map((n) => n.text)).toEqual([
      "Two minutes, soft brush",
    ]);
    const afterEnd = await callApi(server.origin, "GET", "/api/groups", { staff: noah });
    const past = (afterEnd.body as { past: PastGroup[]; groups: { groupId: string }[] }).past;
    expect(past.find((p) => p.groupId === groupId)?.keptNotes.map((n) => n.text)).toEqual([
      "Two minutes, soft brush",
    ]);
    expect((afterEnd.body as { groups: { groupId: string }[] }).groups.map((g) => g.groupId)).not.toContain(
      groupId,
    );
    clinician.close();
    patient.close();
  });

  it("passes poses around the circle, and again after everyone left and came back (the pose tick runs only while someone is there)", async () => {
    const scheduled = await callApi(server.origin, "POST", "/api/groups", {
      staff: noah,
      body: {
        title: "Moving together",
        startsAt: new Date(Date.now() + 7 * 86_400_000).toISOString(),
        agenda: [{ title: "Breathing", minutes: 10 }],
      },
    });
    expect(scheduled.status).toBe(201);
    const groupId = (scheduled.body as { groupId: string }).groupId;
    const invite = await inviteAsync(groupId);
    const at = (x: number) =>
      encodePose({
        head: { p: { x, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } },
        left: null,
        right: null,
      });
    const meet = async (round: string, x: number) => {
      const host = new Member({ groupId }, noah.cookie);
      const ana = new Member({ groupId, invite, name: "Ana" });
      // The head x positions Noah sees of the others, from every pose batch.
      const seenXs: number[] = [];
      host.socket.on(Ev.poses, (batch: PoseBatchData) => {
        for (const p of decodeBatch(batch).poses) seenXs.push(p.pose.head.p.x);
      });
      await host.joinedAsync(`host, ${round}`);
      await ana.joinedAsync(`Ana, ${round}`);
      ana.socket.emit(Ev.pose, at(x));
      await waitFor(() => seenXs.some((seen) => Math.abs(seen - x) < 0.01), `Noah sees Ana move, ${round}`);
      return [host, ana] as const;
    };
    const first = await meet("first", 0.25);
    // Both leave: no group has anyone in it, so the server stops its pose tick.
    for (const m of first) m.socket.disconnect();
    await waitFor(() => server.groups.get(groupId)?.room.people().length === 0, "the circle empty");
    await meet("after coming back", -0.5);
  });
});
