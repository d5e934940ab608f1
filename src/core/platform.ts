/**
 * What the sans-IO core needs from its host, as one small injectable object.
 *
 * The core runs unchanged on Node, Bun, Deno and browsers with {@link portablePlatform}; an
 * adapter that knows better (Node's `buffer.isUtf8`, `crypto.createHash`, `Buffer.allocUnsafe`,
 * the `bufferutil` addon) passes its own, built once and shared by every connection.
 */
import { type Masker, mask } from './bytes/mask.js';
import { sha1 as portableSha1, type Sha1 } from './bytes/sha1.js';
import { isUtf8, type Utf8Check } from './bytes/utf8.js';

/** Host services used by the core. Every member must be safe to call at any time. */
export interface Platform {
  /** Whole-buffer UTF-8 validation (RFC 3629 / WHATWG rules). */
  readonly isUtf8: Utf8Check;
  /** XOR masking in place (RFC 6455 §5.3). */
  readonly mask: Masker;
  /** Fill with cryptographically strong random bytes (masking keys, handshake keys). */
  readonly fillRandom: (bytes: Uint8Array) => void;
  /** SHA-1 digest, for `Sec-WebSocket-Accept`. */
  readonly sha1: Sha1;
  /** Allocate `size` bytes whose content will be overwritten before it is read. */
  readonly allocUnsafe: (size: number) => Uint8Array;
  /** Encode `text` as UTF-8 into `dest` at `offset`; returns bytes written. `dest` has room for
   * `text.length * 3` bytes from `offset`. */
  readonly encodeUtf8Into: (text: string, dest: Uint8Array, offset: number) => number;
  /** Decode valid UTF-8 bytes to a string. */
  readonly decodeUtf8: (bytes: Uint8Array) => string;
}

const encoder = new TextEncoder();
// ignoreBOM: a leading U+FEFF is content (a close reason may start with it), as on Node.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Web-standard APIs only: `crypto.getRandomValues`, `TextEncoder`, `TextDecoder`. */
export const portablePlatform: Platform = {
  isUtf8,
  mask,
  fillRandom: (bytes) => {
    // getRandomValues fills at most 65536 bytes per call (WebCrypto §10.1.1).
    for (let i = 0; i < bytes.length; i += 65536) {
      globalThis.crypto.getRandomValues(bytes.subarray(i, Math.min(bytes.length, i + 65536)));
    }
  },
  sha1: portableSha1,
  allocUnsafe: (size) => new Uint8Array(size),
  encodeUtf8Into: (text, dest, offset) =>
    encoder.encodeInto(text, offset === 0 ? dest : dest.subarray(offset)).written,
  decodeUtf8: (bytes) => decoder.decode(bytes),
};
