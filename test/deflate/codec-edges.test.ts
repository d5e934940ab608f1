/**
 * Edges of the zlib codec and its configuration: an empty compressed payload (RFC 7692 §7.2.2)
 * leaves the inflater's window as it was, and settings out of range fail when the server or
 * client is made rather than at the first compressed send.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { InflateFailure } from '../../src/core/ws/message-codec.js';
import { connect } from '../../src/node/connect.js';
import { WebSocketServer } from '../../src/node/websocket-server.js';
import { createCompression } from '../../src/node/zlib-codec.js';

const takeover = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

test('an empty RSV1 payload is an empty message; the next message still inflates (context takeover)', () => {
  const client = createCompression(takeover, 'client');
  const server = createCompression(takeover, 'server');
  const message = Buffer.from('{"symbol":"BTC-USD","price":"97000.10"}'.repeat(20));
  const first = Buffer.from(client.deflater.compress(message));
  assert.deepEqual(Buffer.from(server.inflater.inflate(first, 1 << 20) as Uint8Array), message);
  const empty = server.inflater.inflate(new Uint8Array(0), 1 << 20);
  assert.ok(empty instanceof Uint8Array && empty.length === 0);
  const second = Buffer.from(client.deflater.compress(message));
  const inflated = server.inflater.inflate(second, 1 << 20);
  assert.notEqual(inflated, InflateFailure.INVALID);
  assert.deepEqual(Buffer.from(inflated as Uint8Array), message);
  client.close();
  server.close();
});

test('deflate settings out of range throw ERR_INVALID_ARGUMENT when the server or client is made', () => {
  for (const deflate of [
    { level: 12 },
    { level: 1.5 },
    { memLevel: 0 },
    { memLevel: 10 },
    { threshold: -1 },
    { maxCompressedSize: Number.NaN },
  ]) {
    assert.throws(() => new WebSocketServer({ deflate, handler: {} }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
    assert.throws(() => connect('ws://127.0.0.1:1/', { deflate }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  }
});
