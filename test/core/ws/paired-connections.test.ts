/**
 * A client and a server WebSocketConnection wired back to back in memory: every message kind
 * in both directions, with real (random) client masking, through the whole close handshake.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadyState } from '../../../src/core/ws/ready-state.js';
import { WebSocketConnection } from '../../../src/core/ws/websocket-connection.js';
import type { WebSocketEvent } from '../../../src/core/ws/websocket-event.js';
import { bytewise, drainConnection, hex, pattern, utf8 } from './helpers.js';

type Side = 'client' | 'server';

function pair() {
  return {
    client: new WebSocketConnection({ role: 'client' }),
    server: new WebSocketConnection({ role: 'server' }),
  };
}

/** Move everything `from` queued to `to` and return what `to` reports. */
function flush(from: WebSocketConnection, to: WebSocketConnection, oneByteAtATime = false) {
  const out = from.takeOutput();
  for (const chunk of oneByteAtATime ? bytewise(out) : [out]) to.receive(chunk);
  return drainConnection(to);
}

const sizes = [0, 1, 125, 126, 127, 65535, 65536, 70_000];

for (const sender of ['client', 'server'] as const satisfies readonly Side[]) {
  const receiver: Side = sender === 'client' ? 'server' : 'client';
  describe(`paired connections: ${sender} → ${receiver}`, () => {
    for (const n of sizes) {
      test(`§5.6 ${n}-byte binary message`, () => {
        const p = pair();
        p[sender].sendBinary(pattern(n));
        assert.deepEqual(flush(p[sender], p[receiver]), [{ type: 'binary', data: pattern(n) }]);
      });

      test(`§5.6 ${n}-byte text message from bytes and from a string`, () => {
        const p = pair();
        const s = 'é'.repeat(n >>> 1) + 'a'.repeat(n & 1);
        p[sender].sendText(utf8(s));
        p[sender].sendText(s);
        assert.deepEqual(flush(p[sender], p[receiver]), [
          { type: 'text', data: utf8(s) },
          { type: 'text', data: utf8(s) },
        ]);
      });
    }

    test('§5.6 text with every UTF-8 length (1–4 bytes), one byte at a time', () => {
      const p = pair();
      const s = 'a é € 😀 \u0000 \uffff \u{10ffff}';
      p[sender].sendText(s);
      assert.deepEqual(flush(p[sender], p[receiver], true), [{ type: 'text', data: utf8(s) }]);
    });

    test('§5.4 fragmented text (code point cut between fragments) and binary, with pings inside', () => {
      const p = pair();
      const euro = hex('e2 82 ac');
      p[sender].sendText(euro.subarray(0, 1), false);
      p[sender].ping('1');
      p[sender].sendText(euro.subarray(1), false);
      p[sender].sendText('!', true);
      p[sender].sendBinary(pattern(1000), false);
      p[sender].pong('2');
      p[sender].sendBinary(new Uint8Array(0), false);
      p[sender].sendBinary(pattern(70_000), true);
      const binary = new Uint8Array(71_000);
      binary.set(pattern(1000));
      binary.set(pattern(70_000), 1000);
      assert.deepEqual(flush(p[sender], p[receiver]), [
        { type: 'ping', data: utf8('1') },
        { type: 'text', data: utf8('€!') },
        { type: 'pong', data: utf8('2') },
        { type: 'binary', data: binary },
      ]);
      // The receiver answered the ping by itself; the sender sees the pong.
      assert.deepEqual(flush(p[receiver], p[sender]), [{ type: 'pong', data: utf8('1') }]);
    });

    test('§5.5.2 ping with 0 and 125 bytes is answered with the same payload', () => {
      const p = pair();
      p[sender].ping();
      p[sender].ping(pattern(125));
      assert.deepEqual(flush(p[sender], p[receiver]), [
        { type: 'ping', data: new Uint8Array(0) },
        { type: 'ping', data: pattern(125) },
      ]);
      assert.deepEqual(flush(p[receiver], p[sender]), [
        { type: 'pong', data: new Uint8Array(0) },
        { type: 'pong', data: pattern(125) },
      ]);
    });

    test('§5.5.3 an unsolicited pong is delivered and not answered', () => {
      const p = pair();
      p[sender].pong('heartbeat');
      assert.deepEqual(flush(p[sender], p[receiver]), [{ type: 'pong', data: utf8('heartbeat') }]);
      assert.equal(p[receiver].outputLength, 0);
    });

    test('§7.1.2 close handshake: code and reason delivered, echoed, both sides CLOSED', () => {
      const p = pair();
      p[sender].sendText('last words');
      p[sender].close(4001, 'bye ✓');
      assert.equal(p[sender].readyState, ReadyState.CLOSING);
      const atReceiver: WebSocketEvent[] = [
        { type: 'text', data: utf8('last words') },
        { type: 'close', code: 4001, reason: 'bye ✓', wasClean: true, initiator: 'remote' },
      ];
      assert.deepEqual(flush(p[sender], p[receiver]), atReceiver);
      assert.equal(p[receiver].readyState, ReadyState.CLOSED);
      assert.deepEqual(flush(p[receiver], p[sender]), [
        { type: 'close', code: 4001, reason: 'bye ✓', wasClean: true, initiator: 'local' },
      ]);
      assert.equal(p[sender].readyState, ReadyState.CLOSED);
      assert.equal(p[sender].outputLength, 0);
      assert.equal(p[receiver].outputLength, 0);
    });

    test('§7.1.2 close without a code: 1005 on both sides', () => {
      const p = pair();
      p[sender].close();
      assert.deepEqual(flush(p[sender], p[receiver]), [
        { type: 'close', code: 1005, reason: '', wasClean: true, initiator: 'remote' },
      ]);
      assert.deepEqual(flush(p[receiver], p[sender]), [
        { type: 'close', code: 1005, reason: '', wasClean: true, initiator: 'local' },
      ]);
    });

    test('§7.1.7 a limit broken by the peer: 1009 both sides, the peer sees why', () => {
      const limited = {
        client: new WebSocketConnection({ role: 'client', maxMessageSize: 100 }),
        server: new WebSocketConnection({ role: 'server', maxMessageSize: 100 }),
      };
      limited[sender].sendBinary(pattern(101));
      const [failed] = flush(limited[sender], limited[receiver]);
      assert.ok(failed?.type === 'close');
      assert.equal(failed.code, 1009);
      assert.equal(failed.wasClean, false);
      const [seen] = flush(limited[receiver], limited[sender]);
      assert.ok(seen?.type === 'close');
      assert.equal(seen.code, 1009);
      assert.equal(seen.initiator, 'remote');
      assert.ok(seen.reason.length > 0);
    });
  });
}

