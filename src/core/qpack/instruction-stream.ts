/**
 * The peer's QPACK encoder and decoder streams (RFC 9204 §4.2-§4.4) as this endpoint sees them
 * with a dynamic table capacity of 0 on both sides.
 *
 * Encoder stream (the peer's encoder talking to this decoder, §4.3): the only instruction that
 * can be valid is Set Dynamic Table Capacity with a capacity of 0. A larger capacity exceeds the
 * 0 this endpoint advertised (§4.3.1: "The decoder MUST treat a new dynamic table capacity value
 * that exceeds this limit as a connection error of type QPACK_ENCODER_STREAM_ERROR"); an insert
 * needs table space that a capacity of 0 cannot give (§3.2.2, §4.3.2, §4.3.3), and a Duplicate
 * references an entry that does not exist (§2.2.3, §4.3.4): all QPACK_ENCODER_STREAM_ERROR.
 *
 * Decoder stream (the peer's decoder talking to this encoder, §4.4): this encoder never sends a
 * section with a non-zero Required Insert Count and never inserts, so a Section Acknowledgment
 * (§4.4.1: "MUST be treated as a connection error of type QPACK_DECODER_STREAM_ERROR") and an
 * Insert Count Increment (§4.4.3: zero, or beyond what was sent) are errors; a Stream
 * Cancellation (§4.4.2) is read and needs nothing.
 *
 * Instructions may be cut anywhere between chunks; at most one partial instruction (a prefixed
 * integer, at most 11 bytes) is kept.
 */
import { Http3ErrorCode } from '../http3/error-code.js';
import { PrefixIntReader } from './prefix-int.js';

/** An instruction the stream cannot carry: the connection closes with `code`. */
export interface QpackStreamError {
  /** QPACK_ENCODER_STREAM_ERROR or QPACK_DECODER_STREAM_ERROR. */
  readonly code: Http3ErrorCode;
  /** What was wrong, for logs. */
  readonly message: string;
}

/** Which of the peer's QPACK streams a {@link QpackInstructionStream} reads. */
export type QpackStreamKind = 'encoder' | 'decoder';

/** Reads the peer's QPACK encoder or decoder stream. */
export class QpackInstructionStream {
  readonly #kind: QpackStreamKind;
  readonly #pending = new Uint8Array(16);
  #have = 0;
  readonly #reader = new PrefixIntReader();

  /** `kind`: the peer's `encoder` stream (type 0x02) or its `decoder` stream (type 0x03). */
  constructor(kind: QpackStreamKind) {
    this.#kind = kind;
  }

  /** Read the next bytes of the stream; an error ends the connection. Never throws. */
  receive(chunk: Uint8Array): QpackStreamError | undefined {
    for (let i = 0; i < chunk.length; i++) {
      this.#pending[this.#have++] = chunk[i]!;
      const verdict = this.#kind === 'encoder' ? this.#encoder() : this.#decoder();
      if (verdict === undefined) continue;
      if (verdict === true) this.#have = 0;
      else return verdict;
    }
    return undefined;
  }

  /** Has the stream ended inside an instruction? (It must not end at all: H3_CLOSED_CRITICAL_STREAM.) */
  get partial(): boolean {
    return this.#have > 0;
  }

  /** `true`: one instruction complete; `undefined`: more bytes needed; else the error. */
  #encoder(): true | undefined | QpackStreamError {
    const first = this.#pending[0]!;
    const code = Http3ErrorCode.QPACK_ENCODER_STREAM_ERROR;
    if ((first & 0x80) !== 0)
      return { code, message: 'Insert with Name Reference with a dynamic table capacity of 0' };
    if ((first & 0x40) !== 0)
      return { code, message: 'Insert with Literal Name with a dynamic table capacity of 0' };
    if ((first & 0x20) === 0)
      return { code, message: 'Duplicate of an entry that does not exist (capacity 0)' };
    // 001 capacity(5): Set Dynamic Table Capacity.
    const value = this.#integer(5);
    if (value === -1) return undefined;
    if (value !== 0)
      return { code, message: `Set Dynamic Table Capacity ${value} exceeds the advertised 0` };
    return true;
  }

  #decoder(): true | undefined | QpackStreamError {
    const first = this.#pending[0]!;
    const code = Http3ErrorCode.QPACK_DECODER_STREAM_ERROR;
    if ((first & 0x80) !== 0)
      return { code, message: 'Section Acknowledgment for a section that needs none' };
    if ((first & 0x40) === 0)
      return { code, message: 'Insert Count Increment beyond the inserts sent (none)' };
    // 01 stream ID(6): Stream Cancellation.
    const value = this.#integer(6);
    if (value === -1) return undefined;
    // §7.4 (RFC 9204): a value larger than it can decode is an error of the stream's type.
    if (value === Number.MAX_SAFE_INTEGER) return { code, message: 'stream ID over 2^62' };
    return true;
  }

  /** The pending prefixed integer, -1 when incomplete; an oversized one is an error. */
  #integer(prefix: number): number {
    const reader = this.#reader;
    reader.reset(this.#pending, 0, this.#have);
    const value = reader.read(prefix);
    // -2 (too large) cannot be a capacity of 0 nor needs a value: treat as complete and odd.
    return value === -2 ? Number.MAX_SAFE_INTEGER : value;
  }
}
