/**
 * Output buffers shared through an OutputPool: a connection gives its buffer back once all its
 * output was taken and released, the next connection reuses it, and a buffer still being
 * written (taken but not released) is never handed to anyone else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OutputPool, WebSocketConnection } from '../../../src/core/index.js';
import { parseOutput } from './helpers.js';

test('a released buffer goes back to the pool and serves the next connection', () => {
  const pool = new OutputPool();
  const a = new WebSocketConnection({ role: 'server', outputPool: pool });
  const b = new WebSocketConnection({ role: 'server', outputPool: pool });
  a.sendText('one');
  const first = a.takeOutput();
  assert.equal(pool.freeCount, 0);
  a.releaseOutput();
  assert.equal(pool.freeCount, 1, 'given back once taken and released');
  b.sendText('two');
  const second = b.takeOutput();
  assert.equal(second.buffer, first.buffer, 'the same memory serves the next connection');
  assert.deepEqual(
    parseOutput(second, 'server').map((e) => ('kind' in e ? e.kind : 'error')),
    ['text'],
  );
});

test('taken but not released output keeps its buffer; other connections get another', () => {
  const pool = new OutputPool();
  const a = new WebSocketConnection({ role: 'server', outputPool: pool });
  const b = new WebSocketConnection({ role: 'server', outputPool: pool });
  a.sendBinary(new Uint8Array(100).fill(1));
  const inFlight = a.takeOutput(); // a write the transport has not finished
  b.sendBinary(new Uint8Array(100).fill(2));
  const other = b.takeOutput();
  assert.notEqual(other.buffer, inFlight.buffer);
  assert.ok(
    inFlight.every((byte, i) => i < 2 || byte === 1),
    'the in-flight bytes are untouched',
  );
  // Output queued but not taken: release keeps the buffer (its bytes are still to be written).
  a.sendText('more');
  a.releaseOutput();
  assert.equal(pool.freeCount, 0);
  // trimOutput without a release never hands a possibly referenced buffer to the pool.
  b.trimOutput();
  assert.equal(pool.freeCount, 0);
});

test('frames larger than a pooled buffer get a buffer of their own size', () => {
  const pool = new OutputPool();
  const a = new WebSocketConnection({ role: 'server', outputPool: pool });
  a.sendBinary(new Uint8Array(200_000));
  const out = a.takeOutput();
  assert.equal(out.length, 200_000 + 10);
  a.releaseOutput();
  assert.equal(pool.freeCount, 1);
});
