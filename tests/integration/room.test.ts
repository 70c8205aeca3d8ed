/** The shared room over a real Socket.IO server: handshake, demo passes, poses, late join, rejoin, bad input. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInvite } from "../../server/tokens.ts";
import { decodeBatch, encodePose, type Pose } from "../../shared/poseCodec.ts";
import { ErrorCode, Ev, PROTOCOL_VERSION } from "../../shared/protocol.ts";
import {
  connectRefusal,
  passAuth,
  startTestServer,
  TestClient,
  type TestServer,
  waitFor,
} from "../harness.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stopAsync();
});

const headAt = (x: number): Pose => ({
  head: { p: { x, y: 1.1, z: 0.5 }, q: { x: 0, y: 0, z: 0, w: 1 } },
  left: null,
  right: { p: { x: x + 0.3, y: 0.9, z: 0.3 }, q: { x: 0, y: Math.SQRT1_2, z: 0, w: Math.SQRT1_2 } },
});

describe("handshake and demo passes", () => {
  it("refuses an old client and a newer client, saying which side is too old", async () => {
    const auth = passAuth(server, "julian", "clinician");
    const old = await connectRefusal(server.origin, { ...auth, protocolVersion: PROTOCOL_VERSION - 1 });
    expect(old).toMatchObject({ code: ErrorCode.clientTooOld });
    expect(old!.message).toMatch(/older than the server/);
    const newer = await connectRefusal(server.origin, { ...auth, protocolVersion: PROTOCOL_VERSION + 1 });
    expect(newer).toMatchObject({ code: ErrorCode.serverTooOld });
    expect(newer!.message).toMatch(/server is older/);
    const { protocolVersion: _v, ...unversioned } = auth;
    expect(await connectRefusal(server.origin, unversioned)).toMatchObject({ code: ErrorCode.clientTooOld });
  });

  it("refuses missing, forged, expired and wrong-room passes with readable reasons", async () => {
    const v = PROTOCOL_VERSION;
    const julian = { protocolVersion: v, appointmentId: "julian" };
    expect(await connectRefusal(server.origin, julian)).toMatchObject({ code: ErrorCode.tokenMissing });
    // A credential in the old place (`token`) is not read: the handshake says what it expects.
    expect(await connectRefusal(server.origin, { ...julian, token: "x" })).toMatchObject({
      code: ErrorCode.badPayload,
    });

    const real = passAuth(server, "julian", "patient").pass;
    const [body, mac] = real.split(".");
    const claims = JSON.parse(Buffer.from(body!, "base64url").toString());
    const promoted = Buffer.from(JSON.stringify({ ...claims, role: "clinician" })).toString("base64url");
    const forged = await connectRefusal(server.origin, { ...julian, pass: `${promoted}.${mac}` });
    expect(forged).toMatchObject({ code: ErrorCode.tokenInvalid });
    expect(forged!.message).toMatch(/signature/);
    const otherKey = signInvite(Buffer.alloc(32, 7), claims);
    expect(await connectRefusal(server.origin, { ...julian, pass: otherKey })).toMatchObject({
      code: ErrorCode.tokenInvalid,
    });

    const expired = passAuth(server, "julian", "patient", -5);
    const refusedExpired = await connectRefusal(server.origin, expired);
    expect(refusedExpired).toMatchObject({ code: ErrorCode.tokenExpired });
    expect(refusedExpired!.message).toMatch(/expired/);

    // Signed by the server, but naming another appointment's room: a patient only ever joins their own.
    const wrongRoom = signInvite(server.secret, { ...claims, roomId: "room-flower" });
    expect(await connectRefusal(server.origin, { ...julian, pass: wrongRoom })).toMatchObject({
      code: ErrorCode.forbidden,
    });
    const otherPatient = signInvite(server.secret, { ...claims, personId: "flower" });
    expect(await connectRefusal(server.origin, { ...julian, pass: otherPatient })).toMatchObject({
      code: ErrorCode.forbidden,
    });
    // A good pass for Julian's room does not open Flower's.
    expect(
      await connectRefusal(server.origin, { ...julian, appointmentId: "flower", pass: real }),
    ).toMatchObject({
      code: ErrorCode.forbidden,
    });
  });

  it("takes role, person and room from the pass", async () => {
    const julian = await TestClient.joinAsync(server, "julian", "patient");
    const me = julian.view!.members.find((m) => m.memberId === julian.memberId)!;
    expect(me).toMatchObject({ personId: "julian", role: "patient", displayName: "Julian" });
    expect(julian.view!.appointment.roomId).toBe("room-julian");
    julian.close();
    await waitFor(
      () =>
        !server.sessions
          .forAppointment("julian")
          .room.people()
          .some((m) => m.personId === "julian"),
      "leave",
    );
  });
});

describe("room", () => {
  it("fans poses out to the others, and a late joiner sees the room as it is", async () => {
    const ray = await TestClient.joinAsync(server, "flower", "clinician");
    const flower = await TestClient.joinAsync(server, "flower", "patient");
    await waitFor(() => ray.view!.members.some((m) => m.personId === "flower"), "flower visible to ray");
    flower.socket.emit(Ev.pose, encodePose(headAt(0.25)));
    const slot = flower.view!.members.find((m) => m.memberId === flower.memberId)!.slot;
    await waitFor(
      () =>
        ray.poseBatches.some((b) =>
          decodeBatch(b).poses.some((p) => p.slot === slot && p.pose.head.p.x === 0.25),
        ),
      "flower's pose at ray",
    );
    const started = await ray.command(Ev.procedureCommand, { command: "start" });
    expect(started.ok).toBe(true);

    const noah = await TestClient.joinAsync(server, "flower", "assistant");
    expect(noah.view!.members.map((m) => m.personId).sort()).toEqual(["dr-ray", "flower", "noah", "otto"]);
    expect(noah.view!.procedure?.status).toBe("running");
    await waitFor(
      () =>
        noah.poseBatches.some((b) =>
          decodeBatch(b).poses.some((p) => p.slot === slot && p.pose.head.p.x === 0.25),
        ),
      "late joiner gets the current pose",
    );
    await waitFor(
      () => ray.view!.seq === server.sessions.forAppointment("flower").room.lastSeq,
      "ray in step",
    );
    expect(ray.view!.members.length).toBe(4);
    await ray.command(Ev.procedureCommand, { command: "abort" });
    for (const c of [ray, flower, noah]) c.close();
  });

  it("resumes a dropped participant as the same member, with no ghost, and shows a leave quickly", async () => {
    const ray = await TestClient.joinAsync(server, "julian", "clinician");
    const julian = await TestClient.joinAsync(server, "julian", "patient");
    const memberId = julian.memberId;
    // Cut the transport without a goodbye, as a Wi-Fi drop would.
    julian.socket.io.engine.close();
    await waitFor(
      () => ray.view!.members.find((m) => m.memberId === memberId)?.connection === "reconnecting",
      "ray sees julian reconnecting",
    );
    await waitFor(() => julian.socket.connected && julian.view?.you === memberId, "julian back", 8_000);
    await waitFor(
      () => ray.view!.members.find((m) => m.memberId === memberId)?.connection === "connected",
      "connected again",
    );
    expect(ray.view!.members.filter((m) => m.personId === "julian")).toHaveLength(1);

    const before = Date.now();
    julian.close();
    await waitFor(() => !ray.view!.members.some((m) => m.memberId === memberId), "ray sees julian leave");
    expect(Date.now() - before).toBeLessThan(2_000);
    ray.close();
  });

  it("answers malformed, unknown, oversized and too frequent messages with typed errors, and the room is unchanged", async () => {
    const ray = await TestClient.joinAsync(server, "julian", "clinician");
    const observer = await TestClient.joinAsync(server, "julian", "observer");
    const room = server.sessions.forAppointment("julian").room;
    const seqBefore = room.lastSeq;
    const before = JSON.stringify(room.snapshot("x").members);
    const procedureBefore = JSON.stringify(room.getProcedure());

    expect(await observer.command(Ev.procedureCommand, { command: "launch" })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await observer.command(Ev.procedureCommand, { command: "start", extra: 1 })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await observer.command(Ev.checkinSubmit, { score: 11 })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await observer.command(Ev.checkinSubmit, "7")).toMatchObject({
      ok: false,
      error: { code: ErrorCode.badPayload },
    });
    expect(await observer.command("drill:speed", { rpm: 1e9 })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.unknownEvent },
    });
    expect(
      await observer.command(Ev.procedureCommand, { command: "stop", reason: "x".repeat(20_000) }),
    ).toMatchObject({
      ok: false,
      error: { code: ErrorCode.tooLarge },
    });
    expect(await observer.command(Ev.procedureCommand, { command: "start" })).toMatchObject({
      ok: false,
      error: { code: ErrorCode.forbidden },
    });
    observer.socket.emit(Ev.pose, new Uint8Array([1, 2, 3]));
    // biome-ignore lint/suspicious/noExplicitAny: an event name outside the protocol, on purpose
    (observer.socket as any).emit("no-such-event");
    await waitFor(() => observer.errors.length >= 2, "typed error events");
    expect(observer.errors.map((e) => e.code).sort()).toEqual([ErrorCode.badPayload, ErrorCode.unknownEvent]);

    // A flood of commands is rate-limited with a typed reply.
    const flood = await Promise.all(Array.from({ length: 46 }, () => observer.command(Ev.snapshot)));
    expect(flood.some((r) => !r.ok && r.error.code === ErrorCode.rateLimited)).toBe(true);

    expect(room.lastSeq).toBe(seqBefore);
    expect(JSON.stringify(room.snapshot("x").members)).toBe(before);
    expect(JSON.stringify(room.getProcedure())).toBe(procedureBefore);
    expect(ray.socket.connected).toBe(true);
    ray.close();
    observer.close();
  });

  it("disconnects a repeat offender with a reason", async () => {
    const observer = await TestClient.joinAsync(server, "flower", "observer");
    let reason = "";
    observer.socket.on("disconnect", (r) => {
      reason = r;
    });
    // biome-ignore lint/suspicious/noExplicitAny: events outside the protocol, on purpose
    for (let i = 0; i < 30; i++) (observer.socket as any).emit("garbage", i);
    await waitFor(() => !observer.socket.connected, "offender disconnected");
    expect(reason).toBe("io server disconnect");
    expect(observer.errors.some((e) => e.event === "repeat_offender")).toBe(true);
    observer.close();
  });
});
