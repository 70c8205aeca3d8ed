/**
 * Socket.IO adapter for support groups, on the `/group` namespace: the handshake admits the host
 * by their staff cookie (the group's own host, `groups.host`) or a participant by an invitation and
 * a chosen name; commands are parsed at the edge, rate-limited per person and handed to the pure
 * GroupRoom; every change sends each member the circle's view. Poses travel as in the treatment
 * room (the 31-byte pose, batched on a tick) and voice on the same VoiceLines as the treatment
 * room. This namespace carries no clinical event at all: none exists in a group.
 */
import type { Namespace, Socket } from "socket.io";
import { StaffAction, staffMay } from "../../shared/access.ts";
import { encodeBatch } from "../../shared/poseCodec.ts";
import { ErrorCode, Ev, type ProtocolError, RATES } from "../../shared/protocol.ts";
import { describeIssue } from "../../shared/schemas.ts";
import {
  type GroupClientToServerEvents,
  GroupCloseReason,
  type GroupCommand,
  GroupEv,
  type GroupServerToClientEvents,
  groupAuthSchema,
  groupPayloadSchemas,
} from "../../shared/supportGroup.ts";
import type { IceServer } from "../../shared/voice.ts";
import type { Authenticator } from "../auth/identity.ts";
import { ackOf, describeError, guard } from "../handlerGuard.ts";
import { checkProtocolVersion, refusal } from "../handshake.ts";
import { createLogger } from "../log.ts";
import { TokenBucket } from "../rateLimit.ts";
import { VOICE_EVENTS, VoiceLines } from "../voice/voiceLine.ts";
import { VoiceSwitchboard } from "../voice/voiceSwitchboard.ts";
import { INVITE_REFUSAL } from "./groupInvites.ts";
import type { GroupRegistry } from "./groupRegistry.ts";
import type { GroupRoom } from "./groupRoom.ts";

const log = createLogger("group-gateway");

export const GROUP_NAMESPACE = "/group";

type Admitted =
  | { host: true; staffId: string; name: string; credentialId: string }
  | { host: false; inviteId: string; name: string; credentialId: null };

interface GroupSocketData {
  groupId: string;
  who: Admitted;
  memberId: string;
}

type GroupSocket = Socket<
  GroupClientToServerEvents,
  GroupServerToClientEvents,
  Record<string, never>,
  GroupSocketData
>;
export type GroupNamespace = Namespace<
  GroupClientToServerEvents,
  GroupServerToClientEvents,
  Record<string, never>,
  GroupSocketData
>;

export interface GroupGatewayDeps {
  groups: GroupRegistry;
  authenticator: Authenticator;
  iceServers: IceServer[];
  now: () => number;
  poseTickHz: number;
}

const COMMANDS = Object.keys(groupPayloadSchemas) as GroupCommand[];
const KNOWN = new Set<string>([...COMMANDS, ...VOICE_EVENTS, Ev.pose]);

/** Commands per person: people act at human rates. */
const COMMAND_RATE = { perSecond: 5, burst: 20 } as const;
const POSE_RATE = { perSecond: RATES.poseSendHz * 1.5, burst: RATES.poseSendHz * 2 } as const;

export interface GroupGateway {
  stop(): void;
}

