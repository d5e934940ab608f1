/**
 * Byte-level mutations in the style of libFuzzer's MutationDispatcher: bit flips, random and
 * "interesting" bytes, arithmetic, inserts, deletes, duplicated ranges, dictionary tokens and
 * splices with other corpus entries, stacked one to eight at a time.
 */
import type { Random } from './random.js';

/** Values that sit on the edges protocol parsers check (lengths 125/126/127, sign bits). */
const INTERESTING = [0x00, 0x01, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff, 0x0d, 0x0a, 0x20];

export class Mutator {
  readonly #random: Random;
  readonly #dictionary: readonly Uint8Array[];
  readonly #maxLength: number;

  constructor(random: Random, dictionary: readonly Uint8Array[], maxLength: number) {
    this.#random = random;
    this.#dictionary = dictionary;
    this.#maxLength = maxLength;
  }

  /** A mutated copy of `input`; `others` are splice partners (the corpus). */
  mutate(input: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
    let data = input;
    const rounds = 1 + this.#random.int(8);
    for (let i = 0; i < rounds; i++) data = this.#once(data, others);
    return data.length > this.#maxLength ? data.slice(0, this.#maxLength) : data;
  }

  #once(data: Uint8Array, others: readonly Uint8Array[]): Uint8Array {
    const r = this.#random;
    const n = data.length;
    switch (r.int(n === 0 ? 3 : 12)) {
      case 0:
        return this.#insert(data, r.int(n + 1), r.bytes(1 + r.int(4)));
      case 1:
        return this.#insert(data, r.int(n + 1), this.#token());
      case 2:
        return others.length > 0 ? this.#splice(data, r.pick(others)) : data;
      case 3: {
        const out = data.slice();
        const at = r.int(n);
        out[at] = out[at]! ^ (1 << r.int(8));
        return out;
      }
      case 4: {
        const out = data.slice();
        out[r.int(n)] = r.oneIn(2) ? r.pick(INTERESTING) : r.next() & 0xff;
        return out;
      }
      case 5: {
        const out = data.slice();
        const at = r.int(n);
        out[at] = (out[at]! + (r.oneIn(2) ? 1 : -1) * (1 + r.int(35))) & 0xff;
        return out;
      }
      case 6: {
        const at = r.int(n);
        const len = 1 + r.int(Math.min(n - at, 16));
        const out = new Uint8Array(n - len);
        out.set(data.subarray(0, at), 0);
        out.set(data.subarray(at + len), at);
        return out;
      }
      case 7: {
        // Duplicate a range: repeated frames, headers and chunks.
        const at = r.int(n);
        const len = 1 + r.int(Math.min(n - at, 64));
        return this.#insert(data, r.int(n + 1), data.slice(at, at + len));
      }
      case 8: {
        // Overwrite with a token.
        const token = this.#token();
        const out = data.slice();
        const at = r.int(n);
        out.set(token.subarray(0, Math.min(token.length, n - at)), at);
        return out;
      }
      case 9: {
        // Copy a range over another place.
        const from = r.int(n);
        const to = r.int(n);
        const len = 1 + r.int(Math.min(n - from, n - to, 32));
        const out = data.slice();
        out.copyWithin(to, from, from + len);
        return out;
      }
      case 10:
        // Truncate: every parser must handle input that stops anywhere.
        return data.slice(0, r.int(n));
      default: {
        // A 16-bit big-endian length field set to an edge value.
        if (n < 2) return data;
        const out = data.slice();
        const at = r.int(n - 1);
        const v = r.pick([0, 1, 125, 126, 127, 128, 255, 256, 0xffff, 0x7fff, 0x8000]);
        out[at] = v >>> 8;
        out[at + 1] = v & 0xff;
        return out;
      }
    }
  }

  #token(): Uint8Array {
    return this.#dictionary.length > 0
      ? this.#random.pick(this.#dictionary)
      : this.#random.bytes(2);
  }

  #insert(data: Uint8Array, at: number, piece: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length + piece.length);
    out.set(data.subarray(0, at), 0);
    out.set(piece, at);
    out.set(data.subarray(at), at + piece.length);
    return out;
  }

  #splice(data: Uint8Array, other: Uint8Array): Uint8Array {
    const r = this.#random;
    const cut = r.int(data.length + 1);
    const from = r.int(other.length + 1);
    const out = new Uint8Array(cut + other.length - from);
    out.set(data.subarray(0, cut), 0);
    out.set(other.subarray(from), cut);
    return out;
  }
}
