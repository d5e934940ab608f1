/**
 * fast-check arbitraries for the compression property tests: deflate configurations (mode,
 * level, memLevel, threshold, maxCompressedSize, window bits, context takeover) and message
 * sequences (sizes from 0 past `maxCompressedSize`, compressibility from zeros to random,
 * text and binary, strings and bytes, some sent in fragments), turned into concrete messages.
 */
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { seededRandom, skewedBinary, wordText } from '../conformance/deflate-payloads.js';

/** How compressible a message is. */
export type Texture = 'zeros' | 'words' | 'skewed' | 'random';

/** A message to generate. */
export interface MessagePlan {
  readonly isBinary: boolean;
  readonly size: number;
  readonly texture: Texture;
  /** Sent in this many fragments (1: one frame). */
  readonly fragments: number;
  /** Text sent as a JS string rather than bytes. */
  readonly asString: boolean;
  readonly seed: number;
}

/** A message ready to send: its pieces (one per fragment) and the bytes that must arrive. */
export interface PlannedMessage {
  readonly isBinary: boolean;
  readonly pieces: readonly (string | Buffer)[];
  readonly bytes: Buffer;
}

const windowBits = fc.integer({ min: 9, max: 15 });

/** Any deflate configuration a user could pass. */
export const deflateConfig: fc.Arbitrary<DeflateConfig> = fc.record(
  {
    mode: fc.constantFrom('shared' as const, 'dedicated' as const),
    level: fc.integer({ min: 0, max: 9 }),
    memLevel: fc.integer({ min: 1, max: 9 }),
    threshold: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 4096 })),
    maxCompressedSize: fc.oneof(fc.integer({ min: 0, max: 64 * 1024 }), fc.constant(256 * 1024)),
    serverMaxWindowBits: windowBits,
    clientMaxWindowBits: windowBits,
    serverNoContextTakeover: fc.boolean(),
    clientNoContextTakeover: fc.boolean(),
  },
  { requiredKeys: [] },
);

/** Sizes: empty, tiny, around the usual thresholds, and large. */
const size = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 200 }),
  fc.integer({ min: 900, max: 5000 }),
  fc.integer({ min: 5000, max: 80_000 }),
);

export const messagePlan: fc.Arbitrary<MessagePlan> = fc.record({
  isBinary: fc.boolean(),
  size,
  texture: fc.constantFrom<Texture>('zeros', 'words', 'skewed', 'random'),
  fragments: fc.oneof(
    { weight: 3, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 4 }) },
  ),
  asString: fc.boolean(),
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});

const TEXT_PALETTE = ['a', 'é', '€', '✓', '😀', 'ß', ' ', '\u{10ffff}'];

/** `size` bytes of valid UTF-8 of the given texture. */
function textBytes(size: number, texture: Texture, seed: number): Buffer {
  if (texture === 'words' || texture === 'skewed') return wordText(size, seed);
  if (texture === 'zeros') return Buffer.alloc(size, 0x30);
  const random = seededRandom(seed);
  const parts: string[] = [];
  let length = 0;
  while (length < size) {
    const c = TEXT_PALETTE[Math.floor(random() * TEXT_PALETTE.length)]!;
    const n = Buffer.byteLength(c);
    if (length + n > size) {
      parts.push('a'.repeat(size - length));
      break;
    }
    parts.push(c);
    length += n;
  }
  return Buffer.from(parts.join(''));
}

/** Split `text` into `count` pieces without separating a surrogate pair. */
function splitString(text: string, count: number): string[] {
  const pieces: string[] = [];
  let at = 0;
  for (let i = 1; i < count; i++) {
    let cut = Math.floor((text.length * i) / count);
    if (cut > 0 && cut < text.length && /[\ud800-\udbff]/.test(text[cut - 1]!)) cut++;
    cut = Math.max(cut, at);
    pieces.push(text.slice(at, cut));
    at = cut;
  }
  pieces.push(text.slice(at));
  return pieces;
}

/** Split `bytes` into `count` pieces (UTF-8 code points may be cut: fragments allow it). */
function splitBytes(bytes: Buffer, count: number): Buffer[] {
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++)
    pieces.push(
      bytes.subarray(
        Math.floor((bytes.length * i) / count),
        Math.floor((bytes.length * (i + 1)) / count),
      ),
    );
  return pieces;
}

/** The concrete message for a plan. */
export function materialize(plan: MessagePlan): PlannedMessage {
  let bytes: Buffer;
  if (!plan.isBinary) bytes = textBytes(plan.size, plan.texture, plan.seed);
  else if (plan.texture === 'zeros') bytes = Buffer.alloc(plan.size);
  else if (plan.texture === 'random') bytes = randomBytes(plan.size);
  else if (plan.texture === 'skewed') bytes = skewedBinary(plan.size, plan.seed);
  else bytes = wordText(plan.size, plan.seed);
  const pieces =
    !plan.isBinary && plan.asString
      ? splitString(bytes.toString(), plan.fragments)
      : splitBytes(bytes, plan.fragments);
  return { isBinary: plan.isBinary, pieces, bytes };
}
