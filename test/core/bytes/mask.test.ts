/**
 * Masking (RFC 6455 §5.3): the §5.7 example, and properties against a byte-by-byte model that
 * is the RFC's formula itself: `transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4)`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { mask, maskCopy, maskerWithBuffer } from '../../../src/core/bytes/mask.js';

/** The §5.3 formula, one byte at a time; `phase` is the key octet of the first byte. */
function modelMask(buf: Uint8Array, start: number, end: number, key: number, phase: number) {
  for (let i = start; i < end; i++) {
    const j = (i - start + phase) & 3;
    buf[i] = buf[i]! ^ ((key >>> (24 - 8 * j)) & 0xff);
  }
}

const hello = () => new Uint8Array([0x48, 0x65, 0x6c, 0x6c, 0x6f]);

describe('mask: RFC 6455 §5.3 / §5.7', () => {
  test('§5.7 "Hello" masked with 37 fa 21 3d is 7f 9f 4d 51 58', () => {
    const data = hello();
    mask(data, 0, 5, 0x37fa213d, 0);
    assert.deepEqual(data, new Uint8Array([0x7f, 0x9f, 0x4d, 0x51, 0x58]));
    mask(data, 0, 5, 0x37fa213d, 0);
    assert.deepEqual(data, hello());
  });

  test('§5.3 phase selects the key octet of the first byte (j = i MOD 4)', () => {
    const data = new Uint8Array(4);
    mask(data, 0, 4, 0x01020304, 2);
    assert.deepEqual(data, new Uint8Array([3, 4, 1, 2]));
  });

  test('§5.3 only [start, end) changes', () => {
    const data = new Uint8Array(300).fill(0xaa);
    mask(data, 7, 290, 0xffffffff, 1);
    assert.deepEqual(data.subarray(0, 7), new Uint8Array(7).fill(0xaa));
    assert.deepEqual(data.subarray(7, 290), new Uint8Array(283).fill(0x55));
    assert.deepEqual(data.subarray(290), new Uint8Array(10).fill(0xaa));
  });

  test('§5.3 maskCopy masks into the destination and leaves the source alone', () => {
    const src = new Uint8Array(200).map((_, i) => i);
    const dst = new Uint8Array(210);
    maskCopy(src, 10, 150, dst, 3, 0x37fa213d);
    const expected = new Uint8Array(210);
    expected.set(src.subarray(10, 150), 3);
    modelMask(expected, 3, 143, 0x37fa213d, 0);
    assert.deepEqual(dst, expected);
    assert.deepEqual(
      src,
      new Uint8Array(200).map((_, i) => i),
    );
  });
});

/** A buffer inside a larger ArrayBuffer at a random byte offset, so every alignment is tried. */
const placed = fc
  .record({
    data: fc.uint8Array({ maxLength: 700 }),
    lead: fc.integer({ min: 0, max: 7 }),
  })
  .map(({ data, lead }) => {
    const backing = new Uint8Array(lead + data.length + 3);
    backing.set(data, lead);
    return backing.subarray(lead, lead + data.length);
  });

const rangeOf = (buf: Uint8Array) =>
  fc
    .tuple(fc.nat({ max: buf.length }), fc.nat({ max: buf.length }))
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

const key = fc.integer({ min: -0x8000_0000, max: 0xffff_ffff });
const phase = fc.integer({ min: 0, max: 7 });

describe('mask: properties', () => {
  test('§5.3 equals the RFC formula for random buffers, offsets, keys and phases', () => {
    fc.assert(
      fc.property(
        placed.chain((buf) => fc.tuple(fc.constant(buf), rangeOf(buf))),
        key,
        phase,
        ([buf, [start, end]], k, p) => {
          const expected = buf.slice();
          modelMask(expected, start, end, k, p);
          mask(buf, start, end, k, p);
          assert.deepEqual(buf, expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('§5.3 masking twice with the same key and phase is the identity', () => {
    fc.assert(
      fc.property(
        placed.chain((buf) => fc.tuple(fc.constant(buf), rangeOf(buf))),
        key,
        phase,
        ([buf, [start, end]], k, p) => {
          const original = buf.slice();
          mask(buf, start, end, k, p);
          mask(buf, start, end, k, p);
          assert.deepEqual(buf, original);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('§5.3 masking [a, c) in two pieces with phase (b − a) for the second equals masking at once', () => {
    fc.assert(
      fc.property(
        placed.chain((buf) =>
          fc.tuple(
            fc.constant(buf),
            fc
              .tuple(
                fc.nat({ max: buf.length }),
                fc.nat({ max: buf.length }),
                fc.nat({ max: buf.length }),
              )
              .map((xs) => xs.sort((x, y) => x - y)),
          ),
        ),
        key,
        phase,
        ([buf, [a, b, c]], k, p) => {
          const once = buf.slice();
          mask(once, a!, c!, k, p);
          mask(buf, a!, b!, k, p);
          mask(buf, b!, c!, k, p + (b! - a!));
          assert.deepEqual(buf, once);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('§5.3 maskCopy equals copy then mask, for random offsets', () => {
    fc.assert(
      fc.property(placed, fc.nat({ max: 9 }), key, (src, at, k) => {
        const before = src.slice();
        const dst = new Uint8Array(at + src.length + 2);
        maskCopy(src, 0, src.length, dst, at, k);
        const expected = new Uint8Array(dst.length);
        expected.set(src, at);
        modelMask(expected, at, at + src.length, k, 0);
        assert.deepEqual(dst, expected);
        assert.deepEqual(src, before);
      }),
      { numRuns: 200 },
    );
  });
});

describe('maskerWithBuffer: a word view made once', () => {
  const buffer = new Uint8Array(1024);
  const masker = maskerWithBuffer(buffer, mask);

  test('§5.3 equals the RFC formula on every range of its buffer', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1024, maxLength: 1024 }),
        fc
          .tuple(fc.nat({ max: 1024 }), fc.nat({ max: 1024 }))
          .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
        key,
        phase,
        (bytes, [start, end], k, p) => {
          buffer.set(bytes);
          const expected = bytes.slice();
          modelMask(expected, start, end, k, p);
          masker(buffer, start, end, k, p);
          assert.deepEqual(buffer, expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('other buffers (views of the same memory included) go to the fallback', () => {
    const calls: number[] = [];
    const recording = maskerWithBuffer(buffer, (_buf, start) => {
      calls.push(start);
    });
    recording(buffer.subarray(4), 0, 200, 1, 0);
    recording(new Uint8Array(256), 8, 200, 1, 0);
    assert.deepEqual(calls, [0, 8]);
  });

  test('a buffer that does not start on a 4-byte boundary gets the fallback itself', () => {
    const odd = new Uint8Array(new ArrayBuffer(64), 1, 32);
    assert.equal(maskerWithBuffer(odd, mask), mask);
  });
});
