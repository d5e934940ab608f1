/**
 * Backpressure, heartbeat and limits over HTTP/2 (RFC 8441), per stream of one session: a
 * stream whose peer stops reading fills its own flow-control window and then wirekit's buffer,
 * up to `maxBackpressure` (1008), while the session's other streams keep flowing; `drain`
 * fires when the peer reads again; pings, pong and idle timeouts, and the message size limit
 * (1009) end one stream, never the session. The same behaviours on one connection, over every
 * transport, are in test/node/backpressure, heartbeat and limits; what is HTTP/2's own here is
 * the session: siblings on it are unaffected.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Http2WebSocketSession } from '../../src/node/transports/h2-client.js';
import { RawPeer } from '../conformance/raw-peer.js';
import { encodeFrame, OP } from '../conformance/wire-frame.js';
import { deferred, until, within } from '../node/helpers.js';
import { isHttp2, testTransports } from '../transports/test-transports.js';
import { clientTls, connectionLog, openPeer, QUICK } from './h2-fixtures.js';
import {
  closeRawSession,
  openRawSession,
  rawExtendedConnect,
  rawH2Server,
  wsUrlOf,
} from './raw-h2.js';

const KiB = 1024;
const CHUNK = Buffer.alloc(64 * KiB, 0x5a);

for (const transport of testTransports().filter(isHttp2)) {
  const kind = transport.name;
  describe(`flow control, heartbeat and limits over ${kind}`, { timeout: 60_000 }, () => {
    test('a stream whose peer does not read hits the backpressure limit (1008); the other streams of the session keep flowing', async (t) => {
      let floods = 0;
      // Echoes everything ('flood' too, which the stuck stream never reads anyway).
      const log = connectionLog({
        message(ws, data) {
          if (data.toString() !== 'flood') return;
          // Send until the connection gives up on this peer (bounded: 1 MiB backlog at most).
          const pump = (): void => {
            if (ws.readyState !== 1 || floods > 4_000) return;
            floods++;
            ws.send(CHUNK);
            setImmediate(pump);
          };
          pump();
        },
      });
      const server = await transport.listen({
        ...QUICK,
        maxBackpressure: 256 * KiB,
        handler: log.handler,
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));

      // The stuck stream: asks for a flood and never reads it.
      const stuck = await rawExtendedConnect(session, '/stuck');
      assert.equal(stuck.status, 200);
      stuck.stream.pause();
      t.after(() => stuck.stream.destroy());
      stuck.stream.write(encodeFrame({ opcode: OP.TEXT, payload: 'flood', mask: true }));
      const busy = await openPeer(session, '/busy');

      const report = await log.closeOf('/stuck');
      assert.deepEqual(report, {
        code: 1008,
        reason: 'backpressure limit exceeded',
        wasClean: false,
      });
      assert.ok(floods > 4, `the server sent ${floods} chunks before giving up`);
      // The server lets go of the stuck stream within closeTimeout (it resets it; our paused
      // side only notices once read); the session stays.
      await within(
        (async () => {
          while (server.connections.size > 1) await new Promise((r) => setTimeout(r, 10));
        })(),
        10_000,
        'the server to let go of the stuck stream',
      );
      for (let i = 0; i < 5; i++) {
        busy.peer.send({ opcode: OP.BINARY, payload: CHUNK });
        await busy.peer.expectMessage(OP.BINARY, CHUNK);
      }
      assert.equal(session.closed, false);
      assert.equal(server.connections.size, 1);
      busy.peer.closeWith(1000);
      await busy.peer.expectClose(1000);
      stuck.stream.destroy();
    });

    test('sends report backpressure from the peer’s flow-control window; drain fires once the peer reads again', async (t) => {
      const backpressured = deferred<number>();
      const drained = deferred<void>();
      const log = connectionLog({
        echo: false,
        message(ws, data) {
          if (data.toString() !== 'burst') return;
          let sent = 0;
          // The stream's window (64 KiB by default) and buffer fill up: send() says so.
          while (sent < 200) {
            sent++;
            if (!ws.send(CHUNK)) break;
          }
          backpressured.resolve(sent);
        },
        drain(ws) {
          drained.resolve();
          if (ws.readyState === 1) ws.send('after drain');
        },
      });
      const server = await transport.listen({
        ...QUICK,
        maxBackpressure: 64 * 1024 * KiB,
        handler: log.handler,
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const slow = await rawExtendedConnect(session, '/slow');
      slow.stream.pause();
      slow.stream.write(encodeFrame({ opcode: OP.TEXT, payload: 'burst', mask: true }));
      const sent = await within(backpressured.promise, 10_000, 'the burst');
      assert.ok(sent < 200, `send() reported backpressure (after ${sent} chunks)`);
      // Now read everything: the chunks, then the message sent from the drain callback.
      const peer = new RawPeer(slow.stream, 'client', Buffer.alloc(0));
      slow.stream.once('end', () => slow.stream.end());
      slow.stream.resume();
      for (let i = 0; i < sent; i++) await peer.expectMessage(OP.BINARY, CHUNK);
      await within(drained.promise, 10_000, 'the drain callback');
      await peer.expectMessage(OP.TEXT, 'after drain');
      peer.closeWith(1000);
      await peer.expectClose(1000);
      assert.equal((await log.closeOf('/slow')).wasClean, true);
    });

    test('client side: a server stream that does not read makes the client close with 1008; its sibling is unaffected', async (t) => {
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      const closed = deferred<{ code: number; reason: string }>();
      const flooding = session.openWebSocket('/flooding', {
        ...QUICK,
        maxBackpressure: 128 * KiB,
        handler: { close: (_ws, code, reason) => closed.resolve({ code, reason }) },
      });
      const stuck = await raw.nextStream();
      const client = await flooding;
      stuck.stream.pause();
      const siblingOpening = session.openWebSocket('/sibling', QUICK);
      const sibling = new RawPeer((await raw.nextStream()).stream, 'server', Buffer.alloc(0));
      const siblingClient = await siblingOpening;

      for (let i = 0; i < 200 && client.readyState === 1; i++) {
        client.send(CHUNK);
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.deepEqual(await within(closed.promise, 10_000, 'the client close'), {
        code: 1008,
        reason: 'backpressure limit exceeded',
      });
      siblingClient.send('sibling');
      await sibling.expectMessage(OP.TEXT, 'sibling');
      assert.equal(session.closed, false);
    });

    test('heartbeat: pings go out on each stream; an answered stream stays, a silent one is closed with 1001 (pong timeout)', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({
        ...QUICK,
        pingInterval: 100,
        pongTimeout: 1_000,
        handler: log.handler,
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const answering = await openPeer(session, '/answering');
      const silent = await openPeer(session, '/silent');
      // The answering stream answers every ping until something else arrives (the close echo).
      let answered = 0;
      const answeringLoop = (async () => {
        for (;;) {
          const frame = await answering.peer.nextFrame();
          if (frame.opcode !== OP.PING) return frame.opcode;
          answering.peer.send({ opcode: OP.PONG, payload: frame.payload });
          answered++;
        }
      })();

      // The silent stream gets its ping and then, unanswered, the close.
      const silentPing = await silent.peer.nextFrame();
      assert.equal(silentPing.opcode, OP.PING);
      await silent.peer.expectClose(1001);
      assert.deepEqual(await log.closeOf('/silent'), {
        code: 1001,
        reason: 'pong timeout',
        wasClean: false,
      });

      // Meanwhile the answering stream went through pings and is still open.
      await until(() => answered >= 3, 'three answered pings');
      assert.equal((await log.recordFor('/answering')).connection?.readyState, 1);
      answering.peer.closeWith(1000);
      assert.equal(await answeringLoop, OP.CLOSE, 'the close echo ends the pings');
      assert.equal((await log.closeOf('/answering')).wasClean, true);
      assert.equal(session.closed, false);
    });

    test('idle timeout: a stream that sends nothing is closed with 1001; a busy sibling is not', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({
        ...QUICK,
        idleTimeout: 300,
        handler: log.handler,
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const idle = await openPeer(session, '/idle');
      const busy = await openPeer(session, '/busy');
      let idleClosed = false;
      const closing = idle.peer.expectClose(1001).finally(() => {
        idleClosed = true;
      });
      const keepBusy = (async () => {
        while (!idleClosed) {
          busy.peer.send({ opcode: OP.TEXT, payload: 'tick' });
          await busy.peer.expectMessage(OP.TEXT, 'tick');
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      })();
      await closing;
      await keepBusy;
      assert.deepEqual(await log.closeOf('/idle'), {
        code: 1001,
        reason: 'idle timeout',
        wasClean: false,
      });
      assert.equal((await log.recordFor('/busy')).connection?.readyState, 1);
      busy.peer.closeWith(1000);
      await busy.peer.expectClose(1000);
    });

    test('a message over maxMessageSize closes its stream with 1009; the session and its other streams go on', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({
        ...QUICK,
        maxMessageSize: 1000,
        handler: log.handler,
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const big = await openPeer(session, '/big');
      const small = await openPeer(session, '/small');
      big.peer.send({ opcode: OP.TEXT, payload: 'x'.repeat(600), fin: false });
      big.peer.send({ opcode: OP.CONT, payload: 'x'.repeat(600) });
      await big.peer.expectClose(1009);
      assert.equal((await log.closeOf('/big')).code, 1009);
      small.peer.send({ opcode: OP.TEXT, payload: 'y'.repeat(1000) });
      await small.peer.expectMessage(OP.TEXT, 'y'.repeat(1000));
      small.peer.closeWith(1000);
      await small.peer.expectClose(1000);
      assert.equal(session.closed, false);
    });

    test('client heartbeat: connect({ http2: true, pingInterval }) pings on its stream (masked)', async (t) => {
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      const opening = session.openWebSocket('/pinging', { ...QUICK, pingInterval: 100 });
      const peer = new RawPeer((await raw.nextStream()).stream, 'server', Buffer.alloc(0));
      await opening;
      // nextFrame checks that client frames are masked (RFC 6455 §5.1).
      const ping = await peer.nextFrame();
      assert.equal(ping.opcode, OP.PING);
      peer.send({ opcode: OP.PONG, payload: ping.payload });
    });
  });
}
