/**
 * The bytes a reader has received and not yet consumed: the chunks passed to `receive`, read
 * front to back without joining them.
 *
 * - Bodies are handed out as views of the chunks (zero copy).
 * - A head or trailer section must be contiguous to be read in place. When it lies inside one
 *   chunk it is read there; when it spans chunks, exactly its bytes are copied once into a new
 *   array. The search for its end resumes where it stopped, so a head arriving one byte per
 *   `receive` costs O(n), not O(n²).
 *
 * Invariant: when the current chunk is exhausted there are no pending chunks.
 *
 * @module
 */
import { CR, LF } from './ascii.js';

const EMPTY = new Uint8Array(0);

/** {@link InputQueue.scanBlock}: the block is not complete yet. */
export const SCAN_NEED_MORE = 0;
/** {@link InputQueue.scanBlock}: a line ends in LF without CR (RFC 9112 §2.2). */
export const SCAN_BARE_LF = -1;
/** {@link InputQueue.scanBlock}: the block is longer than allowed. */
export const SCAN_TOO_LARGE = -2;
/** {@link InputQueue.scanBlock}: the block has more lines than allowed. */
export const SCAN_TOO_MANY_LINES = -3;

/** Received, unconsumed input (internal to the readers). */
export class InputQueue {
  #buf: Uint8Array = EMPTY;
  #pos = 0;
  readonly #pending: Uint8Array[] = [];
  #pendingHead = 0;

  // Where a block scan stopped (valid while #scanning; reset by any consumption).
  #scanning = false;
  #scanChunk = -1; // -1: the current chunk; k >= 0: #pending[k]
  #scanOff = 0;
  #scanLen = 0;
  #lineStart = 0;
  #lines = 0;
  #prevCR = false;

  #blockBytes: Uint8Array = EMPTY;
  #blockStart = 0;

  /** Queues a chunk (kept by reference until consumed). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#pos === this.#buf.length) {
      // Nothing was left: any scan in progress covered no byte and restarts on this chunk.
      this.#buf = chunk;
      this.#pos = 0;
      this.#scanning = false;
    } else {
      this.#pending.push(chunk);
    }
  }

  /** Whether no byte is left. */
  get isEmpty(): boolean {
    return this.#pos === this.#buf.length;
  }

