/**
 * The one authenticator (issue 8): HTTP routes and the Socket.IO handshake both ask it who a
 * request is. It composes small credential checkers, one per kind of credential (staff session,
 * paired headset, observer invite, demo pass), each written next to the service that issues that
 * credential, and fans their revocations into one `onRevoked`, so the gateway can cut the sockets
 * that rode on an ended credential at once. What an identity may do in a room is decided apart
 * from this, by the pure `roomAdmission.ts`.
 */
import { createLogger } from "../log.ts";
import type { Authenticator, Identity, Presented } from "./identity.ts";

const log = createLogger("authenticator");

export type RevokedListener = (credentialIds: readonly string[]) => void;

/**
 * One kind of credential. `identify` answers the live identity what a request presents proves, or
 * null (absent, unknown, expired, revoked); it must not throw for bad input. `onRevoked`, where
 * the credential can end while a socket rides on it, registers the authenticator's listener.
 */
export interface CredentialChecker {
  /** For logs: "staff", "headset", "observer", "demo". */
  readonly name: string;
  identify(presented: Presented): Promise<Identity | null>;
  onRevoked?(listener: RevokedListener): unknown;
}

/** A checker from a service's `(cookieHeader) => Identity | null` and its revocation feed (headset, observer, staff). */
export function cookieChecker(
  name: string,
  identify: (cookieHeader: string | undefined) => Promise<Identity | null>,
  onRevoked?: (listener: RevokedListener) => unknown,
): CredentialChecker {
  return {
    name,
    identify: (presented) => identify(presented.cookieHeader),
    ...(onRevoked ? { onRevoked } : {}),
  };
}

export class ChairsideAuthenticator implements Authenticator {
  private readonly checkers: CredentialChecker[] = [];
  private readonly listeners = new Set<RevokedListener>();

  constructor(checkers: readonly CredentialChecker[] = []) {
    for (const checker of checkers) this.use(checker);
  }

  /** Adds a kind of credential (the wiring of each service does this once at start). */
  use(checker: CredentialChecker): void {
    this.checkers.push(checker);
    checker.onRevoked?.((ids) => this.revoked(ids));
  }

  async identify(presented: Presented): Promise<Identity[]> {
    const found = await Promise.all(
      this.checkers.map((checker) =>
        checker.identify(presented).catch((error: unknown) => {
          // A checker that fails (storage down) proves nothing; the others still count.
          log.error("credential check failed", { checker: checker.name, error: String(error) });
          return null;
        }),
      ),
    );
    return found.filter((identity): identity is Identity => identity !== null);
  }

  onRevoked(listener: RevokedListener): void {
    this.listeners.add(listener);
  }

  /** Credentials that just ended: every listener hears of them (the gateway cuts their sockets). */
  revoked(credentialIds: readonly string[]): void {
    if (credentialIds.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(credentialIds);
      } catch (error) {
        log.error("revocation listener failed", { error: String(error) });
      }
    }
  }
}