describe('paired connections: both directions at once', () => {
  test('§5.1 a conversation: many messages each way, interleaved, then close', () => {
    const p = pair();
    const expectAtServer: WebSocketEvent[] = [];
    const expectAtClient: WebSocketEvent[] = [];
    for (let i = 0; i < 50; i++) {
      const n = (i * 977) % 3000;
      p.client.sendBinary(pattern(n));
      expectAtServer.push({ type: 'binary', data: pattern(n) });
      p.server.sendText(`reply ${i}`);
      expectAtClient.push({ type: 'text', data: utf8(`reply ${i}`) });
    }
    assert.deepEqual(flush(p.client, p.server), expectAtServer);
    assert.deepEqual(flush(p.server, p.client), expectAtClient);
    p.server.close(1000);
    p.client.sendText('crossing the close'); // in flight when the server's close arrives
    assert.deepEqual(flush(p.client, p.server), [
      { type: 'text', data: utf8('crossing the close') },
    ]);
    assert.deepEqual(flush(p.server, p.client), [
      { type: 'close', code: 1000, reason: '', wasClean: true, initiator: 'remote' },
    ]);
    assert.deepEqual(flush(p.client, p.server), [
      { type: 'close', code: 1000, reason: '', wasClean: true, initiator: 'local' },
    ]);
  });

  test('§5.3 client frames are masked, server frames are not', () => {
    const p = pair();
    p.client.sendText('x');
    p.server.sendText('x');
    assert.equal(p.client.takeOutput()[1]! & 0x80, 0x80);
    assert.equal(p.server.takeOutput()[1]! & 0x80, 0);
  });
});
