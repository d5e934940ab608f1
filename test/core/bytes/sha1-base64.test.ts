/**
 * SHA-1 (FIPS 180-4) and base64 (RFC 4648), the two pieces of `Sec-WebSocket-Accept`
 * (RFC 6455 §1.3, §4.2.2): known vectors, then agreement with node:crypto and Buffer.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { base64Decode, base64Encode } from '../../../src/core/bytes/base64.js';
import { sha1 } from '../../../src/core/bytes/sha1.js';

const ascii = (s: string) => new TextEncoder().encode(s);
const hexOf = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sha1', () => {
  test('FIPS 180-4 examples: "abc", "", the 448-bit message', () => {
    assert.equal(hexOf(sha1(ascii('abc'))), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(hexOf(sha1(new Uint8Array(0))), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
    assert.equal(
      hexOf(sha1(ascii('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))),
      '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
    );
  });

  test('§1.3 Sec-WebSocket-Accept of the RFC example key', () => {
    const accept = base64Encode(
      sha1(ascii('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11')),
    );
    assert.equal(accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('every length 0–200 (all padding boundaries) equals node:crypto', () => {
    for (let n = 0; n <= 200; n++) {
      const data = new Uint8Array(n).map((_, i) => (i * 31 + n) & 0xff);
      assert.equal(hexOf(sha1(data)), createHash('sha1').update(data).digest('hex'), `n=${n}`);
    }
  });

  test('equals node:crypto createHash("sha1") on random inputs', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (data) => {
        assert.equal(hexOf(sha1(data)), createHash('sha1').update(data).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });
});

describe('base64', () => {
  test('RFC 4648 §10 test vectors, both ways', () => {
    for (const [plain, encoded] of [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ] as const) {
      assert.equal(base64Encode(ascii(plain)), encoded);
      assert.deepEqual(base64Decode(encoded), ascii(plain));
    }
  });

  test('encode equals Buffer base64 and decode inverts it, on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        const encoded = base64Encode(data);
        assert.equal(encoded, Buffer.from(data).toString('base64'));
        assert.deepEqual(base64Decode(encoded), data);
      }),
      { numRuns: 500 },
    );
  });

  test('RFC 4648 §3.5 strict decoding: non-canonical, bad length, bad characters are rejected', () => {
    for (const bad of [
      'Zh==', // unused bits set ('f' is Zg==)
      'Zm9=', // unused bits set ('fo' is Zm8=)
      'Zg=',
      'Zg',
      'Z===',
      '====',
      'Zg==Zg==', // padding in the middle
      'Zm9v YmFy',
      'Zm9-',
      'Zm9_',
      'Zm9v\n',
    ]) {
      assert.equal(base64Decode(bad), undefined, JSON.stringify(bad));
    }
  });

  test('decode accepts exactly the canonical encodings (random strings of the alphabet)', () => {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet.split('')), { maxLength: 16 }), (chars) => {
        const text = chars.join('');
        const decoded = base64Decode(text);
        if (decoded !== undefined) assert.equal(base64Encode(decoded), text);
        else {
          // Whatever was rejected is not the canonical encoding of what Buffer reads from it.
          assert.notEqual(Buffer.from(Buffer.from(text, 'base64')).toString('base64'), text);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
