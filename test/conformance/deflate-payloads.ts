/**
 * Message bodies for the compression tests, reproducible from a seed: word text with
 * multi-byte UTF-8 (compresses well, like JSON or chat), skewed binary (compresses somewhat),
 * random bytes (does not shrink), and window probes whose repeats lie just beyond a given
 * LZ77 window, so a sender that uses a larger window than agreed is caught by a strict
 * receiver (RFC 7692 §7.1.2).
 */
import { randomBytes } from 'node:crypto';

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'the',
  'message',
  'frame',
  'window',
  'deflate',
  '"id":',
  '"name":',
  'héllo',
  'naïve',
  'größe',
  '✓',
  'snow☃',
  '𝄞clef',
  '{',
  '}',
  '[1,2,3]',
  'wirekit',
  'context',
  'takeover',
  '\n',
];

/** Exactly `size` bytes of valid UTF-8 word text (multi-byte characters included). */
export function wordText(size: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const word = WORDS[Math.floor(random() * WORDS.length)]!;
    const extra = random() < 0.2 ? String(Math.floor(random() * 1000)) : '';
    const piece = `${word}${extra} `;
    parts.push(piece);
    length += Buffer.byteLength(piece);
  }
  const bytes = Buffer.from(parts.join(''));
  let end = size;
  // Do not cut a code point: back off to a lead byte, pad with spaces.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return Buffer.concat([bytes.subarray(0, end), Buffer.alloc(size - end, 0x20)]);
}

/** `size` bytes from a skewed distribution: compressible, but not trivially. */
export function skewedBinary(size: number, seed: number): Buffer {
  const random = seededRandom(seed);
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) {
    const r = random();
    out[i] = r < 0.5 ? Math.floor(r * 16) : Math.floor(random() * 256);
  }
  return out;
}

/** `size` bytes that do not shrink when compressed. */
export function incompressible(size: number): Buffer {
  return randomBytes(size);
}

/**
 * A probe for an LZ77 window of `windowBits`: a random block one window and 64 bytes long,
 * twice. A compressor limited to the window cannot reach the first copy; one with a larger
 * window would, and a receiver inflating with `windowBits` then fails.
 */
export function windowProbe(windowBits: number, text = false): Buffer {
  const block = randomBytes((1 << windowBits) + 64);
  if (text) for (let i = 0; i < block.length; i++) block[i] = 0x61 + (block[i]! % 26);
  return Buffer.concat([block, block]);
}

/** A size as a label: `16 B`, `4 KiB`. */
export function sizeLabel(size: number): string {
  return size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
}
