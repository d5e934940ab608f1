/**
 * Backpressure and write batching, over every transport of the list
 * (`test/transports/test-transports.ts`), against a raw peer whose reading the test controls:
 * `send()` returning false, `bufferedAmount`, the `drain` callback once the peer reads again,
 * on the server and on the client, and sends from inside a callback. On TCP only: 100,000
 * sends in one synchronous loop go out in a handful of socket writes (counted by wrapping the
 * accepted socket's TCP handle; a count, not a timing). The 1008 closes past `maxBackpressure`
 * and `backpressureTimeout` are in limits.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { Opcode } from '../../src/core/ws/opcode.js';
import { WebSocketServer } from '../../src/node/websocket-server.js';
import { OP } from '../conformance/wire-frame.js';
import { testTransports } from '../transports/test-transports.js';
import {
  connectOver,
  rawClientsOver,
  rawServerOver,
  serveOver,
} from '../transports/transport-fixtures.js';
import { RawClient, recorder, testNothingLeftOpen, until } from './helpers.js';

const KiB = 1024;
const CHUNK = Buffer.alloc(16 * KiB, 0x61);
/**
 * Chunks in one synchronous burst: 32 MiB, far past what loopback socket buffers (a few MiB)
 * or an HTTP/2 stream's window (64 KiB) take while the peer does not read, so the burst stays
 * queued until the peer reads again, whatever the transport.
 */
const CHUNKS = 2048;

/** `send()` said true until the transport backed up, then false; the queue is counted. */
function assertBackpressured(results: readonly boolean[], buffered: number): void {
  const firstFalse = results.indexOf(false);
  assert.ok(firstFalse >= 0, 'send() returned false during the burst');
  assert.ok(
    results.slice(0, firstFalse).every((r) => r),
    'true until the transport backed up',
  );
  assert.ok(buffered > 0, 'bufferedAmount counts the queued bytes');
}

for (const transport of testTransports()) {
  describe(`backpressure over ${transport.name}`, { timeout: 60_000 }, () => {
    test('server: a burst the peer does not read turns send() false; drain fires once it reads again, and every byte arrives', async (t) => {
      const results: boolean[] = [];
      let bufferedAfterBurst = 0;
      const serverSide = recorder({
        open(ws) {
          for (let i = 0; i < CHUNKS; i++) results.push(ws.send(CHUNK));
          bufferedAfterBurst = ws.bufferedAmount;
        },
      });
      const server = await serveOver(t, transport, {
        maxBackpressure: 64 * 1024 * KiB,
        handler: serverSide.handler,
      });
      const peer = await rawClientsOver(t, transport, server).peer();
      peer.stream.pause();
      const serverWs = await serverSide.opened;
      assert.equal(results.length, CHUNKS);
      assertBackpressured(results, bufferedAfterBurst);
      assert.ok(serverWs.bufferedAmount > 0, 'still queued: the peer does not read');
      assert.deepEqual(
        serverSide.events.filter((e) => e.event === 'drain'),
        [],
        'no drain while the peer does not read',
      );
      peer.stream.resume();
      for (let i = 0; i < CHUNKS; i++) await peer.expectMessage(OP.BINARY, CHUNK);
      await until(() => serverSide.events.some((e) => e.event === 'drain'), 'the drain callback');
      assert.equal(serverWs.bufferedAmount, 0);
      peer.closeWith(1000);
      await peer.expectClose(1000);
      assert.equal((await serverSide.closed).wasClean, true);
    });

    test('client: a burst the server does not read turns send() false; drain fires once it reads again, and every byte arrives', async (t) => {
      const raw = await rawServerOver(t, transport);
      const client = recorder();
      const connecting = connectOver(transport, raw, {
        maxBackpressure: 64 * 1024 * KiB,
        handler: client.handler,
      });
      const peer = (await raw.nextRequest()).accept();
      const ws = await connecting;
      peer.stream.pause();
      const results: boolean[] = [];
      for (let i = 0; i < CHUNKS; i++) results.push(ws.send(CHUNK));
      assertBackpressured(results, ws.bufferedAmount);
      assert.deepEqual(
        client.events.filter((e) => e.event === 'drain'),
        [],
        'no drain while the server does not read',
      );
      peer.stream.resume();
      for (let i = 0; i < CHUNKS; i++) await peer.expectMessage(OP.BINARY, CHUNK);
      await until(() => client.events.some((e) => e.event === 'drain'), 'the drain callback');
      assert.equal(ws.bufferedAmount, 0);
      ws.close(1000);
      await peer.expectControl(OP.CLOSE, Buffer.from([0x03, 0xe8]));
      peer.closeWith(1000);
      assert.equal((await client.closed).wasClean, true);
    });

    test('sends from inside a message callback all arrive, in order', async (t) => {
      const serverSide = recorder({
        message(ws, data) {
          for (let i = 0; i < 1_000; i++) ws.send(`${data.toString()}-${i}`);
        },
      });
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const peer = await rawClientsOver(t, transport, server).peer();
      peer.send({ opcode: OP.TEXT, payload: 'r' });
      for (let i = 0; i < 1_000; i++) await peer.expectMessage(OP.TEXT, `r-${i}`);
      peer.closeWith(1000);
      await peer.expectClose(1000);
    });
  });
}

// Transport-specific: the count is of writes to a TCP handle (wirekit writes to it directly
// when the stream holds nothing), which only the plain TCP transport has; over TLS the writes
// go to the TLS socket, over HTTP/2 to the session's frames.
describe('write batching over tcp', { timeout: 60_000 }, () => {
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
});

testNothingLeftOpen();
