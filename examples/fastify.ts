/**
 * wirekit next to Fastify, without a plugin: Fastify serves `GET /health`, and the raw
 * `http.Server` under it (`fastify.server`) hands its `'upgrade'` events to
 * `WebSocketServer.handleUpgrade`. The `upgrade` hook checks a bearer token and refuses
 * strangers with 401 before any WebSocket exists.
 *
 * Run it: `npx tsc -p tsconfig.json && node dist/examples/fastify.js` (env `PORT`, default
 * 3000, `TOKEN`, default `secret`), then
 * `npx wirekit connect ws://127.0.0.1:3000/echo --header "Authorization: Bearer secret"`.
 *
 * @example
 * ```ts
 * import { start } from './fastify.js';
 * const app = await start(0, { token: 'let-me-in' });
 * await app.close();
 * ```
 */
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import Fastify from 'fastify';
import { rejectUpgrade, WebSocketServer } from 'wirekit';

/** A started example: where it listens and how to stop it. */
export interface RunningExample {
  readonly port: number;
  close(): Promise<void>;
}

/** Per-connection data from the `upgrade` hook. */
interface Session {
  readonly connectedAt: number;
}

/** Start Fastify with the echo endpoint `/echo` on `port` (0 picks a free one). */
export async function start(
  port = 3000,
  options: { readonly host?: string; readonly token?: string } = {},
): Promise<RunningExample> {
  const token = options.token ?? 'secret';
  const fastify = Fastify();
  const wss = new WebSocketServer<Session>({
    path: '/echo',
    handler: {
      upgrade(request) {
        if (request.headers.get('authorization') !== `Bearer ${token}`)
          throw rejectUpgrade(401, 'missing or wrong token', [['WWW-Authenticate', 'Bearer']]);
        return { connectedAt: Date.now() };
      },
      message(ws, data, isBinary) {
        ws.send(data, isBinary);
      },
    },
  });
  fastify.get('/health', async () => ({ ok: true, connections: wss.connections.size }));
  fastify.server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head));

  await fastify.listen({ port, host: options.host ?? '127.0.0.1' });
  return {
    port: (fastify.server.address() as AddressInfo).port,
    async close() {
      await wss.close();
      await fastify.close();
    },
  };
}

// Run as a program: `node dist/examples/fastify.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await start(Number(process.env['PORT'] ?? 3000), {
    ...(process.env['TOKEN'] === undefined ? {} : { token: process.env['TOKEN'] }),
  });
  console.log(
    `listening on http://127.0.0.1:${app.port}/health and ws://127.0.0.1:${app.port}/echo`,
  );
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
