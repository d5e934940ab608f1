/**
 * Fuzz target 5: UTF-8 validation (src/core/bytes/utf8.ts). Oracle: the WHATWG decoder,
 * `new TextDecoder('utf-8', { fatal: true })`.
 *
 * Input: byte 0 salts the split points and the subrange, the rest is the text. Checks:
 * - `isValidUtf8` on the whole input and on a subrange of an unaligned view agrees with the
 *   decoder;
 * - `Utf8Validator`, fed the text in pieces at any split (with the portable and with Node's
 *   whole-buffer check), accepts exactly when the decoder does, and fails fast: its first
 *   `false` comes from the piece that holds the first byte a streaming decoder rejects;
 * - `save`/`restore` around a rejected piece leaves the state as it was.
 */
import { isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { isValidUtf8, type Utf8Check, Utf8Validator } from '../../src/core/bytes/utf8.js';
import { FuzzFailure, type FuzzTarget, hex } from '../engine/fuzz-target.js';
import { hashBytes, Random } from '../engine/random.js';
import { utf8 } from './ws-frames.js';

function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Index of the first byte a streaming fatal decoder rejects, or -1 (incomplete end is not). */
function firstBadByte(bytes: Uint8Array): number {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), { stream: true });
    } catch {
      return i;
    }
  }
  return -1;
}

const checks: readonly [string, Utf8Check][] = [
  ['portable', (b) => isValidUtf8(b)],
  ['node', (b) => nodeIsUtf8(b)],
];

function run(input: Uint8Array): void {
  if (input.length < 1) return;
  const random = new Random(hashBytes(input));
  const text = input.subarray(1);
  const expected = decoderAccepts(text);
  const fail = (what: string): never => {
    throw new FuzzFailure('utf8', `${what} on ${hex(text)} (decoder: ${expected})`);
  };
  // Whole and subrange checks, on a view at an odd offset (the word scan aligns itself).
  const shift = 1 + random.int(7);
  const backing = new Uint8Array(text.length + shift + 8);
  backing.set(text, shift);
  const view = backing.subarray(shift, shift + text.length);
  if (isValidUtf8(view) !== expected) fail('isValidUtf8');
  const start = random.int(text.length + 1);
  const end = start + random.int(text.length - start + 1);
  if (isValidUtf8(view, start, end) !== decoderAccepts(text.subarray(start, end))) {
    fail(`isValidUtf8 range ${start}..${end}`);
  }
  // Incremental, at random split points.
  const bad = firstBadByte(text);
  const cuts: number[] = [0];
  while (cuts[cuts.length - 1]! < text.length) {
    cuts.push(
      Math.min(text.length, cuts[cuts.length - 1]! + 1 + random.int(random.oneIn(4) ? 200 : 6)),
    );
  }
  for (const [name, check] of checks) {
    const validator = new Utf8Validator(check);
    let failedAt = -1;
    for (let k = 0; k + 1 < cuts.length; k++) {
      const from = cuts[k]!;
      const to = cuts[k + 1]!;
      const saved = validator.save();
      // Pieces come as ranges of a larger buffer, as the frame reader's slab gives them.
      if (!validator.push(view, from, to)) {
        failedAt = k;
        validator.restore(saved);
        if (validator.save() !== saved) fail(`${name}: restore`);
        break;
      }
    }
    if (bad >= 0) {
      const piece = cuts.findIndex((c, k) => bad >= c && bad < cuts[k + 1]!);
      if (failedAt !== piece)
        fail(`${name}: first false at piece ${failedAt}, bad byte ${bad} in piece ${piece}`);
    } else {
      if (failedAt !== -1) fail(`${name}: rejected valid prefix at piece ${failedAt}`);
      if (validator.finish() !== expected) fail(`${name}: finish`);
    }
  }
}

function seeds(): Uint8Array[] {
  const texts = [
    utf8('hello, world'),
    utf8('κόσμε € 😀 \u{10ffff} ß'),
    Uint8Array.of(0xc0, 0x80),
    Uint8Array.of(0xed, 0xa0, 0x80),
    Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
    Uint8Array.of(0xe2, 0x82),
    utf8('a'.repeat(300) + '€'.repeat(50)),
  ];
  return texts.map((t) => Uint8Array.of(0, ...t));
}

export const utf8Target: FuzzTarget = {
  name: 'utf8',
  files: ['src/core/bytes/utf8.js'],
  maxLength: 2048,
  dictionary: [
    Uint8Array.of(0xc2, 0x80),
    Uint8Array.of(0xdf, 0xbf),
    Uint8Array.of(0xe0, 0xa0, 0x80),
    Uint8Array.of(0xed, 0x9f, 0xbf),
    Uint8Array.of(0xed, 0xa0, 0x80),
    Uint8Array.of(0xef, 0xbf, 0xbf),
    Uint8Array.of(0xf0, 0x90, 0x80, 0x80),
    Uint8Array.of(0xf4, 0x8f, 0xbf, 0xbf),
    Uint8Array.of(0xf4, 0x90, 0x80, 0x80),
    Uint8Array.of(0xf5),
    Uint8Array.of(0xc0),
    Uint8Array.of(0xc1),
    Uint8Array.of(0x80),
    Uint8Array.of(0xbf),
    utf8('a'.repeat(64)),
  ],
  seeds,
  run,
};
