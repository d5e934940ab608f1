/**
 * The core's {@link Platform} on Node.js: `buffer.isUtf8` (simdutf) for long text,
 * `crypto.randomFillSync` for masking keys, `crypto.createHash('sha1')` for the handshake,
 * `Buffer.allocUnsafe` (pooled below 4 KiB) for output, and `Buffer#write` for strings.
 * Every payload the core hands out on Node is therefore a `Buffer`.
 *
 * Short inputs stay on the portable JavaScript paths: below the thresholds the call into C++
 * costs more than it saves (measured by `bench/platform-thresholds.bench.ts`).
 */
import { Buffer, isUtf8 as nodeIsUtf8 } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import { mask as portableMask } from '../core/bytes/mask.js';
import { isValidUtf8 } from '../core/bytes/utf8.js';
import type { Platform } from '../core/platform.js';

/** Texts at least this long are validated by `buffer.isUtf8`. */
export const NATIVE_UTF8_THRESHOLD = 64;

/** The Node.js platform, shared by every connection. */
export const nodePlatform: Platform = {
  isUtf8: (bytes) =>
    bytes.length < NATIVE_UTF8_THRESHOLD ? isValidUtf8(bytes, 0, bytes.length) : nodeIsUtf8(bytes),
  mask: portableMask,
  fillRandom: (bytes) => {
    randomFillSync(bytes);
  },
  sha1: (data) => createHash('sha1').update(data).digest(),
  allocUnsafe: (size) => Buffer.allocUnsafe(size),
  encodeUtf8Into: (text, dest, offset) => {
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
