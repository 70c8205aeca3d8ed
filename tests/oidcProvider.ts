/**
 * A real OpenID Provider for the single sign-on tests: `oidc-provider` v9 on loopback, with its
 * development login and consent forms (any password), signing real ID tokens. Its address must be
 * known before Chairside starts and Chairside's callback before the provider is made, so it listens
 * first and is attached to the listening server afterwards.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { OidcConfig } from "../server/auth/oidcConfig.ts";

export const CLIENT_ID = "chairside";
const CLIENT_SECRET = "a-long-client-secret-for-the-loopback-provider";

/** The provider's users: login name → the claims it vouches for. */
export type ProviderUsers = Record<string, { email: string; email_verified: boolean }>;

/** The few parts of oidc-provider (untyped JavaScript) the tests use. */
interface OidcProvider {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
}
type ProviderClass = new (issuer: string, configuration: Record<string, unknown>) => OidcProvider;

export interface LoopbackProvider {
  issuer: string;
  /** Chairside's settings for this provider. */
  config: OidcConfig;
  /** Starts answering, with Chairside's client registered for this callback URL. */
  serveAsync(redirectUri: string): Promise<void>;
  closeAsync(): Promise<void>;
}

export async function listenLoopbackProvider(users: ProviderUsers): Promise<LoopbackProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    config: {
      issuer: new URL(issuer),
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      name: "Clinic Login",
      allowInsecure: true,
    },
    async serveAsync(redirectUri) {
      // A variable specifier: the package ships no types, and the tests only need its constructor.
      const moduleName: string = "oidc-provider";
      const Provider = ((await import(moduleName)) as { default: ProviderClass }).default;
      const provider = new Provider(issuer, {
        clients: [
          {
            client_id: CLIENT_ID,
            client_secret: CLIENT_SECRET,
            redirect_uris: [redirectUri],
            response_types: ["code"],
            grant_types: ["authorization_code"],
          },
        ],
        async findAccount(_ctx: unknown, sub: string) {
          const user = users[sub];
          return user && { accountId: sub, claims: async () => ({ sub, ...user }) };
        },
        claims: { openid: ["sub"], email: ["email", "email_verified"] },
        cookies: { keys: ["loopback-provider-cookie-key"] },
        ttl: { AccessToken: 600, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
        features: { devInteractions: { enabled: true } },
      });
      server.on("request", provider.callback());
    },
    async closeAsync() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Settings for a provider that is not there (nothing listens on the port). */
export async function unreachableProviderConfig(): Promise<OidcConfig> {
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
  await new Promise((resolve) => closed.close(resolve));
  return {
    issuer: new URL(issuer),
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    name: "Clinic Login",
    allowInsecure: true,
  };
}
