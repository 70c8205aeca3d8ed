/**
 * One self-signed certificate for tests that run the server over HTTPS (a headset on the LAN needs
 * a secure context; under HTTPS cookies get `Secure` and the `__Host-` prefix): the same kind the
 * README shows for a LAN address, for localhost and 127.0.0.1, valid a day. Written once here
 * instead of in each TLS test.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestServer } from "./harness.ts";

export interface TestCertificate {
  /** The server configuration's fields for it. */
  tlsCertPath: string;
  tlsKeyPath: string;
  /** Deletes the certificate's folder. */
  remove(): void;
}

export function selfSignedCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), "chairside-tls-"));
  const tlsCertPath = join(dir, "cert.pem");
  const tlsKeyPath = join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "1",
      "-subj",
      "/CN=chairside",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      tlsKeyPath,
      "-out",
      tlsCertPath,
    ],
    { stdio: "ignore" },
  );
  return { tlsCertPath, tlsKeyPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a test server over HTTPS with a fresh certificate; stopping the server removes the
 * certificate too, so each TLS test is one line in `beforeAll` and one in `afterAll`.
 */
export async function overTls(
  start: (tls: Pick<TestCertificate, "tlsCertPath" | "tlsKeyPath">) => Promise<TestServer>,
): Promise<TestServer> {
  const certificate = selfSignedCertificate();
  try {
    const server = await start({ tlsCertPath: certificate.tlsCertPath, tlsKeyPath: certificate.tlsKeyPath });
    return {
      ...server,
      async stopAsync() {
        await server.stopAsync();
        certificate.remove();
      },
    };
  } catch (error) {
    certificate.remove();
    throw error;
  }
}
