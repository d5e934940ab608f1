/**
 * Closing, over every transport of the list (`test/transports/test-transports.ts`): the close
 * handshake loses nothing and carries codes and reasons both ways (RFC 6455 §5.5.1, §7.1.5),
 * `terminate()` reports 1006 on both sides, a raw peer that answers the handshake gets a clean
 * close and the echo of its own close, and `closeTimeout` ends a handshake the peer never
 * answers. Over HTTP/2 "the TCP connection" is the WebSocket's stream (RFC 8441 §5): its
 * END_STREAM is the FIN. Assertions are on events and codes, never on elapsed time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import type { Connection } from '../../src/node/connection.js';
import type { RawPeer } from '../conformance/raw-peer.js';
import { OP } from '../conformance/wire-frame.js';
import { within } from '../helpers/within.js';
import { testTransports } from '../transports/test-transports.js';
import {
  type AfterHook,
  connectOver,
  rawClientsOver,
  rawServerOver,
  serveOver,
} from '../transports/transport-fixtures.js';
import { type Recorder, recorder, testNothingLeftOpen } from './helpers.js';

const COUNT = 1_000;
const CLEAN_1000 = { event: 'close', code: 1000, reason: '', wasClean: true } as const;

for (const transport of testTransports()) {
  describe(`close over ${transport.name}`, { timeout: 30_000 }, () => {
    /** A wirekit client (close timeout 5 s) connected to a raw server peer. */
    async function openRawServerPeer(
      t: AfterHook,
    ): Promise<{ peer: RawPeer; ws: Connection<undefined>; client: Recorder<undefined> }> {
      const raw = await rawServerOver(t, transport);
      const client = recorder<undefined>();
      const connecting = connectOver(transport, raw, {
        closeTimeout: 5_000,
        handler: client.handler,
      });
      const peer = (await raw.nextRequest()).accept();
      return { peer, ws: await connecting, client };
    }

    test(`client sends ${COUNT} messages then close(): the server gets all before its close callback`, async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const client = recorder();
      const ws = await connectOver(transport, server, { handler: client.handler });
      for (let i = 0; i < COUNT; i++) ws.send(`message ${i}`);
      ws.close(1000, 'all sent');
      const closed = await serverSide.closed;
      assert.deepEqual(closed, { event: 'close', code: 1000, reason: 'all sent', wasClean: true });
      assert.equal(serverSide.events.at(-1)!.event, 'close');
      assert.deepEqual(
        serverSide.messages().map((m) => m.data.toString()),
        Array.from({ length: COUNT }, (_, i) => `message ${i}`),
      );
      assert.equal((await client.closed).wasClean, true);
    });

    test(`server sends ${COUNT} messages then close(): the client gets all before its close callback`, async (t) => {
      const server = await serveOver(t, transport, {
        handler: {
          open(ws) {
            for (let i = 0; i < COUNT; i++) ws.sendBinary(Buffer.from(String(i)));
            ws.close(4100, 'server done');
          },
        },
      });
      const client = recorder();
      await connectOver(transport, server, { handler: client.handler });
      assert.deepEqual(await client.closed, {
        event: 'close',
        code: 4100,
        reason: 'server done',
        wasClean: true,
      });
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        Array.from({ length: COUNT }, (_, i) => String(i)),
      );
      assert.ok(client.messages().every((m) => m.isBinary));
    });

    test('close() without a code reports 1005 on both sides (§7.1.5)', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const client = recorder();
      const ws = await connectOver(transport, server, { handler: client.handler });
      ws.close();
      const clean = { event: 'close', code: 1005, reason: '', wasClean: true };
      assert.deepEqual(await serverSide.closed, clean);
      assert.deepEqual(await client.closed, clean);
    });

    test('server-initiated close: code and reason reach the client; wasClean on both', async (t) => {
      const serverSide = recorder({
        message(ws) {
          ws.close(1001, 'going away now');
        },
      });
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const client = recorder();
      const ws = await connectOver(transport, server, { handler: client.handler });
      ws.send('please close');
      const report = { event: 'close', code: 1001, reason: 'going away now', wasClean: true };
      assert.deepEqual(await client.closed, report);
      // The initiator reports the echo it received (§7.1.5), which repeats the code and the
      // reason (§5.5.1).
      assert.deepEqual(await serverSide.closed, report);
      assert.equal(ws.readyState, ReadyState.CLOSED);
    });

    test('terminate() → both sides see 1006, not clean', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const client = recorder();
      const ws = await connectOver(transport, server, { handler: client.handler });
      await serverSide.opened;
      ws.terminate();
      for (const closed of [await serverSide.closed, await client.closed]) {
        assert.equal(closed.code, 1006);
        assert.equal(closed.wasClean, false);
      }
      assert.equal(ws.readyState, ReadyState.CLOSED);
    });

    test('the server terminating → the client sees 1006', async (t) => {
      const server = await serveOver(t, transport, {
        handler: {
          open(ws) {
            ws.terminate();
          },
        },
      });
      const client = recorder();
      await connectOver(transport, server, { handler: client.handler });
      const closed = await client.closed;
      assert.equal(closed.code, 1006);
      assert.equal(closed.wasClean, false);
    });

    test('a raw client that answers the close handshake gets wasClean on the server', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const peer = await rawClientsOver(t, transport, server).peer();
      (await serverSide.opened).close(4000, 'bye');
      await peer.expectControl(OP.CLOSE, Buffer.from('\x0f\xa0bye', 'latin1'));
      peer.closeWith(4000);
      assert.deepEqual(await serverSide.closed, {
        event: 'close',
        code: 4000,
        reason: '',
        wasClean: true,
      });
      await peer.expectEnd(); // the server closes the connection first (§7.1.1)
    });

    test('§5.5.1 the server echoes the peer’s close code and reason', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const peer = await rawClientsOver(t, transport, server).peer();
      peer.closeWith(4002, 'raw bye ✓');
      await peer.expectControl(
        OP.CLOSE,
        Buffer.concat([Buffer.from([0x0f, 0xa2]), Buffer.from('raw bye ✓')]),
      );
      assert.deepEqual(await serverSide.closed, {
        event: 'close',
        code: 4002,
        reason: 'raw bye ✓',
        wasClean: true,
      });
      await peer.expectEnd();
    });

    test('while CLOSING, data sends are dropped but pings and pongs follow the close frame (§5.5.1)', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, { handler: serverSide.handler });
      const peer = await rawClientsOver(t, transport, server).peer();
      const serverWs = await serverSide.opened;
      serverWs.close(4000, 'kicked');
      assert.equal(serverWs.readyState, ReadyState.CLOSING);
      assert.equal(serverWs.send('dropped'), false);
      assert.equal(serverWs.ping('p'), true);
      assert.equal(serverWs.pong('q'), true);
      assert.equal(serverWs.droppedSends, 1);
      await peer.expectControl(OP.CLOSE, Buffer.from('\x0f\xa0kicked', 'latin1'));
      await peer.expectControl(OP.PING, 'p');
      await peer.expectControl(OP.PONG, 'q');
      peer.closeWith(4000, 'kicked');
      assert.deepEqual(await serverSide.closed, {
        event: 'close',
        code: 4000,
        reason: 'kicked',
        wasClean: true,
      });
      await peer.expectEnd();
    });

    test('closeTimeout: a raw client that never answers the close frame is dropped with 1006', async (t) => {
      const serverSide = recorder();
      const server = await serveOver(t, transport, {
        closeTimeout: 200,
        handler: serverSide.handler,
      });
      const peer = await rawClientsOver(t, transport, server).peer();
      (await serverSide.opened).close(4000, 'bye');
      // The raw client reads the close frame and says nothing back.
      await peer.expectClose(4000);
      const closed = await serverSide.closed;
      assert.equal(closed.code, 1006);
      assert.equal(closed.wasClean, false);
    });

    test('closeTimeout: the client gives up on a server that never answers its close frame (1006)', async (t) => {
      const raw = await rawServerOver(t, transport);
      const client = recorder();
      const connecting = connectOver(transport, raw, {
        closeTimeout: 200,
        handler: client.handler,
      });
      const peer = (await raw.nextRequest()).accept();
      const ws = await connecting;
      ws.close(1000, 'bye');
      // The raw server reads the close frame and says nothing back.
      const frame = await peer.nextFrame();
      assert.equal(frame.opcode, OP.CLOSE);
      const closed = await client.closed;
      assert.equal(closed.code, 1006);
      assert.equal(closed.wasClean, false);
      assert.equal(ws.readyState, ReadyState.CLOSED);
    });

    // Transport-specific: who ends the connection after a clean close. Over TCP and TLS the
    // server closes TCP first (§7.1.1: the server keeps the TIME_WAIT), so the client waits
    // for it. An HTTP/2 stream has no TIME_WAIT, and a peer may never end its side (undici
    // does not): once the handshake is complete, wirekit ends its side of the stream and
    // then closes it with RST_STREAM(NO_ERROR) after its last DATA frame (RFC 9113 §8.1).
    if (transport.http === '1.1') {
      test('after a clean close the client waits for the server to close TCP first (§7.1.1)', async (t) => {
        const { peer, ws, client } = await openRawServerPeer(t);
        let clientEnded = false;
        peer.stream.once('end', () => {
          clientEnded = true;
        });
        ws.close(1000);
        await peer.expectControl(OP.CLOSE, Buffer.from([0x03, 0xe8]));
        peer.closeWith(1000); // the echo; the connection stays open on our side
        assert.deepEqual(await client.closed, CLEAN_1000);
        // The client did not end the connection by itself; once the server does, it follows.
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.equal(clientEnded, false, 'the client waits for the server to close first');
        await within(peer.expectEnd(), 10_000, 'the client to close its side');
        assert.equal(clientEnded, true);
      });
    } else {
      test('after a clean close the client ends its stream without waiting for the server (RFC 8441 §5, RFC 9113 §8.1)', async (t) => {
        const { peer, ws, client } = await openRawServerPeer(t);
        ws.close(1000);
        await peer.expectControl(OP.CLOSE, Buffer.from([0x03, 0xe8]));
        peer.closeWith(1000); // the echo; our side of the stream stays open
        assert.deepEqual(await client.closed, CLEAN_1000);
        await within(peer.ended, 10_000, 'the client to end its stream');
        assert.ok(peer.isEnded);
      });
    }
  });
}

testNothingLeftOpen();
