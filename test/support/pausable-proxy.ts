// A TCP proxy in front of a local service that can be paused: while paused it accepts connections and forwards
// nothing, the way a partitioned or frozen service looks to a client (a kill -STOP, without freezing the service
// every other test file shares).
import { connect, createServer, type Socket } from 'node:net';

export type PausableProxy = { url: string; pause(): void; resume(): void; close(): Promise<void> };

export async function pausableProxy(target: string): Promise<PausableProxy> {
  const { hostname, port } = new URL(target);
  let paused = false;
  const held: Socket[] = [];
  const open = new Set<Socket>();
  const server = createServer((client) => {
    open.add(client);
    client.on('close', () => open.delete(client));
    client.on('error', () => undefined);
    if (paused) {
      held.push(client);
      return;
    }
    const upstream = connect(Number(port), hostname);
    open.add(upstream);
    upstream.on('close', () => open.delete(upstream));
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
    // Pausing freezes connections already open too, as a frozen peer would.
    const stop = () => {
      client.unpipe(upstream);
      upstream.unpipe(client);
    };
    pausers.add(stop);
    client.on('close', () => pausers.delete(stop));
  });
  const pausers = new Set<() => void>();
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port: local } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${local}`,
    pause() {
      paused = true;
      for (const stop of pausers) stop();
      pausers.clear();
    },
    resume() {
      paused = false;
      // Connections accepted while paused were never served; drop them so clients reconnect.
      for (const socket of held.splice(0)) socket.destroy();
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise((done) => {
        for (const socket of open) socket.destroy();
        server.close(() => done());
      }),
  };
}
