/**
 * socket.io-parser as Socket.IO itself loads it: the CommonJS build. An ES `import` of the package
 * resolves (its `exports`, condition `node`) to a second copy, `build/esm-debug`, which calls
 * `debug()` three times for every packet encoded or decoded and is compiled and kept in memory
 * beside the copy Socket.IO uses. The pose path goes through it for every packet in and out.
 */
import { createRequire } from "node:module";

const parser: typeof import("socket.io-parser") = createRequire(import.meta.url)("socket.io-parser");

export const { Decoder, Encoder, PacketType } = parser;
