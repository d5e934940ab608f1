/**
 * Backpressure and write batching, against a raw peer whose reading the test controls:
 * `send()` returning false, `bufferedAmount`, the `drain` callback, the 1008 close past
 * `maxBackpressure`, and 100,000 sends in one synchronous loop going out in a handful of
 * socket writes (counted by wrapping the accepted socket's `write`; a count, not a timing).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Opcode } from '../../src/core/ws/opcode.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import type { Connection } from '../../src/node/connection.js';
import { serve, WebSocketServer } from '../../src/node/websocket-server.js';
import { RawClient, recorder, until } from './helpers.js';

const KiB = 1024;
const CHUNK = Buffer.alloc(16 * KiB, 0x61);
/** Upper bound on bytes a test pushes at a peer that does not read (kernel buffers included). */
const SEND_CAP = 256 * 1024 * KiB;

describe('backpressure', { timeout: 60_000 }, () => {
  test('a peer that never reads: send() turns false, then 1008 past maxBackpressure', async (t) => {
    const results: boolean[] = [];
    let bufferedAtLastSend = 0;
    const serverSide = recorder({
      open(ws) {
        // Pump in macrotask-sized bursts so the socket's state is real between bursts.
        const pump = (): void => {
          for (let i = 0; i < 64; i++) {
            if (ws.readyState !== ReadyState.OPEN) return;
            results.push(ws.send(CHUNK));
            bufferedAtLastSend = ws.bufferedAmount;
          }
          if (results.length * CHUNK.length < SEND_CAP) setImmediate(pump);
        };
        pump();
      },
    });
    const server = await serve({
      port: 0,
      maxBackpressure: 64 * KiB,
      closeTimeout: 500,
      handler: serverSide.handler,
    });
    t.after(() => server.close());
    const client = await RawClient.open(server.address!.port);
    t.after(() => client.socket.destroy());
    client.socket.pause(); // never read again
    const closed = await serverSide.closed;
    assert.equal(closed.code, 1008);
    assert.equal(closed.wasClean, false);
    const firstFalse = results.indexOf(false);
    assert.ok(firstFalse >= 0, 'send() returned false before the limit closed the connection');
    assert.ok(
      results.slice(0, firstFalse).every((r) => r),
      'true until the socket backed up',
    );
    assert.ok(bufferedAtLastSend > 64 * KiB, `bufferedAmount ${bufferedAtLastSend} passed 64 KiB`);
    assert.ok(results.length * CHUNK.length < SEND_CAP, 'closed before the test cap');
  });

  test('drain fires once the peer reads again, and every byte arrives', async (t) => {
    let sent = 0;
    let serverWs: Connection | undefined;
    let falseSeen = false;
    let bufferedWhenBlocked = 0;
    const serverSide = recorder({
      open(ws) {
        serverWs = ws;
        const pump = (): void => {
          for (let i = 0; i < 64; i++) {
            sent++;
            if (!ws.send(CHUNK)) {
              falseSeen = true;
              bufferedWhenBlocked = ws.bufferedAmount;
              return; // wait for drain
            }
          }
          if (sent * CHUNK.length < SEND_CAP) setImmediate(pump);
        };
        pump();
      },
    });
    const server = await serve({
      port: 0,
      maxBackpressure: 64 * 1024 * KiB,
      handler: serverSide.handler,
    });
    t.after(() => server.close());
    const client = await RawClient.open(server.address!.port);
    t.after(() => client.socket.destroy());
    client.socket.pause();
    await until(() => falseSeen, 'send() to return false');
    assert.ok(bufferedWhenBlocked > 0, 'bufferedAmount counts the queued bytes');
    assert.deepEqual(
      serverSide.events.filter((e) => e.event === 'drain'),
      [],
      'no drain while the peer does not read',
    );
    client.socket.resume();
    await until(() => serverSide.events.some((e) => e.event === 'drain'), 'the drain callback');
    assert.equal(serverWs!.bufferedAmount, 0);
    await client.waitForFrames(sent);
    assert.equal(client.frames.length, sent);
    assert.ok(client.frames.every((f) => f.opcode === Opcode.BINARY && f.payload.equals(CHUNK)));
    client.socket.destroy();
    assert.equal((await serverSide.closed).code, 1006);
  });
});

describe('write batching', { timeout: 60_000 }, () => {
  test('100,000 sends in one synchronous loop arrive in order in at most 100 socket writes', async (t) => {
    const SENDS = 100_000;
    // Accept sockets ourselves so the test can wrap the server socket's `write`.
    const wss = new WebSocketServer({
      handler: {
        open(ws) {
          writes.count = 0; // count from here: the 101 is not part of the burst
          for (let i = 0; i < SENDS; i++) ws.send(String(i));
        },
      },
    });
    const writes = { count: 0 };
    const listener = createNetServer((socket: Socket) => {
      // Count at the TCP handle: wirekit writes to it directly when the stream holds nothing.
      const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
      for (const name of ['writeBuffer', 'writev', 'writeUtf8String', 'writeLatin1String']) {
        const method = handle[name] as (...args: unknown[]) => unknown;
        handle[name] = function (this: unknown, ...args: unknown[]): unknown {
          writes.count++;
          return method.apply(this, args);
        };
      }
      wss.acceptSocket(socket);
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    t.after(async () => {
      await wss.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    });
    const client = await RawClient.open((listener.address() as AddressInfo).port);
    t.after(() => client.socket.destroy());
    await client.waitForFrames(SENDS);
    assert.equal(client.frames.length, SENDS);
    for (let i = 0; i < SENDS; i++) {
      const f = client.frames[i]!;
      if (f.opcode !== Opcode.TEXT || f.payload.toString() !== String(i))
        assert.fail(`frame ${i} is ${f.opcode}:${f.payload.toString()}`);
    }
    assert.ok(writes.count >= 1);
    assert.ok(writes.count <= 100, `${writes.count} socket writes for ${SENDS} sends`);
    // Nothing else was sent: no stray close or ping in the burst.
    assert.equal(
      client.frames.filter((f) => f.opcode === Opcode.CLOSE).length,
      0,
      'no close frame',
    );
    client.socket.destroy();
  });

  test('sends from inside a message callback all arrive, in order', async (t) => {
    const serverSide = recorder({
      message(ws, data) {
        for (let i = 0; i < 1_000; i++) ws.send(`${data.toString()}-${i}`);
      },
    });
    const server = await serve({ port: 0, handler: serverSide.handler });
    t.after(() => server.close());
    const client = await RawClient.open(server.address!.port);
    t.after(() => client.socket.destroy());
    client.sendFrame(Opcode.TEXT, 'r');
    await client.waitForFrames(1_000);
    assert.deepEqual(
      client.frames.map((f) => f.payload.toString()),
      Array.from({ length: 1_000 }, (_, i) => `r-${i}`),
    );
    client.socket.destroy();
  });
});
