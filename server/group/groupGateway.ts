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
import type { GroupEffects, GroupRoom } from "./groupRoom.ts";

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

/** What each page is told when the circle closes for it, once for every path that closes it. */
export const CLOSED_MESSAGE: Record<GroupCloseReason, string> = {
  [GroupCloseReason.removed]: "The host asked you to leave this session.",
  [GroupCloseReason.ended]: "The session has ended. Thank you for coming.",
  [GroupCloseReason.replaced]: "You joined from another window.",
  [GroupCloseReason.cancelled]:
    "The host cancelled this session. The clinic will let you know about the next one.",
  [GroupCloseReason.signedOut]: "Your sign-in ended: sign in again to host the circle.",
};

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
      if (!group) {
        // A page coming back after its link was down (its heartbeat missed under load) is told how
        // the session closed while it was away: the close itself could not reach it then.
        const closure = deps.groups.closureOf(groupId);
        return next(
          refusal(
            ErrorCode.notFound,
            closure ? CLOSED_MESSAGE[closure] : "There is no such group (it may have ended).",
          ),
        );
      }
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
        // Any staff member of the group's clinic who may host comes in host-capable: the planned
        // host, or a colleague the host can hand the circle over to (groupRoom.ts keeps one host).
        const staff = identities.find(
          (i) =>
            i.kind === "staff" &&
            staffMay(i.role, StaffAction.groupsHost) &&
            i.clinicId === group.plan.clinicId,
        );
        if (!staff || staff.kind !== "staff") {
          return next(
            refusal(ErrorCode.forbidden, "Open the invitation link the clinic sent you to join this group."),
          );
        }
        who = {
          host: true,
          staffId: staff.staffId,
          // The circle knows staff by first name, as the scheduling route names the planned host.
          name:
            staff.staffId === group.plan.hostStaffId
              ? group.plan.hostName
              : (staff.displayName.split(" ")[0] ?? staff.displayName),
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
    for (const socket of [...nsp.sockets.values()]) {
      const { who, groupId, memberId } = socket.data;
      if (!who?.credentialId || !ended.has(who.credentialId)) continue;
      // Told why first, like every other close (a silent cut would only show a refused comeback).
      if (memberId) close(groupId, memberId, GroupCloseReason.signedOut);
      else socket.disconnect(true);
    }
  });

  const broadcast = (group: GroupRoom) => {
    for (const member of group.room.people()) {
      live
        .get(`${group.plan.groupId}|${member.memberId}`)
        ?.emit(GroupEv.view, group.viewFor(member.memberId));
    }
  };

  /**
   * Closes one member's page: the reason is written before the close on the same connection, so it
   * arrives first. `disconnect(true)` ends the page's whole link (its `/group-lesson` socket rides
   * it and means nothing without the circle); the client does not reconnect after it.
   */
  const close = (groupId: string, memberId: string, reason: GroupCloseReason) => {
    const socket = live.get(`${groupId}|${memberId}`);
    if (!socket) return;
    live.delete(`${groupId}|${memberId}`);
    lines.close(socket, groupId, memberId);
    socket.emit(GroupEv.closed, { reason, message: CLOSED_MESSAGE[reason] });
    socket.disconnect(true);
  };

  /** The host is never held muted by a host: a new host's microphone is free (voice follows the view). */
  const hostSpeaks = (group: GroupRoom) => {
    const host = group.hostId();
    if (!host || !lines.board.isMutedByHost(group.plan.groupId, host)) return;
    lines.board.setMutedByHost(group.plan.groupId, host, false);
    lines.announce(group.plan.groupId);
  };

  /** Stores what a removal or an end changed (a removed link is refused in memory at once). */
  const storeAsync = async (groupId: string, effects: GroupEffects, invite: string | null): Promise<void> => {
    if (effects.removed && invite) await deps.groups.withdrawAsync(invite);
    if (effects.ended) await deps.groups.endAsync(groupId);
  };

  /** Lets the people a removal or an end concerns go, once it is stored. */
  const letGo = (groupId: string, group: GroupRoom, effects: GroupEffects) => {
    if (effects.removed) {
      lines.board.setMutedByHost(groupId, effects.removed, false);
      close(groupId, effects.removed, GroupCloseReason.removed);
    }
    if (effects.ended) {
      for (const m of group.room.people()) {
        close(groupId, m.memberId, GroupCloseReason.ended);
      }
    }
  };

  deps.groups.onCancelled((groupId) => {
    for (const [key, socket] of [...live]) {
      if (!key.startsWith(`${groupId}|`)) continue;
      close(groupId, socket.data.memberId, GroupCloseReason.cancelled);
    }
  });

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
    if (!group) {
      // It closed between the handshake and now: say how, as the handshake would have.
      const closure = deps.groups.closureOf(groupId) ?? GroupCloseReason.ended;
      socket.emit(GroupEv.closed, { reason: closure, message: CLOSED_MESSAGE[closure] });
      return void socket.disconnect(true);
    }
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
    keepTicking();
    const key = `${groupId}|${memberId}`;
    const older = live.get(key);
    live.set(key, socket);
    if (older && older.id !== socket.id) {
      older.emit(GroupEv.closed, {
        reason: GroupCloseReason.replaced,
        message: CLOSED_MESSAGE[GroupCloseReason.replaced],
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
        if (command === GroupEv.handOver) hostSpeaks(group);
        const answer = () => {
          ack?.({ ok: true, value: group.viewFor(memberId) });
          broadcast(group);
        };
        if (!effects.removed && !effects.ended) return answer();
        // A removal and an end are stored before anyone hears of them: a crash right after must
        // not open the door again for the removed link, nor lose (or invent) the kept notes.
        void storeAsync(groupId, effects, invite)
          .catch((e: unknown) => {
            log.error("group change not stored", { group: groupId, error: describeError(e) });
          })
          .finally(() => {
            answer();
            letGo(groupId, group, effects);
          });
      });
    }

    socket.on("disconnect", (reason) => {
      if (live.get(key) !== socket) return;
      live.delete(key);
      lines.close(socket, groupId, memberId);
      log.info("group member disconnected", { group: groupId, memberId, reason });
      if (reason === "client namespace disconnect") group.leave(memberId);
      else group.drop(memberId);
      broadcast(group);
    });
  }

  // Poses as in the treatment room: changed ones on each tick, every one on a keyframe. The tick
  // runs only while a group has people: an idle server has nothing to do 72 times a second.
  let tick = 0;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  function keepTicking(): void {
    if (timer || stopped) return;
    timer = setInterval(tickGroups, 1000 / deps.poseTickHz);
    timer.unref();
  }
  function stopTicking(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }
  function tickGroups(): void {
    tick += 1;
    const keyframe = tick % Math.max(1, Math.round(deps.poseTickHz)) === 0;
    let anyone = false;
    for (const group of deps.groups.all()) {
      if (group.room.people().length === 0) continue;
      anyone = true;
      const version = group.version;
      const host = group.hostId();
      for (const id of group.tick()) log.info("group member did not come back", { memberId: id });
      if (group.hostId() !== host) {
        log.info("group host handed on", { group: group.plan.groupId, from: host, to: group.hostId() });
        hostSpeaks(group);
      }
      if (group.version !== version) broadcast(group);
      const poses = group.room.takePoseBatch(keyframe);
      if (poses.length)
        nsp.to(group.plan.groupId).volatile.emit(Ev.poses, encodeBatch(deps.now(), group.version, poses));
    }
    if (!anyone) stopTicking();
  }
  return {
    stop: () => {
      stopped = true;
      stopTicking();
    },
  };
}
