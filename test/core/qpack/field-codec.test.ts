/**
 * QPACK field sections with a dynamic table capacity of 0 (RFC 9204 §2, §4.5): the Appendix B.1
 * example, every representation the static table allows, the dynamic references a capacity-0
 * decoder must refuse (Appendix B.2's section among them), the field-section size limit
 * (RFC 9114 §4.2.2), the encoder's choices, a round trip, and arbitrary bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Http3ErrorCode } from '../../../src/core/http3/error-code.js';
import {
  decodeFieldSection,
  type QpackDecodeResult,
} from '../../../src/core/qpack/field-decoder.js';
import { encodeFieldSection, type FieldLines } from '../../../src/core/qpack/field-encoder.js';
import { STATIC_NAMES, STATIC_VALUES } from '../../../src/core/qpack/static-table.js';
import { hex, toHex } from '../http3/helpers.js';

const FAILED = Http3ErrorCode.QPACK_DECOMPRESSION_FAILED;

function lines(result: QpackDecodeResult): [string, string][] {
  assert.ok(result.ok, result.ok ? '' : result.message);
  return [...result.fields];
}

function failure(result: QpackDecodeResult): number {
  assert.ok(!result.ok, 'expected a failure');
  return result.code;
}

test('RFC 9204 Appendix B.1: literal field line with a static name reference', () => {
  const section = hex('0000 510b 2f69 6e64 6578 2e68 746d 6c');
  assert.deepEqual(lines(decodeFieldSection(section, 1000)), [[':path', '/index.html']]);
  // Our encoder picks the same representation (raw: Huffman is not shorter here... or is it).
  const ours = encodeFieldSection([[':path', '/index.html']]);
  assert.deepEqual(lines(decodeFieldSection(ours, 1000)), [[':path', '/index.html']]);
});

test('RFC 9204 Appendix A: 99 static entries, spot-checked', () => {
  assert.equal(STATIC_NAMES.length, 99);
  assert.equal(STATIC_VALUES.length, 99);
  assert.deepEqual([STATIC_NAMES[0], STATIC_VALUES[0]], [':authority', '']);
  assert.deepEqual([STATIC_NAMES[15], STATIC_VALUES[15]], [':method', 'CONNECT']);
  assert.deepEqual([STATIC_NAMES[25], STATIC_VALUES[25]], [':status', '200']);
  assert.deepEqual(
    [STATIC_NAMES[58], STATIC_VALUES[58]],
    ['strict-transport-security', 'max-age=31536000; includesubdomains; preload'],
  );
  assert.deepEqual(
    [STATIC_NAMES[85], STATIC_VALUES[85]],
    ['content-security-policy', "script-src 'none'; object-src 'none'; base-uri 'none'"],
  );
  assert.deepEqual([STATIC_NAMES[98], STATIC_VALUES[98]], ['x-frame-options', 'sameorigin']);
});

test('§4.5.2: indexed field lines for all 99 static entries decode; index 99 fails', () => {
  for (let i = 0; i < 99; i++) {
    const bytes = i < 63 ? Uint8Array.of(0, 0, 0xc0 | i) : Uint8Array.of(0, 0, 0xff, i - 63);
    assert.deepEqual(lines(decodeFieldSection(bytes, 10_000)), [
      [STATIC_NAMES[i], STATIC_VALUES[i]],
    ]);
  }
  // §3.1: "an invalid static table index ... MUST treat this as a connection error of type
  // QPACK_DECOMPRESSION_FAILED".
  assert.equal(failure(decodeFieldSection(hex('0000ff24'), 1000)), FAILED);
  assert.equal(failure(decodeFieldSection(hex('00005f5403616263'), 1000)), FAILED); // name ref 99
});

test('§4.5.6: literal name and value, raw and Huffman', () => {
  // 001 N=0 H=0 len=3 "abc", value raw "xy".
  assert.deepEqual(lines(decodeFieldSection(hex('0000 23616263 027879'), 1000)), [['abc', 'xy']]);
  // Name Huffman-coded: "custom-key" (RFC 7541 C.4.3), value Huffman "custom-value".
  const section = hex('0000 2f01 25a849e95ba97d7f 89 25a849e95bb8e8b4bf');
  assert.deepEqual(lines(decodeFieldSection(section, 1000)), [['custom-key', 'custom-value']]);
});

test('§2.2.3, §4.5.1: a section that references the dynamic table fails at capacity 0', () => {
  // Appendix B.2's section: Required Insert Count 2, post-base indexed lines.
  assert.equal(failure(decodeFieldSection(hex('0381 10 11'), 1000)), FAILED);
  // Required Insert Count 0 but an indexed line with T=0 (dynamic, relative index 0).
  assert.equal(failure(decodeFieldSection(hex('0000 80'), 1000)), FAILED);
  // Indexed with post-base index (0001xxxx).
  assert.equal(failure(decodeFieldSection(hex('0000 10'), 1000)), FAILED);
  // Literal with dynamic name reference (01N0xxxx).
  assert.equal(failure(decodeFieldSection(hex('0000 4001 61'), 1000)), FAILED);
  // Literal with post-base name reference (0000Nxxx).
  assert.equal(failure(decodeFieldSection(hex('0000 0001 61'), 1000)), FAILED);
  // Any non-zero encoded Required Insert Count.
  assert.equal(failure(decodeFieldSection(hex('0100'), 1000)), FAILED);
});

test('truncated sections and bad Huffman are QPACK_DECOMPRESSION_FAILED', () => {
  for (const text of [
    '',
    '00',
    '0000 2361',
    '0000 23616263',
    '0000 23616263 05787978',
    '0000 ff',
    '0000 5f',
  ]) {
    assert.equal(failure(decodeFieldSection(hex(text), 1000)), FAILED, text);
  }
  // Huffman name with only padding of 8 bits.
  assert.equal(failure(decodeFieldSection(hex('0000 29ff 00'), 1000)), FAILED);
  // A 62-bit prefixed integer as a string length runs past the section.
  assert.equal(failure(decodeFieldSection(hex('0000 27 ffffffffffffffff3f'), 1000)), FAILED);
});

test('RFC 9114 §4.2.2: a section over the size limit is refused as too large (a stream error)', () => {
  const fields: FieldLines = [['x-long', 'v'.repeat(100)]];
  const bytes = encodeFieldSection(fields);
  const size = 6 + 100 + 32;
  assert.deepEqual(lines(decodeFieldSection(bytes, size)), fields);
  const over = decodeFieldSection(bytes, size - 1);
  assert.ok(!over.ok && over.streamError);
  assert.equal(over.code, Http3ErrorCode.H3_EXCESSIVE_LOAD);
  // Many indexed lines add 32 each: 40 copies of ':method GET' are 40 * 42 bytes.
  const many = new Uint8Array(42).fill(0xd1);
  many[0] = 0;
  many[1] = 0;
  assert.ok(decodeFieldSection(many, 40 * 42).ok);
  assert.ok(!decodeFieldSection(many, 40 * 42 - 1).ok);
});

test('the encoder picks exact static matches, static name references and Huffman when shorter', () => {
  // :method CONNECT is static 15 (d0? no: 0xc0 | 15 = 0xcf); :scheme https is 23 (0xd7).
  assert.equal(
    toHex(
      encodeFieldSection([
        [':method', 'CONNECT'],
        [':scheme', 'https'],
      ]),
    ),
    '0000cfd7',
  );
  // :status 200 is static 25 (0xd9).
  assert.equal(toHex(encodeFieldSection([[':status', '200']])), '0000d9');
  // :authority (name 0) with a value: 0101 0000 then the Huffman-coded value.
  const authority = encodeFieldSection([[':authority', 'www.example.com']]);
  assert.equal(toHex(authority), '000050 8c f1e3c2e5f23a6ba0ab90f4ff'.replaceAll(' ', ''));
  // A name not in the table: literal name, Huffman when shorter.
  const custom = encodeFieldSection([['custom-key', 'custom-value']]);
  assert.equal(toHex(custom), '00002f0125a849e95ba97d7f8925a849e95bb8e8b4bf');
  // A value Huffman cannot shorten stays raw: "}}" is 28 bits in Huffman.
  assert.equal(toHex(encodeFieldSection([['a', '}}']])), '000021 61 02 7d7d'.replaceAll(' ', ''));
});

const latin1 = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const lineArb: fc.Arbitrary<[string, string]> = fc.oneof(
  fc.tuple(latin1, latin1),
  fc
    .integer({ min: 0, max: 98 })
    .map((i): [string, string] => [STATIC_NAMES[i]!, STATIC_VALUES[i]!]),
  fc.tuple(
    fc.integer({ min: 0, max: 98 }).map((i) => STATIC_NAMES[i]!),
    latin1,
  ),
);

test('property: encode then decode gives the same lines (sizes counted as RFC 9114 §4.2.2)', () => {
  fc.assert(
    fc.property(fc.array(lineArb, { maxLength: 20 }), (fields) => {
      const result = decodeFieldSection(encodeFieldSection(fields), 1 << 20);
      assert.deepEqual(lines(result), fields);
      assert.ok(result.ok);
      assert.equal(
        result.fields.size,
        fields.reduce((n, [a, b]) => n + a.length + b.length + 32, 0),
      );
    }),
  );
});

test('property: arbitrary bytes never throw; the result is lines or a QPACK/size failure', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.integer({ min: 0, max: 500 }),
      (bytes, limit) => {
        const result = decodeFieldSection(bytes, limit);
        if (result.ok) assert.ok(result.fields.size <= limit);
        else
          assert.ok(
            result.code === FAILED ||
              (result.streamError && result.code === Http3ErrorCode.H3_EXCESSIVE_LOAD),
          );
      },
    ),
    { numRuns: 3000 },
  );
  // With a valid prefix, so the field lines themselves get exercised.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const withPrefix = new Uint8Array(bytes.length + 2);
      withPrefix.set(bytes, 2);
      decodeFieldSection(withPrefix, 4096);
    }),
    { numRuns: 3000 },
  );
});
