/**
 * The Socket.IO server on the HTTP server's port: every raw packet's size and depth bounded per
 * namespace before any JSON is parsed, short heartbeats (a dropped headset is noticed in seconds),
 * and the HTTP side's Host/Origin check and security headers on its handshakes too.
 */
import { Server } from "socket.io";
import { DEVICE_NAMESPACE, RATES } from "../shared/protocol.ts";
import { boundedParser, type ParserStats } from "./boundedParser.ts";
import {
  CONNECTION_RECOVERY,
  holdRoomsWhileRecovering,
  withoutRecoveryFields,
} from "./connectionRecovery.ts";
import { type PeopleServer, pacedHandshakes } from "./handshake.ts";
import type { HttpServer } from "./httpServer.ts";

export function createSocketServer(http: HttpServer, parserStats: ParserStats): PeopleServer {
  const io: PeopleServer = new Server(http.server, {
    // Handlers answer an over-bound event with a typed error. This cap only protects memory.
    maxHttpBufferSize: 1_000_000,
    parser: boundedParser(
      (nsp) => ({
        maxBytes: nsp === DEVICE_NAMESPACE ? RATES.maxDeviceMessageBytes : RATES.maxMessageBytes,
        maxDepth: RATES.maxMessageDepth,
      }),
      parserStats,
    ),
    pingInterval: 2_000,
    pingTimeout: 3_000,
    serveClient: false,
    allowRequest: pacedHandshakes(http.allowSocketRequest), // A crowd's upgrades spread over turns
    connectionStateRecovery: CONNECTION_RECOVERY, // Missed events replayed
  });
  io.engine.use(http.secureSocketResponse);
  // First middleware of every namespace, before its own handshake checks.
  const strip = (socket: Parameters<typeof withoutRecoveryFields>[0], next: (err?: Error) => void) => {
    withoutRecoveryFields(socket);
    next();
  };
  io.use(strip);
  io.on("new_namespace", (nsp) => nsp.use(strip));
  io.on("connection", (socket) => holdRoomsWhileRecovering(io, socket));
  return io;
}
