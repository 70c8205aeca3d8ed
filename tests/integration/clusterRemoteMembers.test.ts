/**
 * A connection served on a node that does not own its room (server/cluster/remoteMembers.ts), on
 * real parts: a throw-away Redis, two real node buses, the node's real lease reader, a real
 * Socket.IO server and client. The test plays the owning node on the other bus (answering joins and
 * commands as the owner would) so each thing the remote side must do can be seen on its own: the
 * join and its welcome, checks at the edge before anything is forwarded, poses as notes, commands
 * with their answer, the departure, and the cut when the room's owner changes or says it is not
 * the owner any more.
 */
import { createServer, type Server as HttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";
import { type Socket as ClientSocket, io as connect } from "socket.io-client";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BusKind, NOT_OWNER } from "../../server/cluster/busMessages.ts";
import type { ClusterSocket } from "../../server/cluster/clusterNode.ts";
import { leaseTiming } from "../../server/cluster/leaseTiming.ts";
import { NodeBus } from "../../server/cluster/nodeBus.ts";
import { openRedisLink, type RedisLink } from "../../server/cluster/redisLink.ts";
import { RemoteMembers } from "../../server/cluster/remoteMembers.ts";
import { leaseKey, RoomLeases } from "../../server/cluster/roomLeases.ts";
import { DEFAULT_LIMITS, Limits } from "../../server/limits.ts";
import { setLogLevel } from "../../server/log.ts";
import { encodePose } from "../../shared/poseCodec.ts";
import { ErrorCode, Ev } from "../../shared/protocol.ts";
import { waitFor } from "../harness.ts";
import { type RedisService, startRedis } from "../services/redis.ts";

const ROOM = "room-julian";
let redis: RedisService;
let ownerLink: RedisLink;
let nodeLink: RedisLink;
let owner: NodeBus;
let nodeBus: NodeBus;

/** What the owner (node "a") received, by kind. */
const received: Record<string, Record<string, unknown>[]> = {};
let http: HttpServer;
let io: Server;
let remote: RemoteMembers;
const clients: ClientSocket[] = [];

beforeAll(async () => {
  setLogLevel("error");
  redis = await startRedis();
  [ownerLink, nodeLink] = await Promise.all([openRedisLink(redis.url, "a"), openRedisLink(redis.url, "b")]);
  owner = new NodeBus(ownerLink.commands, ownerLink.subscriber, "a");
  nodeBus = new NodeBus(nodeLink.commands, nodeLink.subscriber, "b");
  await Promise.all([owner.start(), nodeBus.start()]);
  const keep = (kind: string) => (body: unknown) => {
    const list = received[kind] ?? [];
    list.push(body as Record<string, unknown>);
    received[kind] = list;
  };
  owner.handle(BusKind.join, (body) => {
    keep(BusKind.join)(body);
    // The owner sends the welcome to the member's connection itself, after its answer: through the
    // Redis stream in production (server/cluster/clusterNode.ts), to this node's Socket.IO server here.
    const { socketId } = body as { socketId: string };
    setImmediate(() => io.to(socketId).emit(Ev.welcome, { seq: 42, from: "the owner" } as never));
    return { ok: true, memberId: "m-julian", rejoined: false, resumed: false };
  });
  owner.handle(BusKind.pose, keep(BusKind.pose));
  owner.handle(BusKind.depart, keep(BusKind.depart));
  owner.handle(BusKind.command, (body) => {
    keep(BusKind.command)(body);
    return { ok: true, value: { applied: (body as { event: string }).event } };
  });
  // This owner has lost the room by the time a snapshot is asked for.
  owner.handle(BusKind.snapshot, () => NOT_OWNER);
}, 30_000);

afterAll(async () => {
  owner?.close();
  nodeBus?.close();
  await ownerLink?.close();
  await nodeLink?.close();
  await redis?.stop();
});

