/**
 * The outbound half of RFC 6455: frames encoded straight into caller memory.
 *
 * `FrameWriter` writes one frame (header, then payload copied, or a string encoded, in place)
 * at an offset of a caller's `Uint8Array` and returns the bytes written. A client writer masks
 * every frame with a fresh key from a {@link MaskKeyPool}; the caller's payload is never
 * modified. Lengths are always minimally encoded (§5.2). The writer keeps no state about
 * messages: fragmentation order and close rules are the connection's job.
 *
 * @example
 * ```ts
 * const writer = new FrameWriter({ role: 'server' });
 * const out = new Uint8Array(writer.maxFrameSize('Hello'));
 * const n = writer.writeFrame(out, 0, Opcode.TEXT, 'Hello', true);
 * // out.subarray(0, n) is 81 05 48 65 6c 6c 6f (RFC 6455 §5.7)
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { type Platform, portablePlatform } from '../platform.js';
import type { Role } from './frame-reader.js';
import { MaskKeyPool } from './mask-key-pool.js';

/** Header bytes for a payload of `length` bytes (§5.2), without the 4-byte masking key. */
export function headerSize(length: number): number {
  return length < 126 ? 2 : length < 0x1_0000 ? 4 : 10;
}

/** Options for {@link FrameWriter}. */
export interface FrameWriterOptions {
  /** A `client` masks every frame (RFC 6455 §5.3); a `server` never does. */
  readonly role: Role;
  /** Host services (masking, random keys, UTF-8 encoding). Default: {@link portablePlatform}. */
  readonly platform?: Platform;
  /** Supply masking keys yourself (tests, or a shared pool). Default: a new pool. */
  readonly maskKeys?: MaskKeyPool;
}

/** Encodes frames into caller memory. */
export class FrameWriter {
  readonly #masked: boolean;
  readonly #platform: Platform;
  readonly #keys: MaskKeyPool | undefined;

  /**
   * A writer for `options.role`: a client's frames are masked (RFC 6455 §5.3), a server's are not.
   */
  constructor(options: FrameWriterOptions) {
    this.#masked = options.role === 'client';
    this.#platform = options.platform ?? portablePlatform;
    this.#keys = this.#masked ? (options.maskKeys ?? new MaskKeyPool(this.#platform)) : undefined;
  }

  /** Does this writer mask its frames (client role)? */
  get masked(): boolean {
    return this.#masked;
  }

  /** An upper bound on the bytes {@link writeFrame} needs for `payload`. */
  maxFrameSize(payload: Uint8Array | string): number {
    const length = typeof payload === 'string' ? payload.length * 3 : payload.length;
    return headerSize(length) + (this.#masked ? 4 : 0) + length;
  }

  /**
   * Write a whole frame at `dst[offset]`; returns bytes written. `dst` needs
   * {@link maxFrameSize} bytes from `offset`, else `ERR_BUFFER_TOO_SMALL` is thrown and nothing
   * is written. Payload limits (control frames, close codes) are checked by the caller.
   */
  writeFrame(
    dst: Uint8Array,
    offset: number,
    opcode: number,
    payload: Uint8Array | string,
    fin: boolean,
    rsv1 = false,
  ): number {
    const room = dst.length - offset;
    if (typeof payload !== 'string') {
      const length = payload.length;
      const size = headerSize(length) + (this.#masked ? 4 : 0);
      if (room < size + length) throw tooSmall(size + length, room);
      const key = this.#writeHeader(dst, offset, opcode, length, fin, rsv1);
      dst.set(payload, offset + size);
      if (this.#masked) this.#platform.mask(dst, offset + size, offset + size + length, key, 0);
      return size + length;
    }
    // A string's UTF-8 length is known only after encoding: encode after the largest header it
    // may need, then slide the bytes left if a shorter header suffices.
    const keyBytes = this.#masked ? 4 : 0;
    const high = headerSize(payload.length * 3) + keyBytes;
    if (room < high + payload.length * 3) throw tooSmall(high + payload.length * 3, room);
    const length = this.#platform.encodeUtf8Into(payload, dst, offset + high);
    const size = headerSize(length) + keyBytes;
    if (size !== high) dst.copyWithin(offset + size, offset + high, offset + high + length);
    const key = this.#writeHeader(dst, offset, opcode, length, fin, rsv1);
    if (this.#masked) this.#platform.mask(dst, offset + size, offset + size + length, key, 0);
    return size + length;
  }

  /**
   * Write only a header for a payload of `length` bytes at `dst[offset]`; returns the masking
   * key (0 when unmasked). The caller places and masks the payload (see `FrameBuffer`).
   */
  writeHeader(
    dst: Uint8Array,
    offset: number,
    opcode: number,
    length: number,
    fin: boolean,
    rsv1 = false,
  ): number {
    const need = headerSize(length) + (this.#masked ? 4 : 0);
    if (dst.length - offset < need) throw tooSmall(need, dst.length - offset);
    return this.#writeHeader(dst, offset, opcode, length, fin, rsv1);
  }

  /** Mask `buf[start..end)` in place with a key returned by {@link writeHeader}. */
  maskPayload(buf: Uint8Array, start: number, end: number, key: number): void {
    if (this.#masked) this.#platform.mask(buf, start, end, key, 0);
  }

  #writeHeader(
    dst: Uint8Array,
    offset: number,
    opcode: number,
    length: number,
    fin: boolean,
    rsv1: boolean,
  ): number {
    dst[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
    const maskBit = this.#masked ? 0x80 : 0;
    let at = offset + 2;
    if (length < 126) {
      dst[offset + 1] = maskBit | length;
    } else if (length < 0x1_0000) {
      dst[offset + 1] = maskBit | 126;
      dst[offset + 2] = length >>> 8;
      dst[offset + 3] = length & 0xff;
      at = offset + 4;
    } else {
      dst[offset + 1] = maskBit | 127;
      const high = Math.floor(length / 0x1_0000_0000);
      dst[offset + 2] = high >>> 24;
      dst[offset + 3] = (high >>> 16) & 0xff;
      dst[offset + 4] = (high >>> 8) & 0xff;
      dst[offset + 5] = high & 0xff;
      dst[offset + 6] = length >>> 24;
      dst[offset + 7] = (length >>> 16) & 0xff;
      dst[offset + 8] = (length >>> 8) & 0xff;
      dst[offset + 9] = length & 0xff;
      at = offset + 10;
    }
    if (!this.#masked) return 0;
    const key = this.#keys!.next();
    dst[at] = key >>> 24;
    dst[at + 1] = (key >>> 16) & 0xff;
    dst[at + 2] = (key >>> 8) & 0xff;
    dst[at + 3] = key & 0xff;
    return key;
  }
}

function tooSmall(need: number, room: number): WirekitError {
  return new WirekitError(
    ErrorCode.BUFFER_TOO_SMALL,
    `frame needs ${need} bytes, ${room} available`,
  );
}
