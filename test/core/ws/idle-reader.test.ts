/**
 * What an idle reader keeps (issue 15, memory per connection): nothing of the last message past
 * the next poll, and no reused slab once `trim()` finds no message half-received; text cut
 * across chunks is still validated and joined as before.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FrameReader, ReadKind } from '../../../src/core/ws/frame-reader.js';
import { WebSocketConnection } from '../../../src/core/ws/websocket-connection.js';
import { clientFrame, utf8 } from './helpers.js';

describe('an idle reader holds nothing of past messages', () => {
  test('the payload of the last message is not kept once poll() finds no more input', () => {
    const reader = new FrameReader({ role: 'server' });
    reader.receive(clientFrame({ opcode: 0x1, payload: 'hello' }));
    assert.equal(reader.poll(), ReadKind.TEXT);
    assert.deepEqual(reader.payload, utf8('hello'));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    assert.equal(reader.payload.length, 0, 'no view of the last chunk is kept');

    const connection = new WebSocketConnection({ role: 'server' });
    connection.receive(clientFrame({ opcode: 0x2, payload: 'bytes' }));
    assert.equal(connection.poll(), ReadKind.BINARY);
    assert.equal(connection.poll(), ReadKind.NEED_DATA);
    assert.equal(connection.payload.length, 0);
  });

  test('trim() lets go of a reused slab between messages, never during one', () => {
    const reader = new FrameReader({ role: 'server', reuseBuffers: true });
    const whole = clientFrame({ opcode: 0x2, payload: new Uint8Array(3000).fill(7) });
    // A message cut across chunks is assembled in the slab.
    reader.receive(whole.subarray(0, 1000));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    reader.trim(); // half-received: the slab stays
    reader.receive(whole.subarray(1000));
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.deepEqual(reader.payload, new Uint8Array(3000).fill(7));
    reader.trim();
    // The next cut message starts a new slab and arrives intact.
    reader.receive(whole.subarray(0, 10));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    reader.receive(whole.subarray(10));
    assert.equal(reader.poll(), ReadKind.BINARY);
    assert.deepEqual(reader.payload, new Uint8Array(3000).fill(7));
  });

  test('text cut across chunks is validated by a validator made on first use (§8.1)', () => {
    const reader = new FrameReader({ role: 'server' });
    const euro = clientFrame({ opcode: 0x1, payload: '€'.repeat(50) });
    // A cut header (first byte alone) and a code point cut in half.
    reader.receive(euro.subarray(0, 1));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    reader.receive(euro.subarray(1, 9));
    assert.equal(reader.poll(), ReadKind.NEED_DATA);
    reader.receive(euro.subarray(9));
    assert.equal(reader.poll(), ReadKind.TEXT);
    assert.deepEqual(reader.payload, utf8('€'.repeat(50)));
    const bad = clientFrame({ opcode: 0x1, payload: new Uint8Array([0x61, 0xff, 0x62, 0x63]) });
    reader.receive(bad.subarray(0, 8));
    reader.receive(bad.subarray(8));
    assert.equal(reader.poll(), ReadKind.ERROR);
    assert.equal(reader.errorCode, 1007);
  });
});