  /** Number of unconsumed bytes. */
  get size(): number {
    let n = this.#buf.length - this.#pos;
    for (let k = this.#pendingHead; k < this.#pending.length; k++) n += this.#pending[k]!.length;
    return n;
  }

  /** The current chunk; unconsumed bytes start at {@link InputQueue.offset}. */
  get chunk(): Uint8Array {
    return this.#buf;
  }

  /** Read position in {@link InputQueue.chunk}. */
  get offset(): number {
    return this.#pos;
  }

  /** Consumes the current chunk up to `pos` (`offset <= pos <= chunk.length`). */
  advanceTo(pos: number): void {
    this.#pos = pos;
    this.#consumed();
  }

  /** The byte `k` positions ahead (across chunks), or -1 if not received yet. */
  byteAt(k: number): number {
    let chunk = this.#buf;
    let i = this.#pos + k;
    let next = this.#pendingHead;
    while (i >= chunk.length) {
      i -= chunk.length;
      if (next >= this.#pending.length) return -1;
      chunk = this.#pending[next++]!;
    }
    return chunk[i]!;
  }

  /** Consumes `n` bytes (at most what is queued). */
  skip(n: number): void {
    while (n > 0) {
      const avail = this.#buf.length - this.#pos;
      if (avail === 0) return;
      const take = Math.min(n, avail);
      this.#pos += take;
      n -= take;
      this.#consumed();
    }
  }

  /** Consumes and returns up to `max` bytes from the current chunk as a view, or `null`. */
  read(max: number): Uint8Array | null {
    const buf = this.#buf;
    const pos = this.#pos;
    const avail = buf.length - pos;
    if (avail === 0) return null;
    let view: Uint8Array;
    if (max >= avail) {
      view = pos === 0 ? buf : buf.subarray(pos);
      this.#pos = buf.length;
    } else {
      view = buf.subarray(pos, pos + max);
      this.#pos = pos + max;
    }
    this.#consumed();
    return view;
  }

  /**
   * Looks for the end of a block of CRLF-terminated lines that ends with an empty line (a head
   * or a trailer section), starting at the read position, resuming where the last call stopped.
   * Returns the block length including the final empty line, {@link SCAN_NEED_MORE}, or a
   * negative `SCAN_*` error. Lines must end in CRLF (RFC 9112 §2.2: a bare LF is rejected).
   */
  scanBlock(maxBytes: number, maxLines: number): number {
    const pending = this.#pending;
    if (!this.#scanning) {
      this.#scanning = true;
      this.#scanChunk = -1;
      this.#scanOff = this.#pos;
      this.#scanLen = 0;
      this.#lineStart = 0;
      this.#lines = 0;
      this.#prevCR = false;
    }
    let ci = this.#scanChunk;
    let chunk = ci === -1 ? this.#buf : pending[ci]!;
    let i = this.#scanOff;
    let len = this.#scanLen;
    let lineStart = this.#lineStart;
    let lines = this.#lines;
    let prevCR = this.#prevCR;
    for (;;) {
      if (i >= chunk.length) {
        const next = ci === -1 ? this.#pendingHead : ci + 1;
        if (next >= pending.length) {
          this.#scanChunk = ci;
          this.#scanOff = i;
          this.#scanLen = len;
          this.#lineStart = lineStart;
          this.#lines = lines;
          this.#prevCR = prevCR;
          return SCAN_NEED_MORE;
        }
        ci = next;
        chunk = pending[ci]!;
        i = 0;
        continue;
      }
      const lf = chunk.indexOf(LF, i);
      if (lf === -1) {
        len += chunk.length - i;
        prevCR = chunk[chunk.length - 1] === CR;
        i = chunk.length;
        this.#lines = lines;
        if (len > maxBytes) return SCAN_TOO_LARGE;
        continue;
      }
      // The size limit is checked before the line ending so that the outcome does not depend
      // on how the input was split into chunks.
      const crlf = lf > i ? chunk[lf - 1] === CR : prevCR;
      len += lf - i + 1;
      if (len > maxBytes) {
        this.#lines = lines;
        return SCAN_TOO_LARGE;
      }
      if (!crlf) return SCAN_BARE_LF;
      i = lf + 1;
      prevCR = false;
      if (len - lineStart === 2) {
        this.#scanning = false;
        return len;
      }
      lines++;
      lineStart = len;
      if (lines > maxLines) return SCAN_TOO_MANY_LINES;
    }
  }

  /** Complete lines seen by the last {@link InputQueue.scanBlock} (for error reporting). */
  get scannedLines(): number {
    return this.#lines;
  }

  /**
   * Consumes `len` bytes as one contiguous block, afterwards readable at
   * `blockBytes[blockStart, blockStart + len)`: a view of the chunk when the block lies in it,
   * else a new array holding a copy.
   */
  takeBlock(len: number): void {
    const avail = this.#buf.length - this.#pos;
    if (len <= avail) {
      this.#blockBytes = this.#buf;
      this.#blockStart = this.#pos;
      this.#pos += len;
    } else {
      const out = new Uint8Array(len);
      out.set(this.#pos === 0 ? this.#buf : this.#buf.subarray(this.#pos), 0);
      let filled = avail;
      this.#pos = this.#buf.length;
      while (filled < len) {
        this.#consumed();
        const buf = this.#buf;
        const take = Math.min(len - filled, buf.length);
        out.set(take === buf.length ? buf : buf.subarray(0, take), filled);
        filled += take;
        this.#pos = take;
      }
      this.#blockBytes = out;
      this.#blockStart = 0;
    }
    this.#consumed();
  }

  /** Bytes holding the block taken by {@link InputQueue.takeBlock}. */
  get blockBytes(): Uint8Array {
    return this.#blockBytes;
  }

  /** Start of the block taken by {@link InputQueue.takeBlock} in {@link InputQueue.blockBytes}. */
  get blockStart(): number {
    return this.#blockStart;
  }

  /** Consumes and returns everything queued: a view when it is one chunk, else a copy. */
  takeAll(): Uint8Array {
    let out: Uint8Array;
    if (this.#pendingHead === this.#pending.length) {
      out = this.#pos === 0 ? this.#buf : this.#buf.subarray(this.#pos);
    } else {
      out = new Uint8Array(this.size);
      out.set(this.#buf.subarray(this.#pos), 0);
      let at = this.#buf.length - this.#pos;
      for (let k = this.#pendingHead; k < this.#pending.length; k++) {
        const chunk = this.#pending[k]!;
        out.set(chunk, at);
        at += chunk.length;
      }
    }
    this.clear();
    return out;
  }

  /** Drops everything queued and any scan in progress. */
  clear(): void {
    this.#buf = EMPTY;
    this.#pos = 0;
    this.#pending.length = 0;
    this.#pendingHead = 0;
    this.#scanning = false;
    this.#blockBytes = EMPTY;
    this.#blockStart = 0;
  }

  #consumed(): void {
    this.#scanning = false;
    const pending = this.#pending;
    if (this.#pos === this.#buf.length && this.#pendingHead < pending.length) {
      this.#buf = pending[this.#pendingHead]!;
      pending[this.#pendingHead] = EMPTY;
      this.#pendingHead++;
      this.#pos = 0;
      if (this.#pendingHead === pending.length) {
        pending.length = 0;
        this.#pendingHead = 0;
      }
    }
  }
}
