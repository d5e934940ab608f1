/**
 * The core's {@link Platform} on Node.js: `buffer.isUtf8` (simdutf) for long text,
 * `crypto.randomFillSync` for masking keys, `crypto.createHash('sha1')` for the handshake,
 * `Buffer.allocUnsafe` (pooled below 4 KiB) for output, and `Buffer#write` for strings.
 * Every payload the core hands out on Node is therefore a `Buffer`.
 *
 * Masking uses the optional `bufferutil` addon for long payloads when it is installed
 * (`npm install bufferutil`; wirekit never depends on it, as with ws). Without it, or if its
 * native build did not load, the portable JavaScript masker does all the work.
 *
 * Short inputs stay on the portable JavaScript paths: below the thresholds the call into C++
 * costs more than it saves (measured by `bench/platform-thresholds.bench.ts`).
 */
import { Buffer, isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import { type Masker, maskerWithBuffer, mask as portableMask } from '../core/bytes/mask.js';
import { isValidUtf8 } from '../core/bytes/utf8.js';
import type { Platform } from '../core/platform.js';

/**
 * Texts at least this long are validated by `buffer.isUtf8`. Its call costs a flat 30-40 ns
 * up to ~256 B; the portable validator is faster below 32 B (ASCII or not) and slower from
 * 32 B on, where it switches to an `Int32Array` word scan (`npm run bench:thresholds`).
 */
export const NATIVE_UTF8_THRESHOLD = 32;

/**
 * Ranges at least this long are masked by `bufferutil`, when it is installed. A call costs
 * ~90 ns (a view of the range, the rotated key, the N-API call), so the portable masker wins
 * up to ~256 B; alone they tie at 384 B and the addon is 12 % faster at 512 B, but inside the
 * frame reader 512 B payloads come out even (±10 %), while from 768 B the addon is ≥ 1.3×
 * faster and 3× at 16 KiB (`npm run bench:thresholds`, `npm run bench:core`).
 */
export const NATIVE_MASK_THRESHOLD = 768;

/**
 * Strings shorter than this are encoded by a JavaScript loop while they are ASCII:
 * `Buffer#write` costs a flat ~68 ns, the loop ~1.6 ns a character (`npm run
 * bench:thresholds`: 5× faster at 4 characters, 2× at 16, even at ~40, slower from 48). A
 * non-ASCII string pays the loop up to its first non-ASCII character, then `Buffer#write`.
 */
export const ASCII_ENCODE_LIMIT = 24;

/** The part of the `bufferutil` addon used here. */
interface BufferUtil {
  /** XOR `buffer` in place with the 4-byte `mask`, starting at mask byte 0. */
  unmask(buffer: Uint8Array, mask: Uint8Array): void;
}

/** The native `bufferutil`, or `undefined` when it is missing or only its JS fallback loaded. */
function loadBufferutil(): BufferUtil | undefined {
  try {
    const addon = createRequire(import.meta.url)('bufferutil') as Partial<BufferUtil> | null;
    const unmask = addon?.unmask;
    // Its JavaScript fallback is a plain byte loop, slower than the portable masker.
    if (typeof unmask !== 'function' || !unmask.toString().includes('[native code]')) {
      return undefined;
    }
    return addon as BufferUtil;
  } catch {
    return undefined;
  }
}

const bufferutil = loadBufferutil();
const keyBytes = new Uint8Array(4);

/**
 * `bufferutil`'s unmask behind the core's {@link Masker} signature: the wire-order key is
 * rotated by `phase` into a 4-byte key, and the range becomes a view (unless it is the whole
 * buffer). `undefined` when the addon is not available.
 */
export const nativeMask: Masker | undefined =
  bufferutil === undefined
    ? undefined
    : (buf, start, end, key, phase) => {
        const s = (phase & 3) << 3;
        const k = s === 0 ? key : (key << s) | (key >>> (32 - s));
        keyBytes[0] = k >>> 24;
        keyBytes[1] = k >>> 16;
        keyBytes[2] = k >>> 8;
        keyBytes[3] = k;
        bufferutil.unmask(
          start === 0 && end === buf.length
            ? buf
            : new Uint8Array(buf.buffer, buf.byteOffset + start, end - start),
          keyBytes,
        );
      };

/** Below {@link NATIVE_MASK_THRESHOLD} (or without the addon) the portable masker, with the
 * word view of the process's read buffer made once (see {@link useReadBufferForMasking}). */
let shortMask: Masker = portableMask;

const mask: Masker =
  nativeMask === undefined
    ? (buf, start, end, key, phase) => {
        shortMask(buf, start, end, key, phase);
      }
    : (buf, start, end, key, phase) => {
        if (end - start < NATIVE_MASK_THRESHOLD) shortMask(buf, start, end, key, phase);
        else nativeMask(buf, start, end, key, phase);
      };

/**
 * Masking in `buffer` (the read buffer every connection of the process shares) uses a word view
 * made once instead of one per call: received frames are unmasked in place there, read after
 * read. Called once, by shared-read-buffer.ts when it makes the buffer.
 */
export function useReadBufferForMasking(buffer: Uint8Array): void {
  shortMask = maskerWithBuffer(buffer, portableMask);
}

/** The Node.js platform, shared by every connection. */
export const nodePlatform: Platform = {
  isUtf8: (bytes) =>
    bytes.length < NATIVE_UTF8_THRESHOLD ? isValidUtf8(bytes, 0, bytes.length) : nodeIsUtf8(bytes),
  mask,
  fillRandom: (bytes) => {
    randomFillSync(bytes);
  },
  sha1: (data) => createHash('sha1').update(data).digest(),
  allocUnsafe: (size) => Buffer.allocUnsafe(size),
  encodeUtf8Into: (text, dest, offset) => {
    const n = text.length;
    if (n < ASCII_ENCODE_LIMIT) {
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        dest[offset + i] = c;
      }
      if (i === n) return n;
      // Not ASCII: Buffer#write encodes the whole string again, over the bytes written so far.
    }
    const target = Buffer.isBuffer(dest)
      ? dest
      : Buffer.from(dest.buffer, dest.byteOffset, dest.length);
    return target.write(text, offset, 'utf8');
  },
  decodeUtf8: (bytes) =>
    (Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)
    ).toString('utf8'),
};
