/**
 * `pauseOnBackpressure` (on by default on a server) never starves the peer: a server whose
 * `drain` callback refills its output every time, so that its output is never empty, still
 * reads what the peer sends — its messages, pings and close frame — at least one read after
 * every drain. And it still paces a peer that sends without reading: an echo server's queue
 * stays bounded instead of growing with what the peer sends. Over every transport of the list,
 * with real sockets; outcomes are asserted, never durations.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Connection } from '../../src/node/connection.js';
import { OP } from '../conformance/wire-frame.js';
import { testTransports } from '../transports/test-transports.js';
import { connectOver, rawClientsOver, serveOver } from '../transports/transport-fixtures.js';
import { recorder, testNothingLeftOpen, until } from './helpers.js';

const KiB = 1024;
const CHUNK = Buffer.alloc(16 * KiB, 0x62);

/** Send until the transport backs up: the output is never empty while the peer reads. */
function refill(ws: Connection): void {
  for (let i = 0; i < 1024 && ws.readyState === 1; i++) if (!ws.send(CHUNK)) return;
}

for (const transport of testTransports()) {
  describe(`pauseOnBackpressure over ${transport.name}`, { timeout: 60_000 }, () => {
    test('a server that refills its output on every drain still hears the peer: message, ping, close', async (t) => {
      const serverSide = recorder({ open: refill, drain: refill });
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      let flooded = 0;
      const client = recorder({
        message() {
          flooded++;
        },
      });
      const ws = await connectOver(transport, server, { handler: client.handler });
      await serverSide.opened;
      // The server is backpressured from its open on, and reading paused.
      await until(() => flooded > 0, 'the flood to reach the client');
      ws.send('hello');
      await until(
        () => serverSide.messages().some((m) => m.data.toString() === 'hello'),
        'the server to read the message sent while it refills its output on every drain',
      );
      ws.ping('are you there');
      await until(
        () => serverSide.events.some((e) => e.event === 'ping'),
        'the server to read the ping',
      );
      ws.close(1000, 'bye');
      const serverClosed = await serverSide.closed;
      assert.equal(serverClosed.code, 1000);
      assert.equal(serverClosed.reason, 'bye');
      const clientClosed = await client.closed;
      assert.equal(clientClosed.wasClean, true);
      assert.ok(
        serverSide.events.filter((e) => e.event === 'drain').length > 0,
        'the server was backpressured and drained meanwhile',
      );
    });

    test('drain keeps firing when pongs are answered while sends are queued (reading never paused)', async (t) => {
      const serverSide = recorder({ open: refill, drain: refill });
      const server = await serveOver(t, transport, {
        handler: serverSide.handler,
        pauseOnBackpressure: false,
      });
      let flooded = 0;
      const ws = await connectOver(transport, server, {
        handler: {
          message(client) {
            // A ping now and then: the server answers each while its output is backed up.
            if (++flooded % 64 === 0) client.ping();
          },
        },
      });
      // 2048 × 16 KiB = 32 MiB: many drains, with pongs queued between them.
      await until(() => flooded >= 2048, 'the flood to go on past the pongs');
      assert.ok(serverSide.events.filter((e) => e.event === 'drain').length > 1);
      ws.close(1000);
      assert.equal((await serverSide.closed).code, 1000);
    });

    test('an echo server still paces a peer that sends without reading: its queue stays bounded', async (t) => {
      const echoed = recorder({
        message(ws, data, isBinary) {
          ws.send(data, isBinary);
        },
      });
      const server = await serveOver(t, transport, { handler: echoed.handler });
      const peer = await rawClientsOver(t, transport, server).peer();
      peer.stream.pause();
      const serverWs = await echoed.opened;
      // 32 MiB of messages, far more than loopback buffers take while the peer does not read.
      const batch = Array.from({ length: 64 }, () => ({ opcode: OP.BINARY, payload: CHUNK }));
      for (let i = 0; i < 32; i++) peer.sendFrames(batch);
      await until(() => echoed.messages().length > 0, 'the first echo');
      // Let the server read what it will: it stops reading once its output backs up.
      let last = -1;
      while (echoed.messages().length !== last) {
        last = echoed.messages().length;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.ok(echoed.messages().length < 32 * 64, 'the server stopped reading');
      assert.ok(
        serverWs.bufferedAmount < 8 * 1024 * KiB,
        `the echo queue stays bounded (${serverWs.bufferedAmount} bytes)`,
      );
      peer.stream.resume();
      for (let i = 0; i < 32 * 64; i++) await peer.expectMessage(OP.BINARY, CHUNK);
      peer.closeWith(1000);
      await peer.expectClose(1000);
      assert.equal((await echoed.closed).wasClean, true);
    });
  });
}

testNothingLeftOpen();
