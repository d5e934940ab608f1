/**
 * Masking keys for a client's frames (RFC 6455 §5.3: "MUST be derived from a strong source of
 * entropy", unpredictable per frame). Random bytes are drawn in batches of 2048 keys from the
 * platform's `fillRandom` (Web Crypto `getRandomValues` by default, `crypto.randomFillSync` on
 * Node), so a key costs a few array reads instead of a system call.
 */
import { type Platform, portablePlatform } from '../platform.js';

/** 2048 keys (8 KiB) per refill: about a nanosecond of randomness per frame. */
const KEYS_PER_BATCH = 2048;

/** A pool of 32-bit masking keys, refilled from a cryptographic source when used up. */
export class MaskKeyPool {
  readonly #fill: (bytes: Uint8Array) => void;
  readonly #keys = new Int32Array(KEYS_PER_BATCH);
  #next = KEYS_PER_BATCH;

  /** Keys are drawn from `platform.fillRandom`; default the portable platform (Web Crypto). */
  constructor(platform: Platform = portablePlatform) {
    this.#fill = platform.fillRandom;
  }

  /** The next key, four random bytes as one 32-bit number (wire order is irrelevant). */
  next(): number {
    if (this.#next === KEYS_PER_BATCH) {
      this.#fill(new Uint8Array(this.#keys.buffer));
      this.#next = 0;
    }
    return this.#keys[this.#next++]!;
  }
}
