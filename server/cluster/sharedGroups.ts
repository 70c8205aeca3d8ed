/**
 * Support groups across nodes. Each node keeps the clinic's upcoming groups in memory
 * (server/group/groupRegistry.ts), read from the one database at start; without this file a
 * group scheduled on node A was unknown to node B until B restarted, and a cancellation or a
 * withdrawn invitation on A did not reach B's circle or door. Now:
 * - every group write a node stores is followed by a note to every other node, which reads its
 *   groups again (a cancelled group's people on that node are told, as on the node that cancelled);
 *   a withdrawn invitation is refused on every node at once;
 * - a node asked for a group it does not know looks it up in storage before refusing (a note can
 *   be lost: the bus delivers at most once), and it reads its groups again when its Redis link
 *   comes back (ClusterNode's catch-up).
 */
import type { Namespace } from "socket.io";
import { ErrorCode } from "../../shared/protocol.ts";
import { groupIdSchema } from "../../shared/supportGroup.ts";
import type { GroupRegistry, GroupStorage } from "../group/groupRegistry.ts";
import { describeError } from "../handlerGuard.ts";
import { refusal } from "../handshake.ts";
import { createLogger } from "../log.ts";
import { BusKind, groupChangedBody, inviteWithdrawnBody } from "./busMessages.ts";
import type { NodeBus } from "./nodeBus.ts";

const log = createLogger("cluster-groups");

/** The group namespace, as far as a handshake step needs it (any event map). */
export type GroupHandshakes = Pick<Namespace, "use">;

export function shareGroups(bus: NodeBus, groups: GroupRegistry, nsp: GroupHandshakes): void {
  groups.storeThrough((storage) => tellingOtherNodes(storage, bus));
  bus.handle(BusKind.groupChanged, (raw) => {
    const body = groupChangedBody.safeParse(raw);
    if (!body.success) return log.warn("unreadable group note from another node dropped");
    groups.resyncAsync().catch((error: unknown) => {
      log.warn("groups not read again after another node's change", { error: describeError(error) });
    });
  });
  bus.handle(BusKind.inviteWithdrawn, (raw) => {
    const body = inviteWithdrawnBody.safeParse(raw);
    if (!body.success) return log.warn("unreadable invitation note from another node dropped");
    groups.withdrawnElsewhere(body.data.inviteId);
  });
  // Runs before the group gateway's own handshake, which then finds the group in memory.
  nsp.use((socket, next) => {
    const groupId = groupIdSchema.safeParse((socket.handshake.auth as { groupId?: unknown })?.groupId);
    if (!groupId.success || groups.get(groupId.data)) return next();
    groups.findAsync(groupId.data).then(
      () => next(),
      (error: unknown) => {
        log.warn("could not look a group up in storage", { error: describeError(error) });
        next(
          refusal(ErrorCode.refusedForNow, "The group could not be looked up right now: trying again.", 1000),
        );
      },
    );
  });
}

/** Group storage whose every stored change is told to the other nodes once it is durable. */
function tellingOtherNodes(storage: GroupStorage, bus: NodeBus): GroupStorage {
  const changed = (groupId: string) => bus.broadcast(BusKind.groupChanged, { groupId });
  return {
    saveSupportGroup: async (group) => {
      await storage.saveSupportGroup(group);
      changed(group.groupId);
    },
    closeSupportGroup: async (groupId, status, at, notes) => {
      await storage.closeSupportGroup(groupId, status, at, notes);
      changed(groupId);
    },
    saveGroupInvite: async (invite) => {
      await storage.saveGroupInvite(invite);
      changed(invite.groupId);
    },
    withdrawGroupInvite: async (inviteId, at) => {
      await storage.withdrawGroupInvite(inviteId, at);
      bus.broadcast(BusKind.inviteWithdrawn, { inviteId });
    },
    supportGroups: (filter) => storage.supportGroups(filter),
    recentlyClosedGroups: (limit) => storage.recentlyClosedGroups(limit),
    groupInvites: (groupId) => storage.groupInvites(groupId),
    keptGroupNotes: (groupId) => storage.keptGroupNotes(groupId),
  };
}
