/**
 * Prepared messages (pub/sub): one frame built once and copied by many server connections;
 * `sendFrame`'s state checks, its wait behind an unfinished fragmented message (RFC 6455 §5.4),
 * and `sendPrepared`'s choice between the shared frame, a shared compressed frame and the
 * connection's own compressor.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import type { MessageCompression } from '../../../src/core/ws/message-codec.js';
import { PreparedMessage } from '../../../src/core/ws/prepared-message.js';
import { WebSocketConnection } from '../../../src/core/ws/websocket-connection.js';
import { hex, parseOutput, toHex } from './helpers.js';

test('a prepared text frame is RFC 6455 §5.7 "Hello", built once for any number of sends', () => {
  const message = new PreparedMessage();
  message.prepare('Hello', false);
  const servers = [1, 2, 3].map(() => new WebSocketConnection({ role: 'server' }));
  for (const server of servers) server.sendFrame(message.frame());
  for (const server of servers) assert.equal(toHex(server.takeOutput()), '81 05 48 65 6c 6c 6f');
  assert.equal(message.framesEncoded, 1);
  message.prepare(new Uint8Array([1, 2, 3]), true);
  assert.equal(toHex(message.frame()), '82 03 01 02 03');
  assert.equal(message.framesEncoded, 2);
});

test('text given as bytes must be UTF-8 (§5.6)', () => {
  const message = new PreparedMessage();
  assert.throws(
    () => message.prepare(hex('ff'), false),
    (e: unknown) => e instanceof WirekitError && e.code === ErrorCode.WS_INVALID_UTF8,
  );
});

test('sendFrame refuses a client (§5.3: fresh masking key per frame) and a closing connection', () => {
  const message = new PreparedMessage();
  message.prepare('x', false);
  const client = new WebSocketConnection({ role: 'client' });
  assert.throws(
    () => client.sendFrame(message.frame()),
    (e: unknown) => e instanceof WirekitError && e.code === ErrorCode.INVALID_ARGUMENT,
  );
  const server = new WebSocketConnection({ role: 'server' });
  server.close(1000);
  assert.throws(
    () => server.sendFrame(message.frame()),
    (e: unknown) => e instanceof WirekitError && e.code === ErrorCode.WS_SEND_AFTER_CLOSE,
  );
});

test('a prepared frame waits behind an unfinished fragmented message (§5.4), in order', () => {
  const server = new WebSocketConnection({ role: 'server' });
  const message = new PreparedMessage();
  server.sendText('ab', false);
  message.prepare('one', false);
  server.sendFrame(message.frame());
  message.prepare('two', false); // the held copy must not change
  server.sendFrame(message.frame());
  server.sendText('cd', true);
  const events = parseOutput(server.takeOutput(), 'server');
  const texts = events.map((e) => (e.kind === 'text' ? Buffer.from(e.data).toString() : e.kind));
  assert.deepEqual(texts, ['abcd', 'one', 'two']);
});

/** A deflater that records calls and "compresses" by prefixing a marker byte. */
function fakeCompression(sharedKey: string | undefined): MessageCompression & { calls: number } {
  const state = { calls: 0 };
  return {
    get calls() {
      return state.calls;
    },
    threshold: 4,
    maxCompressedSize: 100,
    sharedKey,
    deflater: {
      compress(data: Uint8Array): Uint8Array {
        state.calls++;
        return Uint8Array.of(0xcc, ...data);
      },
    },
    inflater: { inflate: (data: Uint8Array) => data },
  };
}

test('sendPrepared: shared compressed frame once per key; own compressor per connection', () => {
  const shared = fakeCompression('15:1:8');
  const own = fakeCompression(undefined);
  const a = new WebSocketConnection({ role: 'server', compression: shared });
  const b = new WebSocketConnection({ role: 'server', compression: shared });
  const c = new WebSocketConnection({ role: 'server', compression: own });
  const plain = new WebSocketConnection({ role: 'server' });
  const message = new PreparedMessage();
  message.prepare(new Uint8Array([1, 2, 3, 4, 5]), true);
  for (const connection of [a, b, c, plain]) connection.sendPrepared(message);
  // RSV1 (0x40) set on compressed frames (RFC 7692 §6); the plain one is the message as is.
  assert.equal(toHex(a.takeOutput()), 'c2 06 cc 01 02 03 04 05');
  assert.equal(toHex(b.takeOutput()), 'c2 06 cc 01 02 03 04 05');
  assert.equal(toHex(c.takeOutput()), 'c2 06 cc 01 02 03 04 05');
  assert.equal(toHex(plain.takeOutput()), '82 05 01 02 03 04 05');
  assert.equal(shared.calls, 1, 'compressed once for both shared connections');
  assert.equal(own.calls, 1);
  assert.equal(message.framesCompressed, 1);
  assert.equal(message.framesEncoded, 1);
  // Below the threshold: the plain frame, for everyone.
  message.prepare(new Uint8Array([9]), true);
  a.sendPrepared(message);
  assert.equal(toHex(a.takeOutput()), '82 01 09');
  assert.equal(shared.calls, 1);
});

test('frames kept by reference keep their place among other sends, pings and pongs', () => {
  const server = new WebSocketConnection({ role: 'server' });
  const message = new PreparedMessage();
  server.sendText('a');
  message.prepare('F1', false);
  server.sendFrame(message.frame());
  message.prepare('F2', false); // a new frame: the first one is not changed
  server.sendFrame(message.frame());
  assert.equal(server.outputLength, 3 + 4 + 4);
  server.ping('p');
  server.sendText('b');
  message.prepare('F3', false);
  server.sendFrame(message.frame());
  const events = parseOutput(server.takeOutput(), 'server');
  assert.deepEqual(
    events.map((e) => ('data' in e ? `${e.kind}:${Buffer.from(e.data).toString()}` : e.kind)),
    ['text:a', 'text:F1', 'text:F2', 'ping:p', 'text:b', 'text:F3'],
  );
  assert.equal(server.outputLength, 0);
});

test('shared frames alone are handed out as they are; with other output they are copied after it', () => {
  const server = new WebSocketConnection({ role: 'server' });
  const batch = hex('81 02 68 69 82 01 07'); // two whole frames, "hi" and one binary byte
  server.sendFrame(batch);
  assert.equal(server.takeOutput(), batch, 'no copy: the transport writes the shared bytes');
  assert.equal(server.outputLength, 0);
  server.releaseOutput();
  server.sendText('a');
  server.sendFrame(batch);
  const out = server.takeOutput();
  assert.notEqual(out, batch);
  assert.equal(toHex(out), '81 01 61 81 02 68 69 82 01 07');
  server.sendFrame(batch);
  server.sendFrame(batch);
  assert.equal(toHex(server.takeOutput()), '81 02 68 69 82 01 07 81 02 68 69 82 01 07');
});
