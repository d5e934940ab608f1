/**
 * `createWebSocketStream` (ws.md): a `Duplex` over a WebSocket, round trip through an echo
 * server with backpressure (a slow reader pauses the WebSocket), end closing the WebSocket, and
 * destroy terminating it.
 */
import assert from 'node:assert/strict';
import type { Duplex } from 'node:stream';
import { pipeline, Readable, Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { createWebSocketStream, WebSocket } from '../../../src/node/ws-compat/index.js';
import { closeOf, next, nextConnection, openClient, startServer, stopServer } from './helpers.js';

const pipe = promisify(pipeline) as (
  ...streams: (NodeJS.ReadableStream | Duplex | Writable)[]
) => Promise<void>;

describe('wirekit/ws createWebSocketStream', () => {
  test('round trip: chunks written to one side come out of the other, in order', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => {
      const duplex = createWebSocketStream(ws);
      duplex.pipe(duplex); // echo
    });
    const ws = await openClient(url);
    const duplex = createWebSocketStream(ws);
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    const received: Buffer[] = [];
    let total = 0;
    const expected = chunks.reduce((sum, c) => sum + c.length, 0);
    const done = new Promise<void>((resolve) => {
      duplex.on('data', (chunk: Buffer) => {
        received.push(chunk);
        total += chunk.length;
        if (total === expected) resolve();
      });
    });
    for (const chunk of chunks) duplex.write(chunk);
    await done;
    assert.deepEqual(Buffer.concat(received), Buffer.concat(chunks));
    duplex.end();
    await closeOf(ws);
    await stopServer(wss);
  });

  test('a slow reader pauses the WebSocket; reading resumes it; text in object mode is a string', async () => {
    const { wss, url } = await startServer();
    const connected = nextConnection(wss);
    const ws = await openClient(url);
    const [server] = await connected;
    const duplex = createWebSocketStream(ws, { readableHighWaterMark: 1024 });
    for (let i = 0; i < 20; i++) server.send(Buffer.alloc(512, i));
    await until(() => ws.isPaused);
    const sink: Buffer[] = [];
    const drained = pipe(
      duplex,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          sink.push(chunk);
          if (sink.length === 20) duplex.end();
          callback();
        },
      }),
    );
    await drained;
    assert.equal(sink.length, 20);
    assert.equal(ws.readyState, WebSocket.CLOSED);

    const connected2 = nextConnection(wss);
    const ws2 = await openClient(url);
    const [server2] = await connected2;
    const objects = createWebSocketStream(ws2, { readableObjectMode: true });
    server2.send('as text');
    const [chunk] = await next<[unknown]>(objects, 'data');
    assert.equal(chunk, 'as text');
    objects.destroy();
    await closeOf(server2);
    await stopServer(wss);
  });

  test('a stream from a readable is sent message by message; destroy terminates', async () => {
    const { wss, url } = await startServer();
    const connected = nextConnection(wss);
    const ws = await openClient(url);
    const [server] = await connected;
    const messages: string[] = [];
    server.on('message', (data) => messages.push(String(data)));
    const duplex = createWebSocketStream(ws);
    const serverClosed = closeOf(server);
    await pipe(Readable.from(['a', 'b', 'c']), duplex);
    await until(() => messages.length === 3);
    assert.deepEqual(messages, ['a', 'b', 'c']);
    // end() (from pipeline) closed the WebSocket cleanly.
    assert.equal((await serverClosed).code, 1005);

    const connected2 = nextConnection(wss);
    const ws2 = await openClient(url);
    const [server2] = await connected2;
    const other = createWebSocketStream(ws2);
    const closed2 = closeOf(server2);
    other.destroy();
    assert.equal((await closed2).code, 1006);
    await stopServer(wss);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), 'condition not met in time');
}
