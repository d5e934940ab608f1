/**
 * Sequence-numbered messages, the soak's way of proving delivery: each message names its
 * stream and its number and is padded to a size drawn from a seeded generator with a filler
 * that depends on the number, so a lost, repeated, reordered, cut or corrupted message shows.
 * Text and binary messages alternate, and some are large enough to span many reads.
 *
 * @example
 * ```ts
 * const out = new SequenceWriter('c7', random);
 * const check = new SequenceReader('c7');
 * check.accept(Buffer.from(out.next().data)); // true while in order
 * check.received; // 1
 * ```
 */

/** A seeded generator of numbers in [0, 1) (mulberry32). */
export type Random = () => number;

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One message of a stream, ready for `send(data, isBinary)`. */
export interface SequenceMessage {
  readonly seq: number;
  readonly data: string | Buffer;
  readonly isBinary: boolean;
}

/** The size of message `seq`: mostly small, one in ten a few KiB, one in fifty past 64 KiB. */
function sizeOf(random: Random): number {
  const draw = random();
  if (draw < 0.02) return 65_536 + Math.floor(random() * 16_384);
  if (draw < 0.12) return 2_048 + Math.floor(random() * 18_000);
  return 16 + Math.floor(random() * 300);
}

function fillerOf(seq: number): number {
  return 0x61 + (seq % 26);
}

/** The bytes of message `seq` of stream `name`, `size` bytes long (at least its header),
 * which names its own length: `name.seq.length|` and the filler. */
export function sequenceBytes(name: string, seq: number, size: number): Buffer {
  const length = Math.max(size, `${name}.${seq}.${size}|`.length + 8);
  const head = Buffer.from(`${name}.${seq}.${length}|`);
  const bytes = Buffer.alloc(length, fillerOf(seq));
  head.copy(bytes);
  return bytes;
}

/** Produces the messages of one stream. */
export class SequenceWriter {
  readonly name: string;
  readonly #random: Random;
  #next = 0;

  constructor(name: string, random: Random) {
    this.name = name;
    this.#random = random;
  }

  /** Messages produced so far. */
  get produced(): number {
    return this.#next;
  }

  next(): SequenceMessage {
    const seq = this.#next++;
    const bytes = sequenceBytes(this.name, seq, sizeOf(this.#random));
    const isBinary = seq % 3 === 2;
    return { seq, data: isBinary ? bytes : bytes.toString('latin1'), isBinary };
  }
}

/** Checks the messages of one stream as they arrive. */
export class SequenceReader {
  readonly name: string;
  /** In-order, intact messages of this stream received so far. */
  received = 0;
  /** Messages that are not of this stream (a peer sending garbage may make some). */
  foreign = 0;
  /** What went wrong: a gap, a repeat, a reorder, a corruption. Empty when all is well. */
  readonly violations: string[] = [];
  readonly #prefix: string;

  constructor(name: string) {
    this.name = name;
    this.#prefix = `${name}.`;
  }

  /** Take one message; `false` when it breaks the sequence. */
  accept(data: Buffer): boolean {
    const bar = data.indexOf(0x7c); // '|'
    const head = data.subarray(0, bar === -1 ? Math.min(data.length, 32) : bar).toString('latin1');
    if (!head.startsWith(this.#prefix)) {
      this.foreign++;
      return true;
    }
    const [seqText, lengthText] = head.slice(this.#prefix.length).split('.');
    const seq = Number(seqText);
    if (seq !== this.received) {
      this.violations.push(`${this.name}: expected #${this.received}, got #${seq}`);
      return false;
    }
    if (Number(lengthText) !== data.length) {
      this.violations.push(`${this.name}: #${seq} is ${data.length} bytes, sent ${lengthText}`);
      return false;
    }
    const filler = fillerOf(seq);
    for (let i = bar + 1; i < data.length; i++) {
      if (data[i] !== filler) {
        this.violations.push(`${this.name}: #${seq} corrupted at byte ${i} of ${data.length}`);
        return false;
      }
    }
    this.received++;
    return true;
  }
}
