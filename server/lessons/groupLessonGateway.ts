/**
 * A lesson for the support group's circle over Socket.IO (issue 12), on `/group-lesson` beside
 * `/group`. It admits nobody by itself: the handshake names the page's own `/group` socket, and is
 * accepted only when that socket rides the very same connection (so a page can only ever speak as
 * the person the group gateway already admitted). Commands are parsed at the edge, rate-limited
 * per person, checked against the access table (GroupLessons), and every change sends each member
 * the lesson as they may see it. A patient invited by name has their own answers kept in their
 * record (`keepAnswers`); anyone else's live only while the session does.
 */
import type { Namespace, Socket } from "socket.io";
import {
  type GradedAnswer,
  type GroupLessonCommand,
  GroupLessonEv,
  type GroupLessonState,
  groupLessonAuthSchema,
  groupLessonPayloadSchemas,
  type Lesson,
} from "../../shared/lessons.ts";
import { ErrorCode, Ev, type ProtocolError, type Result } from "../../shared/protocol.ts";
import { describeIssue } from "../../shared/schemas.ts";
import { GroupRole } from "../../shared/supportGroup.ts";
import { ackOf, describeError, guard } from "../handlerGuard.ts";
import { checkProtocolVersion, refusal } from "../handshake.ts";
import { createLogger } from "../log.ts";
import { TokenBucket } from "../rateLimit.ts";
import { GroupLessons } from "./groupLesson.ts";

const log = createLogger("group-lesson");

/** The part of a `/group` socket this gateway reads: who the group gateway admitted, and its link. */
export interface GroupSide {
  conn: unknown;
  connected: boolean;
  data: { groupId?: string; memberId?: string; who?: { host: boolean; inviteId?: string } };
}

export interface GroupLessonSocketData {
  groupId: string;
  memberId: string;
  role: GroupRole;
  inviteId: string | null;
  groupSocketId: string;
}

type Ack = (result: Result<GroupLessonState>) => void;
export interface GroupLessonClientToServerEvents {
  [GroupLessonEv.lead]: (p: unknown, ack: Ack) => void;
  [GroupLessonEv.answer]: (p: unknown, ack: Ack) => void;
}
export interface GroupLessonServerToClientEvents {
  [GroupLessonEv.state]: (state: GroupLessonState) => void;
  [Ev.protocolError]: (e: ProtocolError & { event: string }) => void;
}
export type GroupLessonNamespace = Namespace<
  GroupLessonClientToServerEvents,
  GroupLessonServerToClientEvents,
  Record<string, never>,
  GroupLessonSocketData
>;
type LessonSocket = Socket<
  GroupLessonClientToServerEvents,
  GroupLessonServerToClientEvents,
  Record<string, never>,
  GroupLessonSocketData
>;

export interface GroupLessonDeps {
  /** The `/group` namespace's sockets, by id. */
  groupSockets: () => ReadonlyMap<string, GroupSide>;
  lessons: ReadonlyMap<string, Lesson>;
  now: () => number;
  /**
   * Keeps a participant's graded answers in their record when their invitation names a patient of
   * the clinic; resolves whether it did (false: a plain link, nothing is kept).
   */
  keepAnswers(
    groupId: string,
    inviteId: string,
    lesson: Lesson,
    answers: readonly GradedAnswer[],
  ): Promise<boolean>;
  /** The member's role in the circle now (the host can hand over); absent: the role at the handshake. */
  roleOf?(groupId: string, memberId: string): GroupRole | null;
}

/** Commands per person: the host clicks through steps, people answer at human rates. */
const RATE = { perSecond: 5, burst: 15 } as const;
const COMMANDS = Object.keys(groupLessonPayloadSchemas) as GroupLessonCommand[];

