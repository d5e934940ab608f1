/**
 * A payload buffer with headroom for the frame header (nexus-net's WriteBuf): fill the payload
 * in place (serialise JSON into it, copy from a file), then prepend the header in the reserved
 * bytes in front of it and get one contiguous frame, without copying the payload.
 *
 * The frame this returns is a view of the buffer and stays valid until the next `payload()`
 * call. Encode a broadcast once this way and write the same bytes to every subscriber.
 *
 * @example
 * ```ts
 * const fb = new FrameBuffer(new FrameWriter({ role: 'server' }));
 * const n = new TextEncoder().encodeInto('{"px":1}', fb.payload(24)).written;
 * const frame = fb.frame(Opcode.TEXT, n); // header + 8 payload bytes, contiguous
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { type FrameWriter, headerSize } from './frame-writer.js';

/** Room kept in front of the payload: the largest header (10 bytes) plus a masking key. */
const HEADROOM = 14;

/** Payload memory with room for a frame header in front of it. */
export class FrameBuffer {
  readonly #writer: FrameWriter;
  #buf: Uint8Array;

  /**
   * Frames are built with `writer` (masked when it is a client's); `capacity` is the initial
   * payload room in bytes, default 4096, grown by `payload()` as needed.
   */
  constructor(writer: FrameWriter, capacity = 4096) {
    this.#writer = writer;
    this.#buf = new Uint8Array(HEADROOM + capacity);
  }

  /** A view of `size` writable payload bytes (the buffer grows to fit; old frames go stale). */
  payload(size: number): Uint8Array {
    if (HEADROOM + size > this.#buf.length) this.#buf = new Uint8Array(HEADROOM + size);
    return this.#buf.subarray(HEADROOM, HEADROOM + size);
  }

  /**
   * Prepend a header for the first `length` payload bytes (masking them for a client writer)
   * and return the whole frame.
   */
  frame(opcode: number, length: number, fin = true, rsv1 = false): Uint8Array {
    const buf = this.#buf;
    if (length < 0 || HEADROOM + length > buf.length) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `frame length ${length} is outside the payload`,
      );
    }
    const start = HEADROOM - headerSize(length) - (this.#writer.masked ? 4 : 0);
    const key = this.#writer.writeHeader(buf, start, opcode, length, fin, rsv1);
    this.#writer.maskPayload(buf, HEADROOM, HEADROOM + length, key);
    return buf.subarray(start, HEADROOM + length);
  }
}
