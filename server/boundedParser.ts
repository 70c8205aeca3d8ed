/**
 * Socket.IO's parser with bounds checked on the raw packet, before any JSON is parsed or walked.
 * An event packet over the bounds still reaches its handlers, with a `RejectedPacket` in place of
 * its arguments, so the sender gets a typed reply on its ack; acks from clients are dropped (the
 * server never asks for one); any other malformed packet is a protocol violation that closes the
 * connection (Socket.IO's own reaction). All three are counted.
 */
import type { Packet } from "socket.io-parser";
import {
  checkPacketText,
  type PacketHeader,
  type PacketLimits,
  PacketRejection,
  RawPacketType,
  readEventName,
  readPacketHeader,
} from "./packetBounds.ts";
import { Decoder, Encoder, PacketType } from "./socketIoParser.ts";

/** Stands in for the arguments of an event packet that broke the bounds. */
export class RejectedPacket {
  constructor(readonly reason: PacketRejection) {}
}

/** Counters for logs and tests. */
export interface ParserStats {
  /** Packets replaced by a `RejectedPacket` (their handlers answer them) or dropped (client acks). */
  rejected: number;
  /** Malformed packets; each closed its connection. */
  protocolViolations: number;
  /** Acks sent by clients, dropped: the server never asks a client for one. */
  strayAcks: number;
}

/** Event names Socket.IO reserves; a client may never send them (socket.io-parser's own list). */
const RESERVED_EVENTS = new Set([
  "connect",
  "connect_error",
  "disconnect",
  "disconnecting",
  "newListener",
  "removeListener",
]);

/** socket.io-parser's own default: more binary buffers than this in one packet is a violation. */
const MAX_ATTACHMENTS = 10;

const binarySize = (data: unknown): number =>
  data instanceof ArrayBuffer || ArrayBuffer.isView(data) ? data.byteLength : 0;

/** A parser for `new Server(..., { parser })`, with limits per namespace. */
export function boundedParser(limitsFor: (nsp: string) => PacketLimits, stats: ParserStats) {
  class BoundedDecoder extends Decoder {
    /** Binary attachments of a rejected packet still to arrive and be dropped. */
    private toDrop = 0;
    /** The stand-in packet to deliver once those attachments are dropped. */
    private standIn: Packet | null = null;
    /** The binary packet being rebuilt: its header, limits, bytes so far and attachments left. */
    private building: {
      header: PacketHeader;
      name: string | number | null;
      limits: PacketLimits;
      bytes: number;
      left: number;
    } | null = null;

    override add(data: unknown): void {
      try {
        this.addBounded(data);
      } catch (error) {
        stats.protocolViolations += 1;
        throw error;
      }
    }

    override destroy(): void {
      this.toDrop = 0;
      this.standIn = null;
      this.building = null;
      super.destroy();
    }

    private addBounded(data: unknown): void {
      if (typeof data === "string") {
        if (this.toDrop > 0) throw new Error("got plaintext data when reconstructing a packet");
        const header = readPacketHeader(data);
        if (!header) throw new Error("malformed packet header");
        if (header.attachments > MAX_ATTACHMENTS) throw new Error("too many attachments");
        if (header.type === RawPacketType.ack || header.type === RawPacketType.binaryAck) {
          // Nothing on the server waits for a client's ack: drop it (and its buffers) unread.
          stats.strayAcks += 1;
          this.standIn = null;
          this.toDrop = header.attachments;
          return;
        }
        const limits = limitsFor(header.nsp);
        const rejection = checkPacketText(data, header, limits);
        if (rejection) {
          this.reject(header, rejection, data);
          return;
        }
        this.building =
          header.attachments > 0
            ? {
                header,
                name: readEventName(data, header.dataStart),
                limits,
                bytes: Buffer.byteLength(data),
                left: header.attachments,
              }
            : null;
        super.add(data);
        return;
      }
      if (this.toDrop > 0) {
        this.toDrop -= 1;
        if (this.toDrop === 0) this.deliverStandIn();
        return;
      }
      const building = this.building;
      if (!building) throw new Error("got binary data when not reconstructing a packet");
      building.bytes += binarySize(data);
      building.left -= 1;
      if (building.left === 0) this.building = null;
      if (building.bytes > building.limits.maxBytes) {
        super.destroy(); // drops the half-rebuilt packet
        stats.rejected += 1;
        this.standIn = standInFor(building.header, PacketRejection.tooLarge, building.name);
        this.toDrop = building.left;
        this.building = null;
        if (this.toDrop === 0) this.deliverStandIn();
        return;
      }
      super.add(data);
    }

    private reject(header: PacketHeader, reason: PacketRejection, text: string): void {
      if (header.type !== RawPacketType.event && header.type !== RawPacketType.binaryEvent) {
        throw new Error(`packet type ${header.type} over the bounds`);
      }
      const name = readEventName(text, header.dataStart);
      if (name === null || (typeof name === "string" && RESERVED_EVENTS.has(name))) {
        throw new Error("invalid event packet");
      }
      stats.rejected += 1;
      this.standIn = standInFor(header, reason, name);
      this.toDrop = header.attachments;
      if (this.toDrop === 0) this.deliverStandIn();
    }

    private deliverStandIn(): void {
      const packet = this.standIn;
      this.standIn = null;
      if (packet) this.emitReserved("decoded", packet);
    }
  }
  return { Encoder, Decoder: BoundedDecoder };
}

/** The packet handlers see instead: the event name, then a `RejectedPacket`; null for acks. */
function standInFor(
  header: PacketHeader,
  reason: PacketRejection,
  name: string | number | null,
): Packet | null {
  if (header.type === RawPacketType.ack || header.type === RawPacketType.binaryAck) return null;
  const event = name ?? "";
  const packet: Packet = {
    type: PacketType.EVENT,
    nsp: header.nsp,
    data: [event, new RejectedPacket(reason)],
  };
  if (header.id !== undefined) packet.id = header.id;
  return packet;
}
