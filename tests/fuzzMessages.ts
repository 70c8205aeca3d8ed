/**
 * Seeded generator of malformed Socket.IO messages for the protocol fuzz: deep nesting, huge
 * strings, binary garbage, prototype keys, NaN-likes, wrong types, unknown events, missing acks.
 * Every message it makes is invalid on purpose (a payload that happens to pass its schema gets an
 * extra key), so a fuzz run can assert that nobody else in the room saw anything change.
 */

import { Ev } from "../shared/protocol.ts";
import { clientPayloadSchemas, deviceBatchSchema } from "../shared/schemas.ts";

export type Rand = () => number;

/** One message to send: event name, its arguments as raw JSON (or buffers), and whether it asks for an ack. */
export interface FuzzMessage {
  event: string | number;
  json: string | null;
  buffers: Uint8Array[] | null;
  withAck: boolean;
  /** A stray client ack instead of an event: the raw packet text (after the namespace prefix). */
  strayAck: string | null;
}

const PAYLOAD_EVENTS = Object.keys(clientPayloadSchemas) as (keyof typeof clientPayloadSchemas)[];
const NASTY_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "then",
  "",
];
const NASTY_NUMBERS = ["1e400", "-1e400", "-0", "1e-400", "9007199254740993", "0.1", "-1", "1e21", "5e-324"];
const NASTY_STRINGS = ["NaN", "Infinity", "\\u0000", "\\ud800", "%s%s%n", "<script>", "../../etc/passwd", ""];

const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
const int = (rand: Rand, lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

function randomString(rand: Rand, max = 24): string {
  if (rand() < 0.3) return JSON.stringify(pick(rand, NASTY_STRINGS)).slice(1, -1);
  let s = "";
  for (let i = int(rand, 0, max); i > 0; i--) {
    const c = rand() < 0.9 ? int(rand, 32, 126) : int(rand, 0x80, 0xffff);
    s += c >= 0xd800 && c <= 0xdfff ? "?" : String.fromCharCode(c);
  }
  return JSON.stringify(s).slice(1, -1);
}

/** Random JSON text, at most `depth` deep. */
export function randomJson(rand: Rand, depth: number): string {
  const r = rand();
  if (depth <= 0 || r < 0.45) {
    const leaf = rand();
    if (leaf < 0.15) return "null";
    if (leaf < 0.3) return rand() < 0.5 ? "true" : "false";
    if (leaf < 0.55) return pick(rand, NASTY_NUMBERS);
    if (leaf < 0.7) return String(int(rand, -1000, 1000));
    return `"${randomString(rand)}"`;
  }
  if (r < 0.7) {
    const items = Array.from({ length: int(rand, 0, 4) }, () => randomJson(rand, depth - 1));
    return `[${items.join(",")}]`;
  }
  const fields = Array.from({ length: int(rand, 0, 4) }, () => {
    const key = rand() < 0.4 ? pick(rand, NASTY_KEYS) : randomString(rand, 10);
    return `"${key}":${randomJson(rand, depth - 1)}`;
  });
  return `{${fields.join(",")}}`;
}

/** A payload shaped like the event's, with nasty values in its fields. */
function nearMiss(rand: Rand, event: string): string {
  const field = (name: string) =>
    `"${name}":${rand() < 0.5 ? pick(rand, NASTY_NUMBERS) : randomJson(rand, 2)}`;
  const names: Record<string, string[]> = {
    [Ev.procedureSelect]: ["planId"],
    [Ev.procedureCommand]: ["command", "reason"],
    [Ev.mdasSubmit]: ["answers"],
    [Ev.checkinSubmit]: ["score"],
    [Ev.checkinRequest]: ["reason"],
    [Ev.breathing]: ["on"],
    [Ev.surroundings]: ["surroundings"],
    [Ev.ottoAsk]: ["question"],
    [Ev.alarmAck]: ["alarmId"],
    [Ev.alarmSilence]: ["alarmId", "seconds"],
    [Ev.firmwareQuarantine]: ["firmware", "since"],
    [Ev.soeHistory]: ["sinceMs"],
    [Ev.deviceBatch]: ["seq", "firmware", "readings"],
  };
  const own = (names[event] ?? ["x"]).map(field);
  if (rand() < 0.3) own.push(`"${pick(rand, NASTY_KEYS)}":${randomJson(rand, 2)}`);
  return `{${own.join(",")}}`;
}

/** Makes sure a shallow payload is invalid for its event: one that passes its schema gets an extra key. */
function spoil(event: string, json: string): string {
  const schema =
    event === Ev.deviceBatch
      ? deviceBatchSchema
      : clientPayloadSchemas[event as keyof typeof clientPayloadSchemas];
  if (!schema) return json;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return json;
  }
  if (!schema.safeParse(value).success) return json;
  return json === "{}" ? '{"fuzz":1}' : `{"fuzz":1,${json.slice(1)}`;
}

