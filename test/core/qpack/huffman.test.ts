/**
 * The Huffman code (RFC 7541 Appendix B) as QPACK uses it (RFC 9204 §4.1.2): the codes derived
 * from the lengths equal the RFC's hex column, the Appendix C.4 and C.6 examples, the §5.2
 * decoding errors (EOS, padding over 7 bits, padding not all ones), and a round trip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  huffmanCode,
  huffmanDecode,
  huffmanEncode,
  huffmanEncodedLength,
} from '../../../src/core/qpack/huffman.js';
import { hex, toHex } from '../http3/helpers.js';

function encode(text: string): string {
  const out = new Uint8Array(huffmanEncodedLength(text));
  assert.equal(huffmanEncode(text, out, 0), out.length);
  return toHex(out);
}

function decode(bytes: Uint8Array): string | undefined {
  return huffmanDecode(bytes, 0, bytes.length);
}

test('codes equal RFC 7541 Appendix B (hex column, lengths) at every length', () => {
  const rows: [number, number, number][] = [
    [0, 0x1ff8, 13],
    [1, 0x7fffd8, 23],
    [9, 0xffffea, 24],
    [10, 0x3ffffffc, 30],
    [13, 0x3ffffffd, 30],
    [22, 0x3ffffffe, 30],
    [32, 0x14, 6],
    [33, 0x3f8, 10],
    [36, 0x1ff9, 13],
    [48, 0x0, 5],
    [58, 0x5c, 7],
    [60, 0x7ffc, 15],
    [92, 0x7fff0, 19],
    [94, 0x3ffc, 14],
    [97, 0x3, 5],
    [122, 0x7b, 7],
    [127, 0xffffffc, 28],
    [128, 0xfffe6, 20],
    [153, 0x1fffdc, 21],
    [192, 0x3ffffe0, 26],
    [195, 0x7fff1, 19],
    [199, 0x1ffffec, 25],
    [203, 0x7ffffde, 27],
    [220, 0xffffffd, 28],
    [249, 0xffffffe, 28],
    [254, 0x7fffff0, 27],
    [255, 0x3ffffee, 26],
    [256, 0x3fffffff, 30],
  ];
  for (const [symbol, code, bits] of rows)
    assert.deepEqual(huffmanCode(symbol), { code, bits }, `symbol ${symbol}`);
});

test('the code is complete: the lengths satisfy Kraft equality', () => {
  let sum = 0;
  for (let s = 0; s <= 256; s++) sum += 2 ** -huffmanCode(s).bits;
  assert.equal(sum, 1);
});

test('RFC 7541 Appendix C.4 (requests with Huffman coding)', () => {
  const vectors: [string, string][] = [
    ['www.example.com', 'f1e3c2e5f23a6ba0ab90f4ff'],
    ['no-cache', 'a8eb10649cbf'],
    ['custom-key', '25a849e95ba97d7f'],
    ['custom-value', '25a849e95bb8e8b4bf'],
  ];
  for (const [text, encoded] of vectors) {
    assert.equal(encode(text), encoded, text);
    assert.equal(decode(hex(encoded)), text);
  }
});

test('RFC 7541 Appendix C.6 (responses with Huffman coding)', () => {
  const vectors: [string, string][] = [
    ['302', '6402'],
    ['private', 'aec3771a4b'],
    ['Mon, 21 Oct 2013 20:13:21 GMT', 'd07abe941054d444a8200595040b8166e082a62d1bff'],
    ['https://www.example.com', '9d29ad171863c78f0b97c8e9ae82ae43d3'],
    ['307', '640eff'],
    ['gzip', '9bd9ab'],
    [
      'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1',
      '94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007',
    ],
  ];
  for (const [text, encoded] of vectors) {
    assert.equal(encode(text), encoded, text);
    assert.equal(decode(hex(encoded)), text);
  }
});

test('§5.2: EOS inside the string is a decoding error', () => {
  // EOS (30 ones) then padding of 2 ones: 32 ones.
  assert.equal(decode(hex('ffffffff')), undefined);
  // 'a' (00011) then EOS then padding.
  assert.equal(decode(hex('1fffffffff')), undefined);
});

test('§5.2: padding longer than 7 bits is a decoding error', () => {
  // 'a' = 00011 + 3 ones pads to one byte; adding a whole 0xff byte makes 11 bits of padding.
  assert.equal(decode(hex('1f')), 'a');
  assert.equal(decode(hex('1fff')), undefined);
  assert.equal(decode(hex('ff')), undefined);
});

test('§5.2: padding that is not the start of EOS (not all ones) is a decoding error', () => {
  // 'a' followed by 110 instead of 111.
  assert.equal(decode(hex('1e')), undefined);
  // A lone zero byte: 5 zero bits decode '0', then 000 is not padding.
  assert.equal(decode(hex('00')), undefined);
});

test('the empty string encodes to nothing and decodes from nothing', () => {
  assert.equal(encode(''), '');
  assert.equal(decode(new Uint8Array(0)), '');
});

test('property: every Latin-1 string survives encode then decode', () => {
  fc.assert(
    fc.property(
      fc.string({
        unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
        maxLength: 200,
      }),
      (text) => {
        const out = new Uint8Array(huffmanEncodedLength(text));
        huffmanEncode(text, out, 0);
        assert.equal(huffmanDecode(out, 0, out.length), text);
      },
    ),
  );
});

test('property: decoding arbitrary bytes never throws, and what decodes re-encodes the same', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const text = decode(bytes);
      if (text !== undefined) assert.equal(encode(text), toHex(bytes));
    }),
    { numRuns: 2000 },
  );
});
