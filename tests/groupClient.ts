/**
 * A support-group connection as the integration tests hold it: the socket, the circle's latest
 * view, how the server closed it, and its handshake refusal. The socket never reconnects by itself.
 */
import { io, type Socket } from "socket.io-client";
import { PROTOCOL_VERSION } from "../shared/protocol.ts";
import { GroupEv, type GroupView } from "../shared/supportGroup.ts";
import { waitFor } from "./harness.ts";

export interface GroupClient {
  socket: Socket;
  view(): GroupView | null;
  closed(): { reason: string; message: string } | null;
  refusal: string | null;
}

const open: Socket[] = [];

/**
 * Joins a group on `origin` and resolves once it has a view or a refusal. `auth` is the group
 * handshake less its protocol version; `cookie` a staff session (the host); `query` the routing
 * hint the group page adds (client/group/groupConnection.ts).
 */
export async function joinGroupAsync(
  origin: string,
  auth: Record<string, unknown>,
  more: { cookie?: string; query?: Record<string, string> } = {},
): Promise<GroupClient> {
  const socket = io(`${origin}/group`, {
    auth: { protocolVersion: PROTOCOL_VERSION, ...auth },
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    ...(more.query ? { query: more.query } : {}),
    ...(more.cookie ? { extraHeaders: { cookie: more.cookie } } : {}),
  });
  open.push(socket);
  let view: GroupView | null = null;
  let closed: { reason: string; message: string } | null = null;
  let refusal: string | null = null;
  socket.on(GroupEv.view, (v: GroupView) => {
    view = v;
  });
  socket.on(GroupEv.closed, (c: { reason: string; message: string }) => {
    closed = c;
  });
  socket.on("connect_error", (err) => {
    refusal = (err as Error & { data?: { message: string } }).data?.message ?? err.message;
  });
  await waitFor(() => view !== null || refusal !== null, "joined or refused", 15_000);
  return { socket, view: () => view, closed: () => closed, refusal };
}

/** Closes every group connection the tests of this file opened. */
export function closeGroupClients(): void {
  for (const socket of open.splice(0)) socket.close();
}
