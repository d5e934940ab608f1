/**
 * UTF-8 validation (RFC 3629, as RFC 6455 §5.6 and §8.1 require): `isValidUtf8`, `isUtf8` and
 * the incremental `Utf8Validator` must agree exactly with the WHATWG decoder
 * (`new TextDecoder('utf-8', { fatal: true })`) on random, corrupted and adversarial bytes, and
 * the validator must fail on exactly the piece where the streaming decoder fails.
 */
import assert from 'node:assert/strict';
import { isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isUtf8, isValidUtf8, Utf8Validator } from '../../../src/core/bytes/utf8.js';

function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Index of the first piece on which a streaming fatal decoder throws; pieces.length = at finish; -1 = valid. */
function decoderFailsAt(pieces: readonly Uint8Array[]): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < pieces.length; i++) {
    try {
      decoder.decode(pieces[i], { stream: true });
    } catch {
      return i;
    }
  }
  try {
    decoder.decode();
  } catch {
    return pieces.length;
  }
  return -1;
}

function validatorFailsAt(pieces: readonly Uint8Array[], validator = new Utf8Validator()): number {
  for (let i = 0; i < pieces.length; i++) {
    const p = pieces[i]!;
    if (!validator.push(p, 0, p.length)) return i;
  }
  return validator.finish() ? -1 : pieces.length;
}

function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  return out;
}

const h = (text: string) => Uint8Array.from(text.split(' ').map((x) => Number.parseInt(x, 16)));

/** Adversarial sequences: each [hex, valid?] checked by hand against RFC 3629 §4. */
const ADVERSARIAL: [string, boolean][] = [
  ['00', true],
  ['7f', true],
  ['80', false], // lone continuation
  ['bf', false],
  ['c0 80', false], // overlong NUL
  ['c1 bf', false], // overlong
  ['c2 80', true], // U+0080
  ['df bf', true], // U+07FF
  ['e0 80 80', false], // overlong
  ['e0 9f bf', false], // overlong U+07FF
  ['e0 a0 80', true], // U+0800
  ['ed 9f bf', true], // U+D7FF
  ['ed a0 80', false], // U+D800 surrogate
  ['ed bf bf', false], // U+DFFF surrogate
  ['ed a0 80 ed b0 80', false], // CESU-8 surrogate pair
  ['ee 80 80', true], // U+E000
  ['ef bf bf', true], // U+FFFF
  ['ef bb bf', true], // BOM is valid
  ['f0 80 80 80', false], // overlong
  ['f0 8f bf bf', false], // overlong U+FFFF
  ['f0 90 80 80', true], // U+10000
  ['f4 8f bf bf', true], // U+10FFFF
  ['f4 90 80 80', false], // U+110000
  ['f5 80 80 80', false],
  ['f8 88 80 80 80', false], // 5-byte form
  ['fc 84 80 80 80 80', false], // 6-byte form
  ['fe', false],
  ['ff', false],
  ['c2', false], // truncated
  ['e2 82', false],
  ['f0 9f 98', false],
  ['e2 28 a1', false], // bad continuation
  ['f0 28 8c 28', false],
  ['61 80 62', false],
  ['ce ba e1 bd b9 cf 83 ce bc ce b5', true], // κόσμε
  ['ce ba e1 bd b9 cf 83 ce bc ce b5 ed a0 80 65 64 69 74 65 64', false], // Autobahn 6.3.1
];

describe('UTF-8: adversarial vectors (RFC 3629 §4)', () => {
  for (const [hex, valid] of ADVERSARIAL) {
    test(`§8.1 ${hex} is ${valid ? 'valid' : 'invalid'}`, () => {
      const bytes = h(hex);
      assert.equal(decoderAccepts(bytes), valid, 'the reference agrees with the vector');
      assert.equal(isValidUtf8(bytes), valid);
      assert.equal(isUtf8(bytes), valid);
      // Long ASCII runs around it exercise the word-at-a-time skip.
      const padded = new Uint8Array(80 + bytes.length + 80).fill(0x41);
      padded.set(bytes, 80);
      assert.equal(isValidUtf8(padded), valid);
      assert.equal(validatorFailsAt(cut(bytes, [1, 2, 3])) === -1, valid);
      assert.equal(validatorFailsAt(Array.from(padded, (b) => Uint8Array.of(b))) === -1, valid);
    });
  }

  test('isValidUtf8 honours start and end', () => {
    const bytes = h('ff 61 e2 82 ac 62 ff');
    assert.equal(isValidUtf8(bytes), false);
    assert.equal(isValidUtf8(bytes, 1, 6), true);
    assert.equal(isValidUtf8(bytes, 1, 4), false, 'cut mid code point');
    assert.equal(isValidUtf8(bytes, 3, 5), false, 'starts on a continuation');
    assert.equal(isValidUtf8(bytes, 2, 2), true, 'empty');
  });
});

/** Random valid text with random corruption: the interesting neighbourhood of valid UTF-8. */
const corrupted = fc
  .record({
    text: fc.string({ unit: 'binary', maxLength: 120 }),
    edits: fc.array(
      fc.record({ at: fc.nat(), value: fc.integer({ min: 0x80, max: 0xff }), drop: fc.boolean() }),
      { maxLength: 3 },
    ),
  })
  .map(({ text, edits }) => {
    const bytes = Array.from(new TextEncoder().encode(text));
    for (const e of edits) {
      if (bytes.length === 0) break;
      const at = e.at % bytes.length;
      if (e.drop) bytes.splice(at, 1);
      else bytes[at] = e.value;
    }
    return Uint8Array.from(bytes);
  });

