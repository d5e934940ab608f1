/**
 * Limits, over every transport of the list (`test/transports/test-transports.ts`), on the
 * server and on the client: `maxMessageSize` and `maxFrameSize` close with 1009 (RFC 6455
 * §7.4.1, §10.4), decided on a frame's header before its payload arrives; a peer that stops
 * reading is closed with 1008 once `maxBackpressure` bytes are queued for it, or once nothing
 * was taken for `backpressureTimeout`. Outcomes are asserted, never durations; every test
 * pushes a bounded number of bytes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import type { Connection } from '../../src/node/connection.js';
import { OP } from '../conformance/wire-frame.js';
import { testTransports } from '../transports/test-transports.js';
import {
  connectOver,
  rawClientsOver,
  rawServerOver,
  serveOver,
} from '../transports/transport-fixtures.js';
import { recorder, testNothingLeftOpen } from './helpers.js';

const KiB = 1024;
/** Far more than any test here may push at a peer that does not read (kernel buffers too). */
const SEND_CAP = 64 * 1024 * KiB;

/**
 * Send `chunk` until the connection is no longer open or `SEND_CAP` bytes went out, a burst
 * of 1 MiB per macrotask so the transport's state is real between bursts. With `polite`, it
 * waits for `writable()` whenever `send()` returns false (so only a deadline can close it).
 */
