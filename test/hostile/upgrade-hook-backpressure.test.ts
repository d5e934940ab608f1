import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import { WebSocketServer } from '../../src/index.js';

/** A masked pong frame with a 125-byte payload (zero key: the payload is as written). */
const PONG = Buffer.concat([Buffer.from([0x8a, 0x80 | 125, 0, 0, 0, 0]), Buffer.alloc(125, 0x70)]);

test('a slow upgrade hook does not make the server read and hold what the client floods meanwhile', async () => {
  let release!: () => void;
  const hookWaits = new Promise<void>((resolve) => {
    release = resolve;
  });
  let hookStarted!: (socket: Socket) => void;
  const started = new Promise<Socket>((resolve) => {
    hookStarted = resolve;
  });
  let opened!: () => void;
  const open = new Promise<void>((resolve) => {
    opened = resolve;
  });
  const wss = new WebSocketServer({
    handler: {
      async upgrade(request) {
        hookStarted(request.incoming!.socket);
        await hookWaits;
      },
      open() {
        opened();
      },
    },
  });
  const http = createServer();
  wss.attach(http);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const port = (http.address() as { port: number }).port;
  const client = netConnect(port, '127.0.0.1');
  client.on('error', () => {});
  client.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  const serverSocket = await started;
  // Flood 32 MiB of valid pongs while the hook is pending; the writes back up in the kernel.
  const burst = Buffer.concat(Array.from({ length: 1024 }, () => PONG));
  let sent = 0;
  while (sent < 32 * 1024 * 1024) {
    client.write(burst);
    sent += burst.length;
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const readWhileWaiting = serverSocket.bytesRead;
  assert.ok(
    readWhileWaiting < 8 * 1024 * 1024,
    `the server read ${readWhileWaiting} bytes while the hook was pending`,
  );
  release();
  await open;
  client.destroy();
  await wss.close();
  await new Promise<void>((resolve) => http.close(() => resolve()));
});
