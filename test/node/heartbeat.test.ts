/**
 * Heartbeat and idle timeouts with small periods, over every transport of the list
 * (`test/transports/test-transports.ts`): server pings reach the client's `ping` callback and
 * are auto-ponged; a raw peer that never answers is closed with 1001 after `pongTimeout`; a
 * silent connection is closed with 1001 after `idleTimeout`; the client's own `pingInterval`;
 * `autoPong: false`. Assertions are on events and codes, never on elapsed time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { OP } from '../conformance/wire-frame.js';
import { testTransports } from '../transports/test-transports.js';
import { connectOver, rawClientsOver, serveOver } from '../transports/transport-fixtures.js';
import { recorder, testNothingLeftOpen, until } from './helpers.js';

for (const transport of testTransports()) {
  describe(`heartbeat over ${transport.name}`, { timeout: 30_000 }, () => {
    test('server pings (pingInterval) reach the client ping callback and are auto-ponged', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        pingInterval: 100,
        pongTimeout: 5_000,
        handler: serverSide.handler,
      });
      const client = recorder();
      const ws = await connectOver(transport, server, {
        handler: client.handler,
      });
      await until(
        () =>
          client.events.filter((e) => e.event === 'ping').length >= 2 &&
          serverSide.events.filter((e) => e.event === 'pong').length >= 2,
        'two pings answered',
      );
      // The connection stays open: answered pings keep it alive.
      assert.deepEqual(
        serverSide.events.filter((e) => e.event === 'close'),
        [],
      );
      ws.close();
      assert.equal((await serverSide.closed).code, 1005);
    });

    test('a raw peer that never answers pings is closed with 1001 after pongTimeout', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        pingInterval: 100,
        pongTimeout: 100,
        closeTimeout: 500,
        handler: serverSide.handler,
      });
      const peer = await rawClientsOver(t, transport, server).peer();
      // What the peer sees: at least one ping, never answered, then a close frame with 1001.
      let pings = 0;
      let frame = await peer.nextFrame();
      while (frame.opcode === OP.PING) {
        pings++;
        frame = await peer.nextFrame();
      }
      assert.ok(pings >= 1, 'a ping came first');
      assert.equal(frame.opcode, OP.CLOSE);
      assert.equal(frame.payload.readUInt16BE(0), 1001);
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1001);
      assert.equal(closed.wasClean, false);
      assert.match(closed.reason, /pong/);
      await peer.expectEnd();
    });

    test('idleTimeout closes a silent connection with 1001; the client sees the code', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        pingInterval: 0,
        idleTimeout: 200,
        handler: serverSide.handler,
      });
      const client = recorder();
      await connectOver(transport, server, { handler: client.handler });
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1001);
      assert.match(closed.reason, /idle/);
      const clientClosed = await client.closed;
      assert.equal(clientClosed.code, 1001);
      assert.match(clientClosed.reason, /idle/);
    });

    test('traffic keeps an idle timeout from firing', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        pingInterval: 0,
        idleTimeout: 300,
        handler: serverSide.handler,
      });
      const ws = await connectOver(transport, server);
      // Send every 50 ms for 20 rounds (about three idle periods).
      for (let i = 0; i < 20; i++) {
        ws.send(`keepalive ${i}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await until(() => serverSide.messages().length === 20, 'all keepalives');
      assert.deepEqual(
        serverSide.events.filter((e) => e.event === 'close'),
        [],
        'still open after traffic spanning several idle periods',
      );
      ws.close(1000);
      assert.equal((await serverSide.closed).code, 1000);
    });

    test('the client pings on its own pingInterval; the server answers', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        pingInterval: 0,
        handler: serverSide.handler,
      });
      const client = recorder();
      const ws = await connectOver(transport, server, {
        pingInterval: 100,
        pongTimeout: 5_000,
        handler: client.handler,
      });
      await until(
        () =>
          serverSide.events.some((e) => e.event === 'ping') &&
          client.events.some((e) => e.event === 'pong'),
        'a client ping and its pong',
      );
      ws.close();
      await client.closed;
    });

    test('with autoPong off, pings reach the callback and only the handler answers', async (t) => {
      const serverSide = recorder({
        open(ws) {
          ws.ping('are you there');
        },
      });
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const client = recorder({
        ping(ws, data) {
          ws.pong(`manual:${data.toString()}`);
        },
      });
      const ws = await connectOver(transport, server, {
        autoPong: false,
        handler: client.handler,
      });
      await until(() => serverSide.events.some((e) => e.event === 'pong'), 'the pong');
      // A round trip after the pong, so an automatic second pong would have arrived by now.
      ws.send('sync');
      await until(() => serverSide.messages().length === 1, 'the sync message');
      const pongs = serverSide.events.flatMap((e) =>
        e.event === 'pong' ? [e.data.toString()] : [],
      );
      assert.deepEqual(pongs, ['manual:are you there']);
      ws.close();
      await client.closed;
    });
  });
}

testNothingLeftOpen();