async function flood(ws: Connection, chunk: Buffer, polite = false): Promise<number> {
  let pushed = 0;
  while (ws.readyState === ReadyState.OPEN && pushed < SEND_CAP) {
    pushed += chunk.length;
    const accepted = ws.send(chunk);
    if (polite && !accepted) await ws.writable();
    else if (pushed % (1024 * KiB) === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return pushed;
}

for (const transport of testTransports()) {
  describe(`limits over ${transport.name}`, { timeout: 60_000 }, () => {
    test('a message over the server’s maxMessageSize → 1009 on both sides; one at the limit is delivered', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        maxMessageSize: 1024,
        handler: serverSide.handler,
      });
      const client = recorder();
      const ws = await connectOver(transport, server, { handler: client.handler });
      ws.send(Buffer.alloc(1024, 1)); // at the limit: accepted
      ws.send('a'.repeat(512), false, false); // fragmented: the total counts
      ws.send('b'.repeat(513), false, true);
      assert.equal((await serverSide.closed).code, 1009);
      assert.equal(serverSide.messages().length, 1);
      assert.equal(serverSide.messages()[0]!.data.length, 1024);
      assert.equal((await client.closed).code, 1009);
    });

    test('the client enforces its own maxMessageSize → 1009', async (t) => {
      const server = await serveOver(t, transport, {
        handler: {
          open(ws) {
            ws.send(Buffer.alloc(4096));
          },
        },
      });
      const client = recorder();
      await connectOver(transport, server, { maxMessageSize: 4095, handler: client.handler });
      assert.equal((await client.closed).code, 1009);
      assert.equal(client.messages().length, 0);
    });

    test('a frame announcing more than maxMessageSize → 1009 before its payload arrives', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        maxMessageSize: 1024,
        closeTimeout: 1_000,
        handler: serverSide.handler,
      });
      const peer = await rawClientsOver(t, transport, server).peer();
      // Only the header of a 1 GiB frame (and its masking key): the limit is checked before
      // allocating.
      peer.sendBytes(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]));
      await peer.expectClose(1009, { endsConnection: false });
      assert.equal((await serverSide.closed).code, 1009);
    });

    test('a frame over maxFrameSize → 1009, though the message would fit; smaller fragments pass', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        maxMessageSize: 4096,
        maxFrameSize: 1024,
        closeTimeout: 1_000,
        handler: serverSide.handler,
      });
      const peer = await rawClientsOver(t, transport, server).peer();
      // 3 KiB in frames of 1 KiB: every frame at the limit, the message under its own.
      peer.sendFrames([
        { opcode: OP.BINARY, fin: false, payload: Buffer.alloc(1024, 1) },
        { opcode: OP.CONT, fin: false, payload: Buffer.alloc(1024, 2) },
        { opcode: OP.CONT, payload: Buffer.alloc(1024, 3) },
      ]);
      peer.send({ opcode: OP.BINARY, payload: Buffer.alloc(1025, 4) });
      await peer.expectClose(1009, { endsConnection: false });
      assert.equal((await serverSide.closed).code, 1009);
      assert.deepEqual(
        serverSide.messages().map((m) => m.data.length),
        [3 * 1024],
      );
    });

    test('maxBackpressure: a raw client that never reads: send() turns false, then 1008', async (t) => {
      const chunk = Buffer.alloc(16 * KiB, 0x61);
      const results: boolean[] = [];
      let bufferedAtLastSend = 0;
      const serverSide = recorder({
        open(ws) {
          // Pump in macrotask-sized bursts so the socket's state is real between bursts.
          const pump = (): void => {
            for (let i = 0; i < 64; i++) {
              if (ws.readyState !== ReadyState.OPEN) return;
              results.push(ws.send(chunk));
              bufferedAtLastSend = ws.bufferedAmount;
            }
            if (results.length * chunk.length < SEND_CAP) setImmediate(pump);
          };
          pump();
        },
      });
      const server = await serveOver(t, transport, {
        maxBackpressure: 64 * KiB,
        closeTimeout: 500,
        handler: serverSide.handler,
      });
      const peer = await rawClientsOver(t, transport, server).peer();
      peer.stream.pause(); // never reads again
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1008);
      assert.equal(closed.wasClean, false);
      assert.equal(closed.reason, 'backpressure limit exceeded');
      const firstFalse = results.indexOf(false);
      assert.ok(firstFalse >= 0, 'send() returned false before the limit closed the connection');
      assert.ok(
        results.slice(0, firstFalse).every((r) => r),
        'true until the transport backed up',
      );
      assert.ok(
        bufferedAtLastSend > 64 * KiB,
        `bufferedAmount ${bufferedAtLastSend} passed 64 KiB`,
      );
      assert.ok(results.length * chunk.length < SEND_CAP, 'closed before the test cap');
    });

    test('maxBackpressure on the client: a raw server that never reads → 1008', async (t) => {
      const raw = await rawServerOver(t, transport);
      const client = recorder();
      const connecting = connectOver(transport, raw, {
        maxBackpressure: 128 * KiB,
        closeTimeout: 500,
        handler: client.handler,
      });
      const peer = (await raw.nextRequest()).accept();
      const ws = await connecting;
      peer.stream.pause(); // the server stops reading
      const pushed = await flood(ws, Buffer.alloc(64 * KiB, 0x62));
      const closed = await client.closed;
      assert.equal(closed.code, 1008);
      assert.equal(closed.wasClean, false);
      assert.equal(closed.reason, 'backpressure limit exceeded');
      assert.ok(pushed < SEND_CAP, `closed after ${pushed} bytes`);
    });

    test('backpressureTimeout: a raw client that stops reading gets 1008', async (t) => {
      let pushed = 0;
      let pump: NodeJS.Immediate | undefined;
      const chunk = Buffer.alloc(64 * KiB, 0x63);
      // A well-behaved sender: it stops when send() says so and goes on at `drain`, so the hard
      // limit (64 MiB by default) is never what closes the connection.
      const burst = (ws: Connection): void => {
        pump = undefined;
        for (let i = 0; i < 16; i++) {
          if (ws.readyState !== ReadyState.OPEN || pushed >= SEND_CAP) return;
          pushed += chunk.length;
          if (!ws.send(chunk)) return;
        }
        pump = setImmediate(burst, ws);
      };
      const serverSide = recorder({ open: burst, drain: burst });
      const server = await serveOver(t, transport, {
        backpressureTimeout: 300,
        closeTimeout: 500,
        handler: serverSide.handler,
      });
      t.after(() => clearImmediate(pump));
      const peer = await rawClientsOver(t, transport, server).peer();
      peer.stream.pause(); // never reads again
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1008);
      assert.equal(closed.wasClean, false);
      assert.match(closed.reason, /backpressure timeout/);
      assert.ok(pushed < SEND_CAP, `closed after ${pushed} bytes`);
    });

    test('backpressureTimeout on the client: a raw server that stops reading → 1008', async (t) => {
      const raw = await rawServerOver(t, transport);
      const client = recorder();
      const connecting = connectOver(transport, raw, {
        backpressureTimeout: 300,
        closeTimeout: 500,
        handler: client.handler,
      });
      const peer = (await raw.nextRequest()).accept();
      const ws = await connecting;
      peer.stream.pause(); // the server stops reading
      const pushed = await flood(ws, Buffer.alloc(64 * KiB, 0x64), true);
      const closed = await client.closed;
      assert.equal(closed.code, 1008);
      assert.equal(closed.wasClean, false);
      assert.match(closed.reason, /backpressure timeout/);
      assert.ok(pushed < SEND_CAP, `closed after ${pushed} bytes`);
    });
  });
}

testNothingLeftOpen();