export function attachGroupGateway(nsp: GroupNamespace, deps: GroupGatewayDeps): GroupGateway {
  const lines = new VoiceLines(new VoiceSwitchboard(), deps.iceServers, deps.now);
  const live = new Map<string, GroupSocket>();

  nsp.use((socket, next) => {
    const admitAsync = async () => {
      const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
      const versionError = checkProtocolVersion(auth.protocolVersion);
      if (versionError) return next(versionError);
      const parsed = groupAuthSchema.safeParse(auth);
      if (!parsed.success)
        return next(refusal(ErrorCode.badPayload, `Handshake: ${describeIssue(parsed.error)}`));
      const { groupId, invite, name } = parsed.data;
      const group = deps.groups.get(groupId);
      if (!group) return next(refusal(ErrorCode.notFound, "There is no such group (it may have ended)."));
      let who: Admitted;
      if (invite !== undefined) {
        const checked = deps.groups.invites.check(invite, groupId);
        if (!checked.ok) return next(refusal(ErrorCode.forbidden, INVITE_REFUSAL[checked.reason]));
        if (name === undefined)
          return next(refusal(ErrorCode.badPayload, "Choose the name the group will call you."));
        who = { host: false, inviteId: checked.inviteId, name, credentialId: null };
      } else {
        const identities = await deps.authenticator.identify({
          cookieHeader: socket.handshake.headers.cookie,
        });
        const staff = identities.find(
          (i) =>
            i.kind === "staff" &&
            staffMay(i.role, StaffAction.groupsHost) &&
            i.staffId === group.plan.hostStaffId,
        );
        if (!staff || staff.kind !== "staff") {
          return next(
            refusal(ErrorCode.forbidden, "Open the invitation link the clinic sent you to join this group."),
          );
        }
        who = {
          host: true,
          staffId: staff.staffId,
          name: group.plan.hostName,
          credentialId: staff.credentialId,
        };
      }
      const fits = group.admits(
        who.host ? { host: true, staffId: who.staffId } : { host: false, inviteId: who.inviteId },
      );
      if (fits !== null) return next(refusal(ErrorCode.forbidden, fits));
      socket.data = { groupId, who, memberId: "" };
      next();
    };
    admitAsync().catch((error: unknown) => {
      log.error("group handshake threw", { error: describeError(error) });
      next(refusal(ErrorCode.internalError, "The server could not admit this connection."));
    });
  });

  deps.authenticator.onRevoked((ids) => {
    const ended = new Set(ids);
    for (const socket of nsp.sockets.values()) {
      if (socket.data.who?.credentialId && ended.has(socket.data.who.credentialId)) socket.disconnect(true);
    }
  });

  const broadcast = (group: GroupRoom) => {
    for (const member of group.room.people()) {
      live
        .get(`${group.plan.groupId}|${member.memberId}`)
        ?.emit(GroupEv.view, group.viewFor(member.memberId));
    }
  };

  const close = (groupId: string, memberId: string, reason: GroupCloseReason, message: string) => {
    const socket = live.get(`${groupId}|${memberId}`);
    if (!socket) return;
    live.delete(`${groupId}|${memberId}`);
    lines.close(socket, groupId, memberId);
    socket.emit(GroupEv.closed, { reason, message });
    socket.disconnect(true);
  };

  nsp.on(
    "connection",
    guard(
      "group connection",
      (socket: GroupSocket) => onConnection(socket),
      (_error, [socket]) => socket.disconnect(true),
    ),
  );

  function onConnection(socket: GroupSocket): void {
    const { groupId, who } = socket.data;
    const group = deps.groups.get(groupId);
    if (!group) return void socket.disconnect(true);
    const joined = group.join(
      who.host ? { host: true, staffId: who.staffId } : { host: false, inviteId: who.inviteId },
      who.name,
    );
    if (!joined.ok) {
      socket.emit(Ev.protocolError, {
        code: ErrorCode.forbidden,
        message:
          joined.reason === "locked" ? "The group is closed to newcomers for now." : "The circle is full.",
        event: "connect",
      });
      return void socket.disconnect(true);
    }
    const memberId = joined.memberId;
    socket.data.memberId = memberId;
    const key = `${groupId}|${memberId}`;
    const older = live.get(key);
    live.set(key, socket);
    if (older && older.id !== socket.id) {
      older.emit(GroupEv.closed, {
        reason: GroupCloseReason.replaced,
        message: "You joined from another window.",
      });
      older.disconnect(true);
    }
    void socket.join(groupId);
    lines.open(socket, groupId, memberId, who.name, false);
    if (group.isMutedByHost(memberId)) lines.board.setMutedByHost(groupId, memberId, true);
    broadcast(group);
    const poses = group.room.allPoses();
    if (poses.length) socket.emit(Ev.poses, encodeBatch(deps.now(), group.version, poses));
    log.info("group member connected", {
      group: groupId,
      memberId,
      host: who.host,
      rejoined: joined.rejoined,
    });

    const commands = new TokenBucket(COMMAND_RATE.perSecond, COMMAND_RATE.burst, deps.now);
    const poseBucket = new TokenBucket(POSE_RATE.perSecond, POSE_RATE.burst, deps.now);
    const error = (event: string, e: ProtocolError, args: readonly unknown[]) => {
      const ack = ackOf(args);
      if (ack) ack({ ok: false, error: e });
      else socket.emit(Ev.protocolError, { ...e, event: event.slice(0, 64) });
    };

    socket.onAny(
      guard(
        "group any",
        (event: unknown, ...args: unknown[]) => {
          const name = String(event);
          if (KNOWN.has(name)) return;
          // A treatment room's event (a procedure command, an alarm ack...) means nothing here.
          error(
            name,
            { code: ErrorCode.unknownEvent, message: `Unknown event "${name.slice(0, 40)}".` },
            args,
          );
        },
        () => undefined,
      ),
    );

    const on = (event: string, handler: (...args: unknown[]) => void) =>
      // biome-ignore lint/suspicious/noExplicitAny: each handler narrows its arguments from unknown itself
      (socket as any).on(
        event,
        guard(event, handler, (_e, args: unknown[]) =>
          error(
            event,
            {
              code: ErrorCode.internalError,
              message: "The server could not handle this; nothing was changed.",
            },
            args,
          ),
        ),
      );

    on(Ev.pose, (bytes) => {
      if (!poseBucket.take()) return;
      group.room.setPose(memberId, bytes);
    });

    for (const command of COMMANDS) {
      on(command, (...args) => {
        const ack = ackOf(args);
        if (!commands.take())
          return error(
            command,
            { code: ErrorCode.rateLimited, message: "Too many requests: slow down." },
            args,
          );
        const parsed = groupPayloadSchemas[command].safeParse(args[0]);
        if (!parsed.success)
          return error(command, { code: ErrorCode.badPayload, message: describeIssue(parsed.error) }, args);
        const target =
          command === GroupEv.mute || command === GroupEv.remove
            ? (parsed.data as { memberId: string }).memberId
            : null;
        const invite = target ? group.inviteOf(target) : null;
        const { result, effects } = group.handle(memberId, command, parsed.data);
        if (!result.ok) return error(command, { code: ErrorCode.forbidden, message: result.message }, args);
        if (command === GroupEv.mute && target) {
          lines.board.setMutedByHost(groupId, target, (parsed.data as unknown as { muted: boolean }).muted);
          lines.announce(groupId);
        }
        if (effects.removed) {
          // The same link no longer opens the door: coming back needs a new invitation.
          if (invite) deps.groups.invites.withdraw(invite);
          lines.board.setMutedByHost(groupId, effects.removed, false);
          close(
            groupId,
            effects.removed,
            GroupCloseReason.removed,
            "The host asked you to leave this session.",
          );
        }
        ack?.({ ok: true, value: group.viewFor(memberId) });
        broadcast(group);
        if (effects.ended) {
          for (const m of group.room.people()) {
            close(
              groupId,
              m.memberId,
              GroupCloseReason.ended,
              "The session has ended. Thank you for coming.",
            );
          }
          deps.groups.end(groupId);
        }
      });
    }

    socket.on("disconnect", (reason) => {
      if (live.get(key) !== socket) return;
      live.delete(key);
      lines.close(socket, groupId, memberId);
      if (reason === "client namespace disconnect") group.leave(memberId);
      else group.drop(memberId);
      broadcast(group);
    });
  }

  // Poses as in the treatment room: changed ones on each tick, every one on a keyframe.
  let tick = 0;
  const timer = setInterval(() => {
    tick += 1;
    const keyframe = tick % Math.max(1, Math.round(deps.poseTickHz)) === 0;
    for (const group of deps.groups.all()) {
      if (group.room.people().length === 0) continue;
      for (const id of group.room.expireDropped())
        log.info("group member did not come back", { memberId: id });
      const poses = group.room.takePoseBatch(keyframe);
      if (poses.length)
        nsp.to(group.plan.groupId).volatile.emit(Ev.poses, encodeBatch(deps.now(), group.version, poses));
    }
  }, 1000 / deps.poseTickHz);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
