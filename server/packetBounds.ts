/**
 * Bounds on a raw Socket.IO packet, checked on its text before anything parses it. Nothing here
 * recurses: a packet nested 100,000 levels deep costs one linear scan, never a stack frame per
 * level (JSON.stringify, zod and socket.io-parser's binary reconstruction all recurse).
 */

/** Socket.IO packet types, as the first character of a packet's text. */
export const RawPacketType = {
  connect: 0,
  disconnect: 1,
  event: 2,
  ack: 3,
  connectError: 4,
  binaryEvent: 5,
  binaryAck: 6,
} as const;
export type RawPacketType = (typeof RawPacketType)[keyof typeof RawPacketType];

/** What a packet's header says, and where its JSON begins. */
export interface PacketHeader {
  type: RawPacketType;
  /** Binary buffers that follow this text (binary events and acks only). */
  attachments: number;
  nsp: string;
  id: number | undefined;
  /** Index of the first character of the JSON data (the text's length if there is none). */
  dataStart: number;
}

export interface PacketLimits {
  /** Largest packet, in bytes of UTF-8 text plus binary attachments. */
  maxBytes: number;
  /** Deepest nesting of arrays and objects, counting the packet's own argument array. */
  maxDepth: number;
}

export const PacketRejection = { tooLarge: "too_large", tooDeep: "too_deep" } as const;
export type PacketRejection = (typeof PacketRejection)[keyof typeof PacketRejection];

const isDigit = (c: number): boolean => c >= 48 && c <= 57;

/** Reads the header the way socket.io-parser does; null when it is malformed. */
export function readPacketHeader(text: string): PacketHeader | null {
  const type = text.charCodeAt(0) - 48;
  if (!(type >= 0 && type <= 6)) return null;
  let i = 1;
  let attachments = 0;
  if (type === RawPacketType.binaryEvent || type === RawPacketType.binaryAck) {
    const start = i;
    while (i < text.length && isDigit(text.charCodeAt(i))) i++;
    if (i === start || i - start > 3 || text[i] !== "-") return null;
    attachments = Number(text.slice(start, i));
    i++;
  }
  let nsp = "/";
  if (text[i] === "/") {
    const comma = text.indexOf(",", i);
    const end = comma === -1 ? text.length : comma;
    if (end - i > 200) return null;
    nsp = text.slice(i, end);
    i = comma === -1 ? end : end + 1;
  }
  let id: number | undefined;
  const idStart = i;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  if (i > idStart) {
    if (i - idStart > 15) return null;
    id = Number(text.slice(idStart, i));
  }
  return { type: type as RawPacketType, attachments, nsp, id, dataStart: i };
}

/** True once the JSON from `from` on nests deeper than `maxDepth`; stops scanning right there. */
export function nestsDeeperThan(text: string, from: number, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      if (++depth > maxDepth) return true;
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return false;
}

/** Checks a packet's text against the limits; null when it is within them. */
export function checkPacketText(
  text: string,
  header: PacketHeader,
  limits: PacketLimits,
): PacketRejection | null {
  // A UTF-8 byte is at least one UTF-16 unit: only long texts need the exact count.
  if (
    text.length > limits.maxBytes ||
    (text.length * 3 > limits.maxBytes && Buffer.byteLength(text) > limits.maxBytes)
  ) {
    return PacketRejection.tooLarge;
  }
  if (nestsDeeperThan(text, header.dataStart, limits.maxDepth)) return PacketRejection.tooDeep;
  return null;
}

const MAX_EVENT_NAME = 200;

/**
 * The event name of an event packet (the first element of its argument array), read without
 * parsing the rest; null if the packet does not start like an event.
 */
export function readEventName(text: string, dataStart: number): string | number | null {
  let i = dataStart;
  const skipSpace = () => {
    while (i < text.length && /\s/.test(text[i]!)) i++;
  };
  skipSpace();
  if (text[i] !== "[") return null;
  i++;
  skipSpace();
  if (text[i] === '"') {
    const start = i;
    i++;
    while (i < text.length && i - start <= MAX_EVENT_NAME) {
      const c = text.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 34) {
        try {
          return JSON.parse(text.slice(start, i + 1)) as string;
        } catch {
          return null;
        }
      } else i++;
    }
    return null;
  }
  const number = /^-?\d{1,15}/.exec(text.slice(i, i + 16));
  return number ? Number(number[0]) : null;
}
