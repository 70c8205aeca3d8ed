/**
 * How a support group's page learns that the circle closed for it (issue 12, the CI flake "Mara
 * told it is cancelled"): a member whose link happened to be down when the host cancelled or ended
 * the session (her page missed its heartbeat while it built the 3D circle on a busy machine) used
 * to come back to "There is no such group", because the close went only to the live sockets. Now
 * her comeback is told how the session closed, after a restart of the server too. The page's
 * `/group` socket and its `/group-lesson` socket share one connection here, as they do in the
 * browser. A host whose sign-in ends is told
 * why before the cut. The host role: a colleague who may host joins host-capable, the host hands
 * the circle over (the lesson follows), and a host who stays away passes it on by itself.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Manager, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOST_AWAY_MS } from "../../server/group/groupRoom.ts";
import { GROUP_LESSON_NAMESPACE, GroupLessonEv } from "../../shared/lessons.ts";
import { type ConnectRefusal, PROTOCOL_VERSION, type Result } from "../../shared/protocol.ts";
import { GroupCloseReason, GroupEv, GroupRole, type GroupView } from "../../shared/supportGroup.ts";
import { startTestServer, type TestServer, waitFor } from "../harness.ts";
import { callApi } from "../pairingFixture.ts";
import { type SignedInStaff, signedInStaff } from "../staffAccount.ts";

let server: TestServer;
let noah: SignedInStaff;
const managers: Manager[] = [];

beforeAll(async () => {
  server = await startTestServer();
  noah = await signedInStaff(server, { staffId: "noah", role: "assistant", displayName: "Noah Park" });
});
afterAll(async () => {
  for (const m of managers) m.engine?.close();
  await server?.stopAsync();
});

/** A group page's link: `/group` and, once in the circle, `/group-lesson` on the same connection. */
class GroupPageLink {
  view: GroupView | null = null;
  closed: { reason: string; message: string } | null = null;
  refusal: ConnectRefusal | null = null;
  lessonState = false;
  readonly drops: string[] = [];
  readonly manager: Manager;
  readonly group: Socket;
  lesson: Socket | null = null;

  constructor(auth: Record<string, unknown>, cookie?: string, origin = server.origin) {
    // No automatic reconnection: the test brings the link back when it wants the comeback.
    this.manager = new Manager(origin, {
      transports: ["websocket"],
      reconnection: false,
      ...(cookie ? { extraHeaders: { cookie } } : {}),
    });
    managers.push(this.manager);
    this.group = this.manager.socket("/group", { auth: { protocolVersion: PROTOCOL_VERSION, ...auth } });
    this.group.on(GroupEv.view, (v: GroupView) => {
      this.view = v;
    });
    this.group.on(GroupEv.closed, (c: { reason: string; message: string }) => {
      this.closed = c;
      this.group.disconnect();
    });
    this.group.on("disconnect", (reason) => this.drops.push(reason));
    this.group.on("connect_error", (err) => {
      this.refusal = (err as Error & { data?: ConnectRefusal }).data ?? null;
    });
    this.group.on("connect", () => {
      if (this.lesson) return void this.lesson.connect();
      const lesson = this.manager.socket(GROUP_LESSON_NAMESPACE, {
        auth: (cb) => cb({ protocolVersion: PROTOCOL_VERSION, groupSocketId: this.group.id ?? "" }),
      });
      lesson.on(GroupLessonEv.state, () => {
        this.lessonState = true;
      });
      this.lesson = lesson;
    });
  }

  async inCircleAsync(what: string): Promise<void> {
    await waitFor(() => (this.view !== null && this.lessonState) || this.refusal !== null, `${what} in`);
    if (this.refusal) throw new Error(`${what} refused: ${JSON.stringify(this.refusal)}`);
  }

  /** The link goes down under the page (a missed heartbeat): no namespace said goodbye. */
  dropLink(): void {
    this.manager.engine.close();
  }

  command(event: string, payload: unknown): Promise<Result<GroupView>> {
    return this.group.timeout(5_000).emitWithAck(event, payload);
  }

  lead(lessonId: string | null): Promise<Result<unknown>> {
    return this.lesson!.timeout(5_000).emitWithAck(GroupLessonEv.lead, { lessonId, step: 0 });
  }

