/**
 * CHAIRSIDE_ICE_SERVERS: the STUN/TURN servers voice offers to browsers (a clinic's own coturn,
 * for example). Unset means none, and voice works between browsers on one LAN. A value that is not
 * a JSON list of stun:/turn: servers stops the server at start, before anything opens.
 */
import { type IceServer, parseIceServers } from "../../shared/voice.ts";

export function iceServersFromEnv(env: NodeJS.ProcessEnv): IceServer[] {
  const parsed = parseIceServers(env.CHAIRSIDE_ICE_SERVERS);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
}