beforeEach(async () => {
  for (const key of Object.keys(received)) delete received[key];
  await nodeLink.commands.set(leaseKey(ROOM), "a|1");
  const leases = new RoomLeases({
    redis: nodeLink.commands,
    nodeId: "b",
    timing: leaseTiming(3000),
    clock: () => performance.now(),
    onLost: () => undefined,
  });
  remote = new RemoteMembers({
    bus: nodeBus,
    leases,
    limits: new Limits(DEFAULT_LIMITS, Date.now),
    now: Date.now,
    nodeId: "b",
  });
  remote.start();
  http = createServer();
  io = new Server(http, { transports: ["websocket"] });
  io.use((socket, next) => {
    socket.data = {
      seat: {
        appointmentId: "julian",
        roomId: ROOM,
        personId: "julian",
        role: "patient",
        displayName: null,
        credentialId: "pass-1",
        credentialKind: "demo",
      },
      displayName: "Julian",
      memberId: "",
    };
    remote.expect(socket as unknown as ClusterSocket, { nodeId: "a", fence: 1 });
    next();
  });
  io.on("connection", (socket) => {
    if (!remote.adopt(socket as unknown as ClusterSocket)) socket.disconnect(true);
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  // Each departure reaches the owner before the next test starts counting.
  await waitFor(() => io.sockets.sockets.size === 0, "sockets closed on the server");
  await flushBus();
  remote.stop();
  await io.close();
});

/** A request travels the same channel as notes sent before it: once answered, they have arrived. */
async function flushBus(): Promise<void> {
  await nodeBus.request("a", BusKind.command, { event: "flush" }, 2000);
  received[BusKind.command]?.pop();
}

/** A client that has been welcomed with the owner's snapshot. */
async function welcomed(): Promise<{ client: ClientSocket; welcome: unknown; errors: unknown[] }> {
  const port = (http.address() as AddressInfo).port;
  const client = connect(`http://127.0.0.1:${port}`, { transports: ["websocket"], reconnection: false });
  clients.push(client);
  const errors: unknown[] = [];
  client.on(Ev.protocolError, (e: unknown) => errors.push(e));
  const welcome = await new Promise((resolve) => client.once(Ev.welcome, resolve));
  return { client, welcome, errors };
}

describe("a remote member (its room is owned by another node)", () => {
  it("joins through the owner, under the owner's fencing number, and gets the owner's snapshot", async () => {
    const { client, welcome } = await welcomed();
    expect(welcome).toEqual({ seq: 42, from: "the owner" });
    expect(received[BusKind.join]).toEqual([
      {
        appointmentId: "julian",
        fence: 1,
        personId: "julian",
        displayName: "Julian",
        role: "patient",
        socketId: client.id,
        recoveredAs: null,
      },
    ]);
    // The welcome may arrive before the answer: the join counts once the answer is back.
    await waitFor(() => remote.stats.joins === 1, "the join answered");
  });

  it("forwards a valid command with the member's seat and brings the owner's answer back", async () => {
    const { client } = await welcomed();
    const answer = await client.emitWithAck(Ev.procedureCommand, { command: "stop" });
    expect(answer).toEqual({ ok: true, value: { applied: Ev.procedureCommand } });
    expect(received[BusKind.command]).toEqual([
      {
        appointmentId: "julian",
        fence: 1,
        memberId: "m-julian",
        personId: "julian",
        role: "patient",
        event: Ev.procedureCommand,
        payload: { command: "stop" },
      },
    ]);
  });

  it("answers a bad payload or an unknown event itself, and forwards nothing", async () => {
    const { client, errors } = await welcomed();
    const bad = await client.emitWithAck(Ev.procedureCommand, { command: "explode" });
    expect(bad).toMatchObject({ ok: false, error: { code: ErrorCode.badPayload } });
    client.emit("room:take-over", {});
    await waitFor(() => errors.length === 1, "unknown event answered");
    expect(errors[0]).toMatchObject({ code: ErrorCode.unknownEvent });
    expect(received[BusKind.command]).toBeUndefined();
  });

  it("sends poses to the owner as notes, byte for byte, as bytes or as the browser's base64 text, and refuses an oversized one", async () => {
    const { client, errors } = await welcomed();
    const pose = encodePose({
      head: { p: { x: 0.5, y: 1.2, z: 0 }, q: { x: 0, y: 0, z: 0, w: 1 } },
      left: null,
      right: null,
    });
    client.emit(Ev.pose, pose);
    await waitFor(() => (received[BusKind.pose]?.length ?? 0) === 1, "pose at the owner");
    expect(received[BusKind.pose]![0]).toEqual({
      appointmentId: "julian",
      fence: 1,
      memberId: "m-julian",
      pose: Buffer.from(pose).toString("base64"),
    });
    // The browser's form: the same 31 bytes as base64 text reach the owner as the same note.
    client.emit(Ev.pose, Buffer.from(pose).toString("base64"));
    await waitFor(() => (received[BusKind.pose]?.length ?? 0) === 2, "the text pose at the owner");
    expect(received[BusKind.pose]![1]).toEqual(received[BusKind.pose]![0]);
    client.emit(Ev.pose, new Uint8Array(200));
    await waitFor(() => errors.length === 1, "oversized pose answered");
    expect(errors[0]).toMatchObject({ code: ErrorCode.badPayload });
    expect(received[BusKind.pose]).toHaveLength(2);
  });

  it("tells the owner when the member leaves", async () => {
    const { client } = await welcomed();
    client.disconnect();
    await waitFor(() => (received[BusKind.depart]?.length ?? 0) === 1, "departure at the owner");
    expect(received[BusKind.depart]![0]).toMatchObject({
      memberId: "m-julian",
      how: "leave",
      reason: "left",
    });
  });

  it("cuts the connection, without a departure, when the room's lease moves to another node", async () => {
    const { client } = await welcomed();
    const closed = new Promise<string>((resolve) => client.once("disconnect", resolve));
    await nodeLink.commands.set(leaseKey(ROOM), "c|2");
    // A transport close, not a server disconnect: the client reconnects and finds the new owner.
    expect(await closed).toBe("transport close");
    expect(remote.stats.cut).toBe(1);
    // The departure would be announced in the new owner's room: it must not be. A request sent
    // after the server closed the socket travels the same channel, so its answer comes after any note.
    await waitFor(() => io.sockets.sockets.size === 0, "socket closed on the server");
    await flushBus();
    expect(received[BusKind.depart]).toBeUndefined();
  });

  it("cuts the connection when the owner answers that it no longer owns the room", async () => {
    const { client } = await welcomed();
    const closed = new Promise<string>((resolve) => client.once("disconnect", resolve));
    const answer = await client.emitWithAck(Ev.snapshot);
    expect(answer).toMatchObject({ ok: false, error: { code: ErrorCode.storageFailed } });
    expect(await closed).toBe("transport close");
  });
});