  /** The member who hosts, as this page sees the circle. */
  get host(): string | undefined {
    return this.view?.members.find((m) => m.role === GroupRole.host)?.name;
  }

  /** The page's link comes back by itself, as Socket.IO's client does after a transport close. */
  comeBack(): void {
    this.group.connect();
  }
}

async function scheduleAsync(on: TestServer = server, staff: SignedInStaff = noah): Promise<string> {
  const res = await callApi(on.origin, "POST", "/api/groups", {
    staff,
    body: {
      title: "Calm teeth, calm mind",
      startsAt: new Date(Date.now() + 86_400_000).toISOString(),
      agenda: [{ title: "How was your week?", minutes: 10 }],
    },
  });
  expect(res.status).toBe(201);
  return (res.body as { groupId: string }).groupId;
}

async function inviteAsync(
  groupId: string,
  on: TestServer = server,
  staff: SignedInStaff = noah,
): Promise<string> {
  const res = await callApi(on.origin, "POST", `/api/groups/${groupId}/invites`, { staff });
  expect(res.status).toBe(201);
  return decodeURIComponent((res.body as { link: string }).link.split("#invite=")[1]!);
}

/** The host's page shows the member as reconnecting: the server let her socket go. */
async function awayOnHostPageAsync(host: GroupPageLink, name: string): Promise<void> {
  await waitFor(
    () => host.view?.members.some((m) => m.name === name && !m.connected) === true,
    `${name} away on the host's page`,
  );
}

