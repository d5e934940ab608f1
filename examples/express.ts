/**
 * wirekit next to Express: a tiny chat room. Express serves `GET /health`; the WebSocket
 * server takes the upgrade requests of the same `http.Server` (the one `app.listen` returns)
 * through `handleUpgrade`, and broadcasts every message to everyone in the room.
 *
 * Run it: `npx tsc -p tsconfig.json && node dist/examples/express.js` (env `PORT`, default
 * 3000), then open two `npx wirekit connect ws://127.0.0.1:3000/chat` and type.
 *
 * @example
 * ```ts
 * import { start } from './express.js';
 * const app = await start(0);
 * await app.close();
 * ```
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import express from 'express';
import { WebSocketServer } from 'wirekit';

/** A started example: where it listens and how to stop it. */
export interface RunningExample {
  readonly port: number;
  close(): Promise<void>;
}

/** Start Express with the chat endpoint `/chat` on `port` (0 picks a free one). */
export async function start(port = 3000, host = '127.0.0.1'): Promise<RunningExample> {
  const app = express();
  const wss = new WebSocketServer({
    path: '/chat',
    handler: {
      message(_ws, data, isBinary) {
        // Broadcast: the message goes to every connection, the sender included.
        for (const peer of wss.connections) peer.send(data, isBinary);
      },
    },
  });
  app.get('/health', (_req, res) => {
    res.json({ ok: true, connections: wss.connections.size });
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(port, host, (error?: Error) =>
      error === undefined ? resolve(listening) : reject(error),
    );
  });
  // Express never sees upgrade requests: they go to the WebSocket server.
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head));

  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      await wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// Run as a program: `node dist/examples/express.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const app = await start(Number(process.env['PORT'] ?? 3000));
  console.log(
    `listening on http://127.0.0.1:${app.port}/health and ws://127.0.0.1:${app.port}/chat`,
  );
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
