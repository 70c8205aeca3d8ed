/**
 * Who may send which procedure command: the role table, as data, in one place. The procedure
 * machine reads it; the client can read it to grey out buttons. The patient's stop is special:
 * the machine accepts it before consulting anything else, so no table entry can ever lock it out.
 */
import { Role } from "../roles.ts";
import { ProcedureCommand } from "./types.ts";

/** How far a role may use a command. */
export const Grant = {
  /** Never. */
  no: "no",
  /** Whenever the procedure's state allows it. */
  yes: "yes",
  /**
   * Only when neither the current step nor the step it would land on is automated, and never to
   * leave the patient's stop (the assistant cannot run automated steps or overrule the patient).
   */
  manualStepsOnly: "manual_steps_only",
} as const;
export type Grant = (typeof Grant)[keyof typeof Grant];

type CommandGrants = Readonly<Record<ProcedureCommand, Grant>>;

const NOTHING: CommandGrants = {
  start: Grant.no,
  pause: Grant.no,
  resume: Grant.no,
  next: Grant.no,
  repeat: Grant.no,
  abort: Grant.no,
  stop: Grant.no,
  ready: Grant.no,
  override: Grant.no,
};

/** The role table: role x command -> grant. */
export const ROLE_TABLE: Readonly<Record<Role, CommandGrants>> = {
  [Role.patient]: { ...NOTHING, stop: Grant.yes, ready: Grant.yes },
  [Role.clinician]: {
    ...NOTHING,
    start: Grant.yes,
    pause: Grant.yes,
    resume: Grant.yes,
    next: Grant.yes,
    repeat: Grant.yes,
    abort: Grant.yes,
    override: Grant.yes,
  },
  [Role.assistant]: {
    ...NOTHING,
    pause: Grant.yes,
    resume: Grant.manualStepsOnly,
    next: Grant.manualStepsOnly,
    repeat: Grant.manualStepsOnly,
  },
  [Role.observer]: NOTHING,
  /** Otto narrates and answers; it never drives the procedure. */
  [Role.otto]: NOTHING,
};

/** The grant a role holds for a command. */
export function grantFor(role: Role, command: ProcedureCommand): Grant {
  return ROLE_TABLE[role][command];
}

/** Commands a role may send at all (for buttons); state and step kind may still refuse them. */
export function commandsFor(role: Role): ProcedureCommand[] {
  return Object.values(ProcedureCommand).filter((c) => ROLE_TABLE[role][c] !== Grant.no);
}

const ROLE_NAMES: Readonly<Record<Role, string>> = {
  [Role.patient]: "The patient",
  [Role.clinician]: "A clinician",
  [Role.assistant]: "An assistant",
  [Role.observer]: "An observer",
  [Role.otto]: "Otto",
};

const COMMAND_PHRASES: Readonly<Record<ProcedureCommand, string>> = {
  start: "start the procedure",
  pause: "pause the procedure",
  resume: "resume the procedure",
  next: "move to the next step",
  repeat: "repeat the step",
  abort: "abort the procedure",
  stop: "give the patient's stop signal",
  ready: "say the patient is ready",
  override: "override the safety interlock",
};

/** Plain sentence for a refusal: "An observer cannot abort the procedure." */
export function refusalMessage(role: Role, command: ProcedureCommand): string {
  return `${ROLE_NAMES[role]} cannot ${COMMAND_PHRASES[command]}.`;
}
