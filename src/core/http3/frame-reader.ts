/**
 * The HTTP/3 frame layer of one stream (RFC 9114 §7.1): bytes in, frames out, from chunks of any
 * size.
 *
 * A frame is a type and a length (both varints) and a payload. The reader parses the header and
 * hands the decision about the payload to its caller, which knows the stream and its limits:
 * after `poll()` returns {@link FrameRead.FRAME_START} (with `type` and `length` set) the caller
 * calls one of
 * - `bufferPayload()`: the whole payload comes back at once as {@link FrameRead.FRAME} (a view of
 *   the input chunk when it lies inside one, else one copy into a buffer of exactly `length`
 *   bytes, which the caller has checked against its limit first);
 * - `streamPayload()`: the payload comes back in pieces as {@link FrameRead.DATA}, each a view of
 *   an input chunk, never copied (DATA frames);
 * - `skipPayload()` (also what happens when the caller calls none): the payload is discarded as
 *   it arrives (unknown and reserved frame types, §7.2.8; §9: "Implementations MUST discard
 *   frames ... that have unknown or unsupported types").
 *
 * It allocates nothing per frame except the copy of a buffered payload that spans chunks, and
 * never throws: nothing in a frame header can be malformed (any varint is a valid type or
 * length), so the rules live in the caller.
 */
import { readVarint, VarintAccumulator, varintSize } from './varint.js';

/** What {@link Http3FrameReader.poll} found. */
export const FrameRead = {
  /** The chunk is used up: `receive` the next one. */
  NEED_DATA: 0,
  /** A frame header: `type` and `length` are set; choose how to read the payload. */
  FRAME_START: 1,
  /** A buffered payload, complete: `payload`. */
  FRAME: 2,
  /** A piece of a streamed payload: `payload`; `remaining` bytes of the frame still to come. */
  DATA: 3,
} as const;

/** One of the {@link FrameRead} values. */
export type FrameRead = (typeof FrameRead)[keyof typeof FrameRead];

const TYPE = 0;
const LENGTH = 1;
const DECIDE = 2;
const BUFFER = 3;
const STREAM = 4;
const SKIP = 5;

const EMPTY = new Uint8Array(0);

/** Reads the frames of one HTTP/3 stream. */
export class Http3FrameReader {
  #state = TYPE;
  #chunk: Uint8Array = EMPTY;
  #at = 0;
  readonly #varint = new VarintAccumulator();
  #buffer: Uint8Array = EMPTY;
  #filled = 0;
  /** The current frame's type (valid from FRAME_START until the next FRAME_START). */
  type = 0;
  /** The current frame's payload length. */
  length = 0;
  /** Payload bytes of the current frame not yet delivered or skipped. */
  remaining = 0;
  /** The payload (FRAME) or a piece of it (DATA). A view: valid until the next `receive`. */
  payload: Uint8Array = EMPTY;

  /** Queue the next chunk. The previous chunk must be used up (`poll()` said NEED_DATA). */
  receive(chunk: Uint8Array): void {
    this.#chunk = chunk;
    this.#at = 0;
  }

  /** Is the reader between frames (no header byte or payload byte of a frame pending)? A
   * stream that ends elsewhere ends inside a frame (§7.1: H3_FRAME_ERROR). */
  get atFrameBoundary(): boolean {
    return this.#state === TYPE && !this.#varint.partial;
  }

  /** Buffer the current frame's payload and return it whole as FRAME. */
  bufferPayload(): void {
    if (this.#state === DECIDE) this.#state = BUFFER;
  }

  /** Deliver the current frame's payload in pieces as DATA, as they arrive. */
  streamPayload(): void {
    if (this.#state === DECIDE) this.#state = STREAM;
  }

  /** Discard the current frame's payload. */
  skipPayload(): void {
    if (this.#state === DECIDE) this.#state = SKIP;
  }

  /** Parse on; see {@link FrameRead}. */
  poll(): FrameRead {
    const chunk = this.#chunk;
    for (;;) {
      switch (this.#state) {
        case TYPE:
        case LENGTH: {
          const value = this.#readVarint(chunk);
          if (value < 0) return FrameRead.NEED_DATA;
          if (this.#state === TYPE) {
            this.type = value;
            this.#state = LENGTH;
            break;
          }
          this.length = value;
          this.remaining = value;
          this.#state = DECIDE;
          return FrameRead.FRAME_START;
        }
        case DECIDE:
          // The caller chose nothing: skip.
          this.#state = SKIP;
          break;
        case BUFFER: {
          const available = chunk.length - this.#at;
          if (this.#filled === 0 && available >= this.length) {
            // The whole payload lies in this chunk: a view, no copy.
            this.payload = chunk.subarray(this.#at, this.#at + this.length);
            this.#at += this.length;
            this.remaining = 0;
            this.#state = TYPE;
            return FrameRead.FRAME;
          }
          if (this.#filled === 0) this.#buffer = new Uint8Array(this.length);
          const take = Math.min(available, this.length - this.#filled);
          this.#buffer.set(chunk.subarray(this.#at, this.#at + take), this.#filled);
          this.#filled += take;
          this.#at += take;
          this.remaining = this.length - this.#filled;
          if (this.remaining > 0) return FrameRead.NEED_DATA;
          this.payload = this.#buffer;
          this.#buffer = EMPTY;
          this.#filled = 0;
          this.#state = TYPE;
          return FrameRead.FRAME;
        }
        case STREAM: {
          if (this.remaining === 0) {
            this.#state = TYPE;
            break;
          }
          const available = chunk.length - this.#at;
          if (available === 0) return FrameRead.NEED_DATA;
          const take = Math.min(available, this.remaining);
          this.payload = chunk.subarray(this.#at, this.#at + take);
          this.#at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.#state = TYPE;
          return FrameRead.DATA;
        }
        default: {
          // SKIP
          const available = chunk.length - this.#at;
          const take = Math.min(available, this.remaining);
          this.#at += take;
          this.remaining -= take;
          if (this.remaining > 0) return FrameRead.NEED_DATA;
          this.#state = TYPE;
          break;
        }
      }
    }
  }

  /** The next varint of the header, or -1 when the chunk ends first (its bytes are kept). */
  #readVarint(chunk: Uint8Array): number {
    const varint = this.#varint;
    if (!varint.partial && this.#at < chunk.length) {
      const size = varintSize(chunk[this.#at]!);
      if (this.#at + size <= chunk.length) {
        const value = readVarint(chunk, this.#at, chunk.length);
        this.#at += size;
        return value;
      }
    }
    while (this.#at < chunk.length) {
      if (varint.push(chunk[this.#at++]!)) {
        varint.reset();
        return varint.value;
      }
    }
    return -1;
  }
}
