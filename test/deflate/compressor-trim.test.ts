import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InflateFailure } from '../../src/core/ws/message-codec.js';
import { createCompression } from '../../src/node/zlib-codec.js';

const params = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

test('RFC 7692 §7.2.1: a trimmed idle compressor restarts with a fresh context the peer still inflates', () => {
  const server = createCompression(params, 'server');
  const client = createCompression(params, 'client');
  const message = Buffer.from(
    JSON.stringify({ symbol: 'BTC-USD', bids: Array.from({ length: 40 }, (_, i) => [i, i * 2]) }),
  );
  const roundTrip = (): number => {
    const compressed = Buffer.from(server.deflater.compress(message));
    const inflated = client.inflater.inflate(compressed, 1 << 20);
    assert.notEqual(inflated, InflateFailure.INVALID);
    assert.notEqual(inflated, InflateFailure.TOO_BIG);
    assert.ok(Buffer.from(inflated as Uint8Array).equals(message));
    return compressed.length;
  };
  const first = roundTrip();
  const warm = roundTrip(); // context takeover: the repeat refers to the first message
  assert.ok(warm < first / 2, `warm ${warm} B vs first ${first} B`);
  server.trim(); // used since the last trim: kept
  const stillWarm = roundTrip();
  assert.equal(stillWarm, warm);
  server.trim(); // marks idle
  server.trim(); // idle for a whole period: freed
  const fresh = roundTrip(); // a new context: no back-references, yet the peer's window is fine
  assert.equal(fresh, first);
  assert.ok(roundTrip() < first / 2, 'context takeover resumes after the restart');
  server.close();
  client.close();
});
