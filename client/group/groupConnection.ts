/**
 * The group page's link: the `/group` namespace with an invitation and a chosen name (or, for the
 * host, the staff cookie), the circle's view as the server sends it, and the commands over acks.
 */
import { io, type Socket } from "socket.io-client";
import { type ConnectRefusal, PROTOCOL_VERSION, type Result } from "../../shared/protocol.ts";
import {
  type GroupClientToServerEvents,
  GroupEv,
  type GroupServerToClientEvents,
  type GroupView,
} from "../../shared/supportGroup.ts";

export interface GroupListener {
  onView(view: GroupView): void;
  onClosed(message: string): void;
  onRefused(message: string): void;
  /** The link went down without the server saying why (the client reconnects by itself). */
  onDropped(reason: string): void;
}

export type GroupSocket = Socket<GroupServerToClientEvents, GroupClientToServerEvents>;

/** How the group page's socket connects: exported so the cluster test connects as the page does. */
export function groupSocketOptions(groupId: string, entry: { invite: string; name: string } | null) {
  return {
    auth: { protocolVersion: PROTOCOL_VERSION, groupId, ...(entry ?? {}) },
    transports: ["websocket"],
    // A circle's live state (who sits in it, hands, the board, the topic) lives on the node its
    // people are connected to. HAProxy hashes on `room` (deploy/haproxy.cfg), so one group's
    // people all reach the same node, and all move to the same next one if it is lost.
    query: { room: groupId },
  };
}

export function connectGroup(
  groupId: string,
  entry: { invite: string; name: string } | null,
  listener: GroupListener,
): GroupSocket {
  const socket: GroupSocket = io("/group", groupSocketOptions(groupId, entry));
  socket.on(GroupEv.view, (v) => listener.onView(v));
  socket.on(GroupEv.closed, (c) => {
    listener.onClosed(c.message);
    socket.disconnect();
  });
  socket.on("disconnect", (reason) => {
    if (reason !== "io client disconnect" && reason !== "io server disconnect") listener.onDropped(reason);
  });
  socket.on("connect_error", (err) => {
    const data = (err as Error & { data?: ConnectRefusal }).data;
    if (data) {
      listener.onRefused(data.message);
      socket.disconnect();
    }
  });
  return socket;
}

/** Sends one group command and waits for its answer. */
export async function sendAsync<E extends keyof GroupClientToServerEvents & string>(
  socket: GroupSocket,
  event: E,
  payload: unknown,
): Promise<Result<GroupView>> {
  const timed = socket.timeout(8_000) as unknown as {
    emitWithAck(event: E, payload: unknown): Promise<Result<GroupView>>;
  };
  try {
    return await timed.emitWithAck(event, payload);
  } catch {
    return { ok: false, error: { code: "timeout", message: "No answer: check your connection." } };
  }
}
