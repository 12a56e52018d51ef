import net from 'node:net';

/**
 * A TCP relay in front of a server that a test can freeze: frozen, it neither reads nor writes (bytes
 * wait in the kernel's buffers) and new connections are accepted but get no answer — what a server
 * stopped with SIGSTOP, or cut off by a partition, looks like to its clients. Thawed, everything held
 * flows on. For in-process tests; the system tests freeze real servers.
 */
export interface FreezableProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

export async function startFreezableProxy(target: { host: string; port: number }): Promise<FreezableProxy> {
  let frozen = false;
  const sockets = new Set<net.Socket>();
  /** Connections accepted while frozen: relayed once thawed. */
  const waiting: (() => void)[] = [];

  const relay = (client: net.Socket) => {
    const upstream = net.connect(target.port, target.host);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      sockets.add(from);
      from.on('data', (chunk) => to.write(chunk));
      from.on('end', () => to.end());
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
      if (frozen) from.pause();
    }
  };

  const server = net.createServer((client) => {
    if (!frozen) return relay(client);
    client.pause();
    sockets.add(client);
    client.on('error', () => undefined);
    client.on('close', () => sockets.delete(client));
    waiting.push(() => {
      if (!client.destroyed) relay(client);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(port);
      return parsed.toString();
    },
    freeze() {
      frozen = true;
      for (const socket of sockets) socket.pause();
    },
    thaw() {
      frozen = false;
      for (const start of waiting.splice(0)) start();
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