export function attachGroupLessonGateway(nsp: GroupLessonNamespace, deps: GroupLessonDeps): GroupLessons {
  const lessons = new GroupLessons(deps.lessons, deps.now);
  /** Members whose answers went to their record at least once, by `groupId|memberId`. */
  const kept = new Set<string>();

  nsp.use((socket, next) => {
    const auth = (socket.handshake.auth ?? {}) as Record<string, unknown>;
    const versionError = checkProtocolVersion(auth.protocolVersion);
    if (versionError) return next(versionError);
    const parsed = groupLessonAuthSchema.safeParse(auth);
    if (!parsed.success)
      return next(refusal(ErrorCode.badPayload, `Handshake: ${describeIssue(parsed.error)}`));
    const side = deps.groupSockets().get(parsed.data.groupSocketId);
    const who = side?.data.who;
    // Only the page that holds that group seat, on the same link, speaks for it.
    if (!side?.connected || side.conn !== socket.conn || !who || !side.data.groupId || !side.data.memberId)
      return next(refusal(ErrorCode.forbidden, "Join the circle first."));
    socket.data = {
      groupId: side.data.groupId,
      memberId: side.data.memberId,
      role: who.host ? GroupRole.host : GroupRole.participant,
      inviteId: who.inviteId ?? null,
      groupSocketId: parsed.data.groupSocketId,
    };
    next();
  });

  const stateFor = (s: LessonSocket) =>
    lessons.stateFor(s.data.groupId, s.data.memberId, kept.has(`${s.data.groupId}|${s.data.memberId}`));
  const broadcast = (groupId: string) => {
    for (const s of nsp.sockets.values())
      if (s.data.groupId === groupId) s.emit(GroupLessonEv.state, stateFor(s));
  };

  nsp.on(
    "connection",
    guard(
      "group lesson connection",
      (socket: LessonSocket) => {
        void socket.join(socket.data.groupId);
        socket.emit(GroupLessonEv.state, stateFor(socket));
        const bucket = new TokenBucket(RATE.perSecond, RATE.burst, deps.now);
        const fail = (event: string, e: ProtocolError, args: readonly unknown[]) => {
          const ack = ackOf(args);
          if (ack) ack({ ok: false, error: e });
          else socket.emit(Ev.protocolError, { ...e, event });
        };
        for (const command of COMMANDS) {
          socket.on(
            command,
            guard(
              command,
              (...args: unknown[]) => {
                const ack = ackOf(args) as Ack | undefined;
                if (!bucket.take())
                  return fail(
                    command,
                    { code: ErrorCode.rateLimited, message: "Too many requests: slow down." },
                    args,
                  );
                // The group seat must still be this page's: a removed or replaced member stops here.
                const side = deps.groupSockets().get(socket.data.groupSocketId);
                if (!side?.connected || side.data.memberId !== socket.data.memberId)
                  return fail(
                    command,
                    { code: ErrorCode.forbidden, message: "Join the circle first." },
                    args,
                  );
                const parsed = groupLessonPayloadSchemas[command].safeParse(args[0]);
                if (!parsed.success)
                  return fail(
                    command,
                    { code: ErrorCode.badPayload, message: describeIssue(parsed.error) },
                    args,
                  );
                const { groupId, memberId, inviteId } = socket.data;
                const role = deps.roleOf?.(groupId, memberId) ?? socket.data.role;
                const result = lessons.handle(groupId, memberId, role, command, parsed.data as never);
                if (!result.ok) {
                  const code =
                    result.code === "not_found"
                      ? ErrorCode.notFound
                      : result.code === "forbidden"
                        ? ErrorCode.forbidden
                        : ErrorCode.badPayload;
                  return fail(command, { code, message: result.message }, args);
                }
                if (command === GroupLessonEv.answer && result.graded && result.lesson && inviteId) {
                  const key = `${groupId}|${memberId}`;
                  const mine = lessons.stateFor(groupId, memberId, false).yourAnswers;
                  void deps
                    .keepAnswers(groupId, inviteId, result.lesson, mine)
                    .then((didKeep) => {
                      if (didKeep && !kept.has(key)) {
                        kept.add(key);
                        socket.emit(GroupLessonEv.state, stateFor(socket));
                      }
                    })
                    .catch((error: unknown) =>
                      log.error("lesson answers not kept", { error: describeError(error) }),
                    );
                }
                ack?.({ ok: true, value: stateFor(socket) });
                if (command === GroupLessonEv.lead) broadcast(groupId);
                else socket.emit(GroupLessonEv.state, stateFor(socket));
              },
              (_e, args) =>
                fail(
                  command,
                  {
                    code: ErrorCode.internalError,
                    message: "The server could not handle this; nothing was changed.",
                  },
                  args,
                ),
            ),
          );
        }
      },
      (_error, [socket]) => socket.disconnect(true),
    ),
  );
  return lessons;
}