/** Bytes concentrated where the rules are: lead bytes, boundaries of the continuation ranges. */
const edgy = fc
  .array(
    fc.constantFrom(
      0x00,
      0x41,
      0x7f,
      0x80,
      0x8f,
      0x90,
      0x9f,
      0xa0,
      0xbf,
      0xc0,
      0xc1,
      0xc2,
      0xdf,
      0xe0,
      0xe1,
      0xed,
      0xee,
      0xef,
      0xf0,
      0xf1,
      0xf4,
      0xf5,
      0xff,
    ),
    { maxLength: 40 },
  )
  .map((xs) => Uint8Array.from(xs));

const anyBytes = fc.oneof(fc.uint8Array({ maxLength: 200 }), corrupted, edgy);

describe('UTF-8: agreement with TextDecoder fatal (properties)', () => {
  test('§8.1 isValidUtf8 and isUtf8 equal TextDecoder fatal on random and adversarial bytes', () => {
    fc.assert(
      fc.property(anyBytes, fc.nat({ max: 70 }), (bytes, ascii) => {
        const expected = decoderAccepts(bytes);
        assert.equal(isValidUtf8(bytes), expected);
        assert.equal(isUtf8(bytes), expected);
        const padded = new Uint8Array(ascii + bytes.length).fill(0x20);
        padded.set(bytes, ascii);
        assert.equal(isValidUtf8(padded.subarray(1)), decoderAccepts(padded.subarray(1)));
      }),
      { numRuns: 3000 },
    );
  });

  test('§8.1 random valid strings are always valid', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => {
        const bytes = new TextEncoder().encode(text);
        assert.equal(isValidUtf8(bytes), true);
        assert.equal(validatorFailsAt(cut(bytes, [3, 17, 40])), -1);
      }),
      { numRuns: 300 },
    );
  });

  test('§8.1 Utf8Validator pushed in random pieces fails on the same piece as a streaming TextDecoder', () => {
    fc.assert(
      fc.property(anyBytes, fc.array(fc.nat(), { maxLength: 8 }), (bytes, cuts) => {
        const pieces = cut(bytes, cuts);
        assert.equal(validatorFailsAt(pieces), decoderFailsAt(pieces));
      }),
      { numRuns: 3000 },
    );
  });

  test('§8.1 Utf8Validator one byte at a time fails on the very first bad byte', () => {
    fc.assert(
      fc.property(anyBytes, (bytes) => {
        const pieces = Array.from(bytes, (b) => Uint8Array.of(b));
        assert.equal(validatorFailsAt(pieces), decoderFailsAt(pieces));
      }),
      { numRuns: 1000 },
    );
  });

  test('§8.1 Utf8Validator with an injected whole-buffer check (node:buffer isUtf8) agrees too', () => {
    fc.assert(
      fc.property(anyBytes, fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        const pieces = cut(bytes, cuts);
        const validator = new Utf8Validator((b) => nodeIsUtf8(b));
        assert.equal(validatorFailsAt(pieces, validator), decoderFailsAt(pieces));
      }),
      { numRuns: 1000 },
    );
  });

  test('Utf8Validator.push honours start and end within a larger buffer', () => {
    fc.assert(
      fc.property(anyBytes, fc.nat({ max: 5 }), fc.nat({ max: 5 }), (bytes, lead, tail) => {
        const backing = new Uint8Array(lead + bytes.length + tail).fill(0xff);
        backing.set(bytes, lead);
        const v = new Utf8Validator();
        const ok = v.push(backing, lead, lead + bytes.length) && v.finish();
        assert.equal(ok, decoderAccepts(bytes));
      }),
      { numRuns: 500 },
    );
  });
});

describe('Utf8Validator: state handling', () => {
  test('§5.4 a code point cut across pieces: E2 | 82 | AC', () => {
    const v = new Utf8Validator();
    assert.equal(v.push(h('e2'), 0, 1), true);
    assert.equal(v.push(h('82'), 0, 1), true);
    assert.equal(v.finish(), false, 'not finished before the last byte');
    // finish() reset the state: AC alone is now a lone continuation.
    assert.equal(v.push(h('ac'), 0, 1), false);
  });

  test('save and restore undo a rejected piece', () => {
    const v = new Utf8Validator();
    assert.equal(v.push(h('f0 9f'), 0, 2), true);
    const state = v.save();
    assert.equal(v.push(h('41'), 0, 1), false);
    v.restore(state);
    assert.equal(v.push(h('98 80'), 0, 2), true);
    assert.equal(v.finish(), true);
  });

  test('save/restore keeps the narrowed range of E0, ED, F0 and F4', () => {
    for (const [lead, bad, good] of [
      ['e0', '80', 'a0 80'],
      ['ed', 'a0', '9f bf'],
      ['f0', '8f', '90 80 80'],
      ['f4', '90', '8f bf bf'],
    ] as const) {
      const v = new Utf8Validator();
      assert.equal(v.push(h(lead), 0, 1), true);
      const state = v.save();
      assert.equal(v.push(h(bad), 0, 1), false, `${lead} ${bad}`);
      v.restore(state);
      const g = h(good);
      assert.equal(v.push(g, 0, g.length), true, `${lead} ${good}`);
      assert.equal(v.finish(), true);
    }
  });

  test('reset forgets a partial code point', () => {
    const v = new Utf8Validator();
    v.push(h('e2 82'), 0, 2);
    v.reset();
    assert.equal(v.push(h('41'), 0, 1), true);
    assert.equal(v.finish(), true);
  });
});
