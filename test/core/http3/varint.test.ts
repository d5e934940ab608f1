/**
 * QUIC variable-length integers (RFC 9000 §16): the RFC's Appendix A.1 examples, the boundary
 * of each length, streaming through the accumulator, and a round trip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  MAX_VARINT,
  readVarint,
  VarintAccumulator,
  varintLength,
  varintSize,
  writeVarint,
} from '../../../src/core/http3/varint.js';
import { hex, toHex } from './helpers.js';

test('RFC 9000 Appendix A.1 examples decode to their values', () => {
  // 151288809941952652 is above 2^53: the read is the nearest number, exact in BigInt terms.
  assert.equal(BigInt(readVarint(hex('c2197c5eff14e88c'), 0)), BigInt(Number(151288809941952652n)));
  assert.equal(readVarint(hex('9d7f3e7d'), 0), 494878333);
  assert.equal(readVarint(hex('7bbd'), 0), 15293);
  assert.equal(readVarint(hex('25'), 0), 37);
  // "the two-byte sequence 0x4025 also decodes to 37"
  assert.equal(readVarint(hex('4025'), 0), 37);
});

test('the shortest encoding is written, with each length boundary', () => {
  const cases: [number, string][] = [
    [0, '00'],
    [63, '3f'],
    [64, '4040'],
    [16383, '7fff'],
    [16384, '80004000'],
    [2 ** 30 - 1, 'bfffffff'],
    [2 ** 30, 'c000000040000000'],
    [494878333, '9d7f3e7d'],
    [2 ** 53 - 1, 'c01fffffffffffff'],
  ];
  for (const [value, encoded] of cases) {
    const out = new Uint8Array(varintLength(value));
    assert.equal(writeVarint(out, 0, value), out.length);
    assert.equal(toHex(out), encoded, `value ${value}`);
    assert.equal(varintSize(out[0]!), out.length);
    assert.equal(readVarint(out, 0), value);
  }
  assert.equal(MAX_VARINT, 2 ** 62 - 1);
});

test('readVarint returns -1 until every byte of the integer is there', () => {
  const bytes = hex('c2197c5eff14e88c');
  for (let end = 0; end < 8; end++) assert.equal(readVarint(bytes, 0, end), -1);
  assert.equal(readVarint(bytes, 0, 8), Number(151288809941952652n));
});

test('the accumulator collects a varint pushed one byte at a time', () => {
  const acc = new VarintAccumulator();
  const bytes = hex('9d7f3e7d25');
  assert.equal(acc.push(bytes[0]!), false);
  assert.equal(acc.partial, true);
  assert.equal(acc.push(bytes[1]!), false);
  assert.equal(acc.push(bytes[2]!), false);
  assert.equal(acc.push(bytes[3]!), true);
  assert.equal(acc.value, 494878333);
  acc.reset();
  assert.equal(acc.partial, false);
  assert.equal(acc.push(bytes[4]!), true);
  assert.equal(acc.value, 37);
});

test('property: write then read gives the value back, at any offset', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), fc.nat(8), (value, offset) => {
      const out = new Uint8Array(offset + 8);
      const end = writeVarint(out, offset, value);
      assert.equal(end - offset, varintLength(value));
      assert.equal(readVarint(out, offset, end), value);
    }),
  );
});
