/**
 * The Socket.IO server on the HTTP server's port: every raw packet's size and depth bounded per
 * namespace before any JSON is parsed, short heartbeats (a dropped headset is noticed in seconds),
 * and the HTTP side's Host/Origin check and security headers on its handshakes too.
 */
import { Server } from "socket.io";
import { DEVICE_NAMESPACE, RATES } from "../shared/protocol.ts";
import { boundedParser, type ParserStats } from "./boundedParser.ts";
import type { PeopleServer } from "./handshake.ts";
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
    allowRequest: http.allowSocketRequest,
  });
  io.engine.use(http.secureSocketResponse);
  return io;
}
