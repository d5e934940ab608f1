/**
 * Chunkings for the "any chunking gives the same result" oracle, derived from the input itself
 * (so a failing input replays exactly): mostly small pieces, sometimes one byte at a time.
 */
import { hashBytes, Random } from '../engine/random.js';

/** Cut `data` into pieces chosen by `salt` and the content of `data`. */
export function chunkings(data: Uint8Array, salt: number): Uint8Array[] {
  const random = new Random(hashBytes(data) ^ Math.imul(salt + 1, 0x9e3779b1));
  const out: Uint8Array[] = [];
  const bytewise = data.length <= 64 && random.oneIn(4);
  let at = 0;
  while (at < data.length) {
    const size = bytewise ? 1 : 1 + random.int(random.oneIn(3) ? data.length : 16);
    out.push(data.slice(at, at + size));
    at += size;
  }
  return out;
}

/** Copies of each piece: readers may keep or change what they are given. */
export function copies(pieces: readonly Uint8Array[]): Uint8Array[] {
  return pieces.map((p) => p.slice());
}
