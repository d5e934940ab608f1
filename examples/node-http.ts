/**
 * wirekit on a plain `node:http` server: HTTP and WebSocket on one port.
 *
 * `GET /` answers with text; `ws://host:port/ws?name=ada` is an echo endpoint that greets the
 * caller by the name from the query string. The `upgrade` hook turns the request into the
 * connection's `data`, so the message handler needs no lookups.
 *
 * Run it: `npx tsc -p tsconfig.json && node dist/examples/node-http.js` (env `PORT`, default
 * 3000), then `npx wirekit connect ws://127.0.0.1:3000/ws?name=ada`.
 *
 * @example
 * ```ts
 * import { start } from './node-http.js';
 * const app = await start(0);
 * console.log(`ws://127.0.0.1:${app.port}/ws`);
 * await app.close();
 * ```
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { WebSocketServer } from 'wirekit';

/** A started example: where it listens and how to stop it. */
export interface RunningExample {
  readonly port: number;
  close(): Promise<void>;
}

/** Per-connection data, set once by the `upgrade` hook. */
interface Visitor {
  readonly name: string;
}

/** Start the HTTP server with its WebSocket endpoint on `port` (0 picks a free one). */
export async function start(port = 3000, host = '127.0.0.1'): Promise<RunningExample> {
  const server: Server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('node:http + wirekit: connect a WebSocket to /ws\n');
  });

  const wss = new WebSocketServer<Visitor>({
    path: '/ws',
    handler: {
      upgrade(request) {
        const name = new URL(request.url, 'http://localhost').searchParams.get('name');
        return { name: name ?? 'stranger' };
      },
      open(ws) {
        ws.send(`hello, ${ws.data.name}`);
      },
      message(ws, data, isBinary) {
        ws.send(data, isBinary); // echo
      },
    },
  });
  wss.attach(server);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await wss.close(); // 1001 to every WebSocket, then wait for their sockets
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Run as a program: `node dist/examples/node-http.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await start(Number(process.env['PORT'] ?? 3000));
  console.log(`listening on http://127.0.0.1:${app.port}/ and ws://127.0.0.1:${app.port}/ws`);
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
