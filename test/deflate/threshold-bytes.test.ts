/**
 * `threshold` and `maxCompressedSize` are byte counts (src/node/zlib-codec.ts `DeflateSettings`):
 * which messages a connection compresses (RSV1 set, RFC 7692 §6) is decided on the message's
 * UTF-8 size for a string as for bytes — not on a string's UTF-16 length, which is up to three
 * times smaller — and every message, compressed or not, round-trips through a paired peer.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ReadKind } from '../../src/core/ws/frame-reader.js';
import { WebSocketConnection } from '../../src/core/ws/websocket-connection.js';
import { nodePlatform } from '../../src/node/node-platform.js';
import { createCompression } from '../../src/node/zlib-codec.js';

const THRESHOLD = 1024;
const MAX_COMPRESSED = 4096;
const PARAMS = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
} as const;

/** A server connection that compresses, and a client that reads what it sends. */
function pair(): { server: WebSocketConnection; client: WebSocketConnection } {
  const settings = { threshold: THRESHOLD, maxCompressedSize: MAX_COMPRESSED };
  return {
    server: new WebSocketConnection({
      role: 'server',
      platform: nodePlatform,
      compression: createCompression(PARAMS, 'server', settings),
    }),
    client: new WebSocketConnection({
      role: 'client',
      platform: nodePlatform,
      compression: createCompression(PARAMS, 'client', settings),
    }),
  };
}

/** [label, message, compressed?] */
const CASES: readonly [string, string | Uint8Array, boolean][] = [
  ['1023 ASCII bytes (string)', 'a'.repeat(1023), false],
  ['1024 ASCII bytes (string)', 'a'.repeat(1024), true],
  ['1023 bytes', Buffer.alloc(1023, 0x61), false],
  ['1024 bytes', Buffer.alloc(1024, 0x61), true],
  ['400 × "€": 400 UTF-16 units, 1200 UTF-8 bytes', '€'.repeat(400), true],
  ['341 × "€" + "a": 1024 bytes', `${'€'.repeat(341)}a`, true],
  ['341 × "€": 1023 bytes', '€'.repeat(341), false],
  ['4096 ASCII bytes (string)', 'b'.repeat(MAX_COMPRESSED), true],
  ['4097 ASCII bytes (string)', 'b'.repeat(MAX_COMPRESSED + 1), false],
  ['1366 × "€": 1366 UTF-16 units, 4098 UTF-8 bytes', '€'.repeat(1366), false],
  ['3000 × "€": 9000 bytes', '€'.repeat(3000), false],
  ['1365 × "€": 4095 bytes', '€'.repeat(1365), true],
  ['2048 × "😀": 4096 UTF-16 units, 8192 bytes', '😀'.repeat(2048), false],
  ['1024 × "😀": 4096 bytes', '😀'.repeat(1024), true],
];

describe('threshold and maxCompressedSize count UTF-8 bytes (RFC 7692 §6)', () => {
  for (const [label, message, compressed] of CASES) {
    test(`${label}: ${compressed ? 'compressed' : 'sent as it is'}, and round-trips`, () => {
      const { server, client } = pair();
      // Something first, so a context is in use.
      server.sendText('warm-up '.repeat(200));
      server.sendText(message);
      const out = server.takeOutput();
      client.receive(out);
      assert.equal(client.poll(), ReadKind.TEXT);
      // Find the second frame's first byte: skip the first frame (unmasked, server → client).
      const firstLength = out[1]! & 0x7f;
      const headerLength = firstLength === 126 ? 4 : firstLength === 127 ? 10 : 2;
      const payloadLength =
        firstLength === 126 ? (out[2]! << 8) | out[3]! : firstLength === 127 ? -1 : firstLength;
      assert.ok(payloadLength >= 0);
      const second = out[headerLength + payloadLength]!;
      assert.equal((second & 0x40) !== 0, compressed, 'RSV1 on the message');
      assert.equal(client.poll(), ReadKind.TEXT);
      const expected = typeof message === 'string' ? Buffer.from(message) : Buffer.from(message);
      assert.ok(Buffer.from(client.payload).equals(expected), 'the message round-trips');
    });
  }
});
