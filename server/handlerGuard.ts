/**
 * Every Socket.IO handler runs behind this guard. Socket.IO dispatches events on
 * `process.nextTick`, where a thrown error is an uncaught exception that ends the process; the
 * guard turns it into a call to `onThrow` (a typed `internal_error` reply and a counted offence).
 */
import { createLogger } from "./log.ts";

const log = createLogger("handler-guard");

type AckFn = (result: unknown) => void;

/** The ack callback, if the last argument is one. */
export function ackOf(args: readonly unknown[]): AckFn | undefined {
  const last = args.at(-1);
  return typeof last === "function" ? (last as AckFn) : undefined;
}

/** Wraps a handler so that nothing it throws escapes. */
export function guard<A extends unknown[]>(
  what: string,
  handler: (...args: A) => void,
  onThrow: (error: unknown, args: A) => void,
): (...args: A) => void {
  return (...args: A) => {
    try {
      handler(...args);
    } catch (error) {
      log.error("handler threw", { what, error: describeError(error) });
      try {
        onThrow(error, args);
      } catch (second) {
        log.error("error handler threw", { what, error: describeError(second) });
      }
    }
  };
}

/** An error's name and message, never its data (which may come from a client). */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message.slice(0, 200)}`;
  return typeof error;
}