describe("a support group closing for a member whose link was down", () => {
  it("cancelled while Mara's link was down: her comeback is told it was cancelled, not that it never existed", async () => {
    const groupId = await scheduleAsync();
    const host = new GroupPageLink({ groupId }, noah.cookie);
    await host.inCircleAsync("Noah");
    const mara = new GroupPageLink({ groupId, invite: await inviteAsync(groupId), name: "Mara" });
    await mara.inCircleAsync("Mara");

    mara.dropLink();
    await awayOnHostPageAsync(host, "Mara");
    const cancelled = await callApi(server.origin, "POST", `/api/groups/${groupId}/cancel`, { staff: noah });
    expect(cancelled.status).toBe(200);
    // The host, in the circle, hears it at once.
    await waitFor(() => host.closed !== null, "the host told");
    expect(host.closed!.reason).toBe(GroupCloseReason.cancelled);
    expect(mara.closed).toBeNull();

    mara.comeBack();
    await waitFor(() => mara.refusal !== null, "Mara's comeback refused");
    expect(mara.refusal!.message).toMatch(/cancelled this session/);
    expect(mara.group.connected).toBe(false);
    expect(mara.lesson?.connected).toBe(false);
  });

  it("ended while Ana's link was down: her comeback is told the session ended", async () => {
    const groupId = await scheduleAsync();
    const host = new GroupPageLink({ groupId }, noah.cookie);
    await host.inCircleAsync("Noah");
    const ana = new GroupPageLink({ groupId, invite: await inviteAsync(groupId), name: "Ana" });
    await ana.inCircleAsync("Ana");

    ana.dropLink();
    await awayOnHostPageAsync(host, "Ana");
    const ended = (await host.group.timeout(5_000).emitWithAck(GroupEv.end, {})) as { ok: boolean };
    expect(ended.ok).toBe(true);
    await waitFor(() => host.closed !== null, "the host's page closed");
    expect(host.closed!.reason).toBe(GroupCloseReason.ended);

    ana.comeBack();
    await waitFor(() => ana.refusal !== null, "Ana's comeback refused");
    expect(ana.refusal!.message).toMatch(/session has ended/);
  });

  it("cancelled, then the server restarted: Mara's page coming back is still told it was cancelled", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "chairside-group-closed-"));
    try {
      const first = await startTestServer({ dataDir });
      const host = await signedInStaff(first, {
        staffId: "noah",
        role: "assistant",
        displayName: "Noah Park",
      });
      const groupId = await scheduleAsync(first, host);
      const invite = await inviteAsync(groupId, first, host);
      const cancelled = await callApi(first.origin, "POST", `/api/groups/${groupId}/cancel`, { staff: host });
      expect(cancelled.status).toBe(200);
      await first.stopAsync();

      const second = await startTestServer({ dataDir });
      try {
        const mara = new GroupPageLink({ groupId, invite, name: "Mara" }, undefined, second.origin);
        await waitFor(() => mara.refusal !== null, "Mara's comeback refused");
        expect(mara.refusal!.message).toMatch(/cancelled this session/);
      } finally {
        await second.stopAsync();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("a host whose sign-in ends in the circle is told why before the cut, and the lesson link goes with it", async () => {
    const groupId = await scheduleAsync();
    const ray = await signedInStaff(server, { staffId: "noah", role: "assistant", displayName: "Noah Park" });
    const host = new GroupPageLink({ groupId }, ray.cookie);
    await host.inCircleAsync("Noah");

    const out = await callApi(server.origin, "POST", "/api/auth/signout", { staff: ray });
    expect(out.status).toBe(200);
    await waitFor(() => host.closed !== null, "the host told");
    expect(host.closed!.reason).toBe(GroupCloseReason.signedOut);
    await waitFor(() => host.lesson?.connected === false, "the lesson link closed");
    expect(host.drops).toEqual(["io client disconnect"]);
  });
});

describe("the host role in a live circle", () => {
  it("a colleague joins host-capable, Noah hands over (the lesson follows), Ray drops and Noah takes the circle back", async () => {
    const groupId = await scheduleAsync();
    const noahPage = new GroupPageLink({ groupId }, noah.cookie);
    await noahPage.inCircleAsync("Noah");
    const ray = await signedInStaff(server, { staffId: "ray", role: "assistant", displayName: "Ray Osei" });
    const rayPage = new GroupPageLink({ groupId }, ray.cookie);
    await rayPage.inCircleAsync("Ray");
    const mara = new GroupPageLink({ groupId, invite: await inviteAsync(groupId), name: "Mara" });
    await mara.inCircleAsync("Mara");
    await waitFor(() => noahPage.view?.members.length === 4, "Noah sees Otto, Ray and Mara");

    const rayOnNoahs = noahPage.view!.members.find((m) => m.name === "Ray")!;
    expect(rayOnNoahs).toMatchObject({ role: GroupRole.participant, canHost: true });
    expect(noahPage.host).toBe("Noah");
    const maraId = mara.view!.you;
    // Ray may not take the circle, nor Mara; Noah may not hand it to Mara.
    expect((await rayPage.command(GroupEv.handOver, { memberId: rayPage.view!.you })).ok).toBe(false);
    expect((await mara.command(GroupEv.handOver, { memberId: maraId })).ok).toBe(false);
    expect((await noahPage.command(GroupEv.handOver, { memberId: maraId })).ok).toBe(false);

    expect((await noahPage.command(GroupEv.handOver, { memberId: rayOnNoahs.memberId })).ok).toBe(true);
    await waitFor(() => mara.host === "Ray" && rayPage.host === "Ray", "everyone sees Ray hosting");
    expect((await noahPage.command(GroupEv.mute, { memberId: maraId, muted: true })).ok).toBe(false);
    expect((await rayPage.command(GroupEv.mute, { memberId: maraId, muted: true })).ok).toBe(true);
    // The circle's lesson follows the host role.
    expect((await noahPage.lead("sugar-acid")).ok).toBe(false);
    expect((await rayPage.lead("sugar-acid")).ok).toBe(true);

    // Ray's link goes down and stays down: after a short while Noah hosts again by himself.
    const awayFrom = Date.now();
    rayPage.dropLink();
    await waitFor(() => mara.host === "Noah", "Noah hosting again", HOST_AWAY_MS + 10_000);
    expect(Date.now() - awayFrom).toBeGreaterThanOrEqual(HOST_AWAY_MS - 100);
    expect(mara.view!.otto).toBe("Noah is hosting the circle now.");
    expect((await noahPage.lead(null)).ok).toBe(true);
    // Ray comes back as a colleague, not as a second host.
    rayPage.comeBack();
    await waitFor(
      () => noahPage.view?.members.some((m) => m.name === "Ray" && m.connected) === true,
      "Ray back",
    );
    expect(noahPage.view!.members.filter((m) => m.role === GroupRole.host).map((m) => m.name)).toEqual([
      "Noah",
    ]);
  }, 40_000);
});
