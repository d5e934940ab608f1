/**
 * A small seeded PRNG (xorshift32) for the fuzzer: every run is reproducible from its seed, and
 * a target can derive chunkings from its input deterministically.
 */
export class Random {
  #x: number;

  constructor(seed: number) {
    this.#x = seed | 0 || 0x9e3779b9;
  }

  /** The next 32 random bits, as an unsigned number. */
  next(): number {
    let x = this.#x;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#x = x;
    return x >>> 0;
  }

  /** An integer in [0, n); 0 when n <= 0. */
  int(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }

  /** `true` with probability 1 / n. */
  oneIn(n: number): boolean {
    return this.int(n) === 0;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.next() & 0xff;
    return out;
  }
}

/** A 32-bit FNV-1a hash of `bytes`: a seed derived from an input, so replays are identical. */
export function hashBytes(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h >>> 0;
}
