/**
 * A TCP link a test controls: it forwards to a target port that can change (a load balancer
 * sending a dead node's clients to a live one) and can be cut (every connection dropped, new ones
 * refused) and mended (a network partition and its end).
 */
import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpLink {
  readonly port: number;
  readonly url: string;
  /** Later connections go to this port. */
  retarget(port: number): void;
  cut(): void;
  mend(): void;
  close(): Promise<void>;
}

export async function tcpLink(targetPort: number, scheme = "http"): Promise<TcpLink> {
  let target = targetPort;
  let isCut = false;
  const open = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (isCut) {
      client.destroy();
      return;
    }
    const upstream = connect(target, "127.0.0.1");
    open.add(client);
    open.add(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    for (const s of [client, upstream]) {
      s.on("error", end);
      s.on("close", end);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    url: `${scheme}://127.0.0.1:${port}`,
    retarget(next) {
      target = next;
    },
    cut() {
      isCut = true;
      for (const s of open) s.destroy();
      open.clear();
    },
    mend() {
      isCut = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
  };
}