const nested = (depth: number): string => `${"[".repeat(depth)}0${"]".repeat(depth)}`;

/** The next malformed message for one namespace. */
export function nextMessage(rand: Rand, namespace: "people" | "devices"): FuzzMessage {
  const known = namespace === "people" ? PAYLOAD_EVENTS : [Ev.deviceBatch];
  const event = pick(rand, known as readonly string[]);
  const message: FuzzMessage = { event, json: null, buffers: null, withAck: rand() < 0.8, strayAck: null };
  const r = rand();
  if (r < 0.02) {
    // Deep nesting: 10,000+ levels (over the size limit for people) or a few thousand (over the depth limit).
    message.json = `{"x":${nested(rand() < 0.5 ? int(rand, 10_000, 12_000) : int(rand, 3_000, 6_000))}}`;
  } else if (r < 0.025) {
    message.json = `{"reason":"${"x".repeat(int(rand, 20_000, 300_000))}"}`;
  } else if (r < 0.15) {
    message.json = spoil(event, nearMiss(rand, event));
  } else if (r < 0.4) {
    message.json = spoil(event, randomJson(rand, 4));
  } else if (r < 0.5) {
    message.event = rand() < 0.8 ? `fuzz:${randomString(rand, 12)}` : int(rand, -5, 1e6);
    message.json = rand() < 0.8 ? randomJson(rand, 3) : null;
  } else if (r < 0.6) {
    message.json = null; // no payload at all
  } else if (r < 0.7) {
    // More than one payload.
    message.json = `${randomJson(rand, 2)},${randomJson(rand, 2)}`;
  } else if (r < 0.8) {
    // Binary: a pose of the wrong length, or bytes where JSON belongs.
    const isPose = namespace === "people" && rand() < 0.6;
    message.event = isPose ? Ev.pose : event;
    let length = int(rand, 0, 96);
    if (length === 31) length = 32;
    const bytes = new Uint8Array(length);
    for (let i = 0; i < length; i++) bytes[i] = int(rand, 0, 255);
    message.buffers = rand() < 0.1 ? [bytes, bytes] : [bytes];
  } else if (r < 0.83) {
    message.strayAck = `${int(rand, 0, 1e9)}[${randomJson(rand, 3)}]`;
  } else if (r < 0.88 && namespace === "people") {
    message.event = Ev.snapshot;
    message.json = rand() < 0.5 ? null : randomJson(rand, 2);
  } else {
    // Nested objects, some past the depth bound.
    const depth = int(rand, 5, 40);
    message.json = `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
  }
  return message;
}

/** Frames that break the protocol itself; each must close its connection and be counted. */
export function garbage(rand: Rand): (string | Uint8Array)[] {
  const bytes = new Uint8Array(int(rand, 1, 64));
  for (let i = 0; i < bytes.length; i++) bytes[i] = int(rand, 0, 255);
  return pick(rand, [
    [bytes],
    [`9${randomString(rand)}`],
    ['2["connect"]'],
    ['2["disconnect",1]'],
    ['2{"a":1}'],
    ['2"just a string"'],
    ['51-["pose",{"_placeholder":true,"num":0}]', "2[]"],
    [`2${"{".repeat(20_000)}`],
    [`5x-["a"]`],
  ]);
}
