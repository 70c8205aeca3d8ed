/**
 * Which names this server answers to, and which pages may open a socket to it.
 *
 * A `Host` header outside the list is refused, so a DNS-rebinding page cannot talk to the server
 * under its own name and the join links built from `Host` always point at this machine. An
 * `Origin` outside the list is refused for Socket.IO, so a page on another site cannot open a
 * socket with a visitor's browser.
 */
import { hostname as machineName, networkInterfaces } from "node:os";

/** The names every server answers to, whatever its network. */
const LOOPBACK = ["localhost", "127.0.0.1", "::1"];
/** Re-read the network interfaces at most this often, when an unknown address shows up (DHCP). */
const LAN_REFRESH_MS = 10_000;
/** What a Host header may hold: a name or IPv4 address, or a bracketed IPv6 address; then a port. */
const HOST_HEADER = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i;

/** The host name of a `Host` header, lowercase, without port, brackets or trailing dot; null if malformed. */
export function hostnameOf(hostHeader: string | undefined): string | null {
  if (hostHeader === undefined || hostHeader.length > 300 || !HOST_HEADER.test(hostHeader)) return null;
  let name: string;
  try {
    name = new URL(`http://${hostHeader}`).hostname;
  } catch {
    return null;
  }
  return name.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

type Interfaces = typeof networkInterfaces;

/** The host names this server answers to: loopback, this machine's name and addresses, and configured names. */
export class HostNames {
  private readonly fixed: ReadonlySet<string>;
  private lan: ReadonlySet<string> = new Set();
  private lanReadAt = Number.NEGATIVE_INFINITY;

  constructor(
    configured: readonly string[],
    listenHost: string,
    private readonly interfaces: Interfaces = networkInterfaces,
    private readonly now: () => number = Date.now,
  ) {
    const names = [...LOOPBACK, machineName().toLowerCase(), ...configured];
    // A server bound to one address answers to that address too (0.0.0.0 and :: are not names).
    if (listenHost !== "0.0.0.0" && listenHost !== "::") names.push(listenHost.toLowerCase());
    this.fixed = new Set(names);
    this.readLan();
  }

  /** Whether a request with this `Host` header is for this server. */
  allows(hostHeader: string | undefined): boolean {
    const name = hostnameOf(hostHeader);
    if (name === null) return false;
    if (this.fixed.has(name) || this.lan.has(name)) return true;
    // The LAN address may have changed since the last read: look again, but not on every request.
    if (this.now() - this.lanReadAt < LAN_REFRESH_MS) return false;
    this.readLan();
    return this.lan.has(name);
  }

  private readLan(): void {
    this.lanReadAt = this.now();
    this.lan = new Set(
      Object.values(this.interfaces())
        .flat()
        .filter((a) => a !== undefined)
        .map((a) => a.address.toLowerCase().replace(/%.*$/, "")),
    );
  }
}

/**
 * Whether a page from `origin` may open a socket on a server reached as `ownOrigin`.
 *
 * No `Origin` header is accepted: browsers always send one on a WebSocket handshake and on every
 * cross-origin request, so its absence means a same-origin polling GET or a client that is not a
 * browser (an SOE device, a node client). Those prove who they are with their token or device key;
 * a missing Origin gives a hostile page nothing it could use.
 */
export function originAllowed(
  origin: string | undefined,
  ownOrigin: string,
  extraOrigins: ReadonlySet<string>,
): boolean {
  if (origin === undefined) return true;
  let given: string;
  let own: string;
  try {
    given = new URL(origin).origin;
    own = new URL(ownOrigin).origin;
  } catch {
    return false;
  }
  if (given === "null") return false;
  return given === own || extraOrigins.has(given);
}
