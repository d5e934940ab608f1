/**
 * The inbound half of RFC 6455: bytes in, messages out.
 *
 * `FrameReader` parses frames from chunks of any size, assembles fragmented messages, lets
 * control frames interleave, unmasks, validates UTF-8 and enforces size limits. It is a numeric
 * state machine with a pull API that allocates nothing per message beyond the `subarray` view it
 * hands out:
 *
 * - `receive(chunk)` queues input (the chunk may be unmasked in place: hand over memory you no
 *   longer need);
 * - `poll()` returns a {@link ReadKind} and sets `payload` (and `closeCode`/`closeReason`, or
 *   `errorCode`/`errorReason`); `NEED_DATA` means feed more bytes.
 *
 * A message whose single frame lies inside one chunk is delivered as a view of that chunk. A
 * frame that spans chunks, or a fragmented message, is copied once into a message slab, grown
 * as bytes actually arrive (a huge announced length costs nothing until the bytes come). By
 * default the slab is handed to the caller with the message and never reused, so keeping a
 * payload is safe; with `reuseBuffers` it is reused and a payload is valid only until the next
 * `poll()`.
 *
 * Peer errors never throw: `poll()` returns `ERROR` once, with the close code to send (1002,
 * 1007 or 1009) and a reason, and the reader discards everything after. The connection above
 * turns that into a close frame and a close event.
 *
 * @example
 * ```ts
 * const reader = new FrameReader({ role: 'client' });
 * reader.receive(new Uint8Array([0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f])); // §5.7 "Hello"
 * reader.poll() === ReadKind.TEXT; // payload is a view of the 5 bytes of "Hello"
 * ```
 */
import { Utf8Validator } from '../bytes/utf8.js';
import { type Platform, portablePlatform } from '../platform.js';
import { CloseCode, isValidCloseCode } from './close-code.js';
import { Opcode } from './opcode.js';

/** What `poll()` found. Values of the data and control kinds equal their opcodes. */
export const ReadKind = {
  /** No complete message or control frame yet: `receive` more bytes. */
  NEED_DATA: 0,
  /** A whole text message is in `payload` (UTF-8 checked unless `compressed`). */
  TEXT: 1,
  /** A whole binary message is in `payload`. */
  BINARY: 2,
  /**
   * A close frame: `closeCode` (1005 when it had none) and `closeReason` are set; nothing more is
   * read (RFC 6455 §5.5.1).
   */
  CLOSE: 8,
  /** A ping: its application data is in `payload` (§5.5.2). */
  PING: 9,
  /** A pong: its application data is in `payload` (§5.5.3). */
  PONG: 10,
  /**
   * The peer broke the protocol: `errorCode` (1002, 1007 or 1009) and `errorReason` say how;
   * nothing more is read.
   */
  ERROR: 16,
} as const;

export type ReadKind = (typeof ReadKind)[keyof typeof ReadKind];

/** Which end of the connection this reader is (RFC 6455 §5.1: masking depends on it). */
export type Role = 'client' | 'server';

/** Options for {@link FrameReader}. */
export interface FrameReaderOptions {
  /** `server` requires masked frames, `client` rejects them (RFC 6455 §5.1). */
  readonly role: Role;
  /** Largest frame payload accepted; larger closes with 1009. Default 16 MiB. */
  readonly maxFrameSize?: number;
  /** Largest message (sum of its fragments) accepted; larger closes with 1009. Default 16 MiB. */
  readonly maxMessageSize?: number;
  /** RSV1 is allowed on the first frame of a data message: permessage-deflate was negotiated
   * (RFC 7692 §6). Such messages are reported with `compressed` and are not UTF-8 checked here. */
  readonly allowCompressed?: boolean;
  /** Reuse the message slab: payloads are then valid only until the next `poll()`. */
  readonly reuseBuffers?: boolean;
  /** Host services (UTF-8 check, masking, allocation). Default: {@link portablePlatform}. */
  readonly platform?: Platform;
}

/** Default for `maxFrameSize` and `maxMessageSize`: 16 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE: number = 16 * 1024 * 1024;

const HEADER = 0;
const PAYLOAD = 1;
const DONE = 2; // a close frame was read, or the peer broke the protocol: input is discarded

const MAX_HEADER = 14;
const MIN_SLAB = 1024;
/** A message whose final size is known and at most this many bytes gets its whole slab at once:
 * growing by doubling from MIN_SLAB made a frame cut by a chunk boundary allocate and copy
 * twice (bench/core-frames.bench.ts, 16 KiB frames in 64 KiB chunks: 1.4-2x slower than ws).
 * Larger announced sizes still grow only as bytes arrive. */
const EXACT_SLAB = 64 * 1024;
const EMPTY = new Uint8Array(0);

/** Sans-IO RFC 6455 frame parser and message assembler. See the module comment. */
export class FrameReader {
  /** Payload of the last TEXT, BINARY, PING, PONG or CLOSE (raw close payload). */
  payload: Uint8Array = EMPTY;
  /** Last message was RSV1-compressed (only with `allowCompressed`). */
  compressed = false;
  /** Code of the last CLOSE: 1005 when the frame had no body. */
  closeCode = 0;
  /** Reason of the last CLOSE, decoded. */
  closeReason = '';
  /** After ERROR: the close code to send (1002, 1007, 1009). */
  errorCode = 0;
  /** After ERROR: what was wrong, for logs and the close frame's reason. */
  errorReason = '';

  readonly #server: boolean;
  readonly #maxFrame: number;
  readonly #maxMessage: number;
  readonly #allowRsv1: boolean;
  readonly #reuse: boolean;
  readonly #platform: Platform;
  // What only some connections ever need is made on first use, so an idle connection holds
  // none of it: the validator of text cut across chunks, the queue of chunks that arrive
  // before the current one is used up, the scratch of a header cut by a chunk boundary.
  #utf8: Utf8Validator | undefined;

  // Input: the chunk being parsed (its bytes before #end), and chunks received before it was
  // used up.
  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  #end = 0;
  #queue: Uint8Array[] | undefined;
  // A header cut by a chunk boundary is gathered here (at most 14 bytes).
  #scratch: Uint8Array | undefined;
  #scratchLen = 0;

  #state = HEADER;
  // The frame being read.
  #fin = false;
  #opcode = 0;
  #masked = false;
  #key = 0;
  #frameLen = 0;
  #frameDone = 0;
  // The message being assembled: its opcode while unfinished (0 = none), size, slab.
  #msgOpcode = 0;
  #msgCompressed = false;
  #msgLen = 0;
  #slab: Uint8Array | undefined;
  #slabLen = 0;
  // A control frame cut by a chunk boundary.
  #control: Uint8Array = EMPTY;

  /** A reader for `options.role`, with the size limits and compression setting of `options`. */
  constructor(options: FrameReaderOptions) {
    this.#server = options.role === 'server';
    this.#maxMessage = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#maxFrame = options.maxFrameSize ?? this.#maxMessage;
    this.#allowRsv1 = options.allowCompressed ?? false;
    this.#reuse = options.reuseBuffers ?? false;
    this.#platform = options.platform ?? portablePlatform;
  }

  /** Bytes received but not parsed yet (including a partial header). */
  get bufferedAmount(): number {
    let n = this.#end - this.#pos + this.#scratchLen;
    for (const c of this.#queue ?? []) n += c.length;
    return n;
  }

  /** `true` once a close frame was read or the peer broke the protocol. */
  get done(): boolean {
    return this.#state === DONE;
  }

  /**
   * Queue bytes for parsing: `chunk[0..end)` (all of it by default), so a transport that reads
   * into one reused buffer passes it with the length read instead of making a view per read.
   * Masked payloads are unmasked in place in `chunk`.
   */
  receive(chunk: Uint8Array, end: number = chunk.length): void {
    if (this.#state === DONE || end === 0) return;
    if (this.#pos >= this.#end && (this.#queue === undefined || this.#queue.length === 0)) {
      this.#chunk = chunk;
      this.#pos = 0;
      this.#end = end;
    } else {
      this.#queue ??= [];
      this.#queue.push(end === chunk.length ? chunk : chunk.subarray(0, end));
    }
  }

  /** Parse until a message, control frame or error is found, or input runs out. */
  poll(): ReadKind {
    // The last payload is not kept past this call: a view keeps its chunk's memory alive, and
    // an idle connection would hold its last read.
    this.payload = EMPTY;
    for (;;) {
      if (this.#state === HEADER) {
        const status = this.#readHeader();
        if (status !== 1) return status === 0 ? ReadKind.NEED_DATA : ReadKind.ERROR;
      } else if (this.#state === DONE) {
        return ReadKind.NEED_DATA;
      }
      // PAYLOAD
      const kind = this.#opcode >= Opcode.CLOSE ? this.#readControl() : this.#readData();
      if (kind >= 0) return kind as ReadKind;
    }
  }

  /** Move to the next queued chunk when the current one is used up. */
  #nextChunk(): boolean {
    const next = this.#queue?.shift();
    if (next === undefined) {
      this.#chunk = EMPTY;
      this.#pos = 0;
      this.#end = 0;
      return false;
    }
    this.#chunk = next;
    this.#pos = 0;
    this.#end = next.length;
    return true;
  }

  /** 1: header read; 0: need data; -1: protocol error. */
  #readHeader(): number {
    for (;;) {
      const chunk = this.#chunk;
      const pos = this.#pos;
      const end = this.#end;
      const avail = end - pos;
      if (avail === 0) {
        if (!this.#nextChunk()) return 0;
        continue;
      }
      if (this.#scratchLen === 0) {
        const n = this.#parseHeader(chunk, pos, end);
        if (n > 0) {
          this.#pos = pos + n;
          return 1;
        }
        if (n < 0) return -1;
        this.#scratch ??= new Uint8Array(MAX_HEADER);
        this.#scratch.set(chunk.subarray(pos, end), 0);
        this.#scratchLen = avail;
        this.#pos = end;
        continue;
      }
      // Join the cut header with the start of this chunk; at most 14 bytes are ever needed.
      const had = this.#scratchLen;
      const take = Math.min(MAX_HEADER - had, avail);
      const scratch = this.#scratch!; // set when #scratchLen became > 0
      scratch.set(chunk.subarray(pos, pos + take), had);
      const n = this.#parseHeader(scratch, 0, had + take);
      if (n < 0) return -1;
      if (n > 0) {
        this.#scratchLen = 0;
        this.#pos = pos + (n - had);
        return 1;
      }
      this.#scratchLen = had + take;
      this.#pos = pos + take;
    }
  }

  /**
   * Parse one frame header from `buf[pos..end)`. Returns its length, 0 if incomplete, -1 on a
   * protocol error. Rules decided by the first two bytes are checked before waiting for the
   * rest, so every chunking of the same bytes fails the same way.
   */
  #parseHeader(buf: Uint8Array, pos: number, end: number): number {
    const avail = end - pos;
    if (avail < 2) return 0;
    const b0 = buf[pos]!;
    const b1 = buf[pos + 1]!;
    const fin = (b0 & 0x80) !== 0;
    const rsv1 = (b0 & 0x40) !== 0;
    const opcode = b0 & 0x0f;
    const masked = (b1 & 0x80) !== 0;
    let len = b1 & 0x7f;

    // §5.2: RSV1-3 MUST be 0 unless an extension defining them was negotiated.
    if ((b0 & 0x30) !== 0)
      return this.#headerError(CloseCode.PROTOCOL_ERROR, 'reserved bits RSV2/RSV3 set');
    if (rsv1 && !this.#allowRsv1)
      return this.#headerError(CloseCode.PROTOCOL_ERROR, 'reserved bit RSV1 set');
    if (opcode >= Opcode.CLOSE) {
      // §5.2: opcodes 0xB-0xF are reserved.
      if (opcode > Opcode.PONG)
        return this.#headerError(CloseCode.PROTOCOL_ERROR, `reserved opcode ${opcode}`);
      // §5.5: control frames MUST NOT be fragmented and have at most 125 bytes of payload.
      if (!fin) return this.#headerError(CloseCode.PROTOCOL_ERROR, 'fragmented control frame');
      if (len > 125)
        return this.#headerError(CloseCode.PROTOCOL_ERROR, 'control frame payload over 125 bytes');
      // RFC 7692 §6.1: RSV1 is never set on control frames.
      if (rsv1) return this.#headerError(CloseCode.PROTOCOL_ERROR, 'RSV1 set on a control frame');
      // §5.5.1: a close body is empty or starts with a 2-byte code. Fix: the first two bytes
      // decide this, so it fails here, not after waiting for the payload byte (a stream cut
      // after the header failed with ws and waited with wirekit).
      if (opcode === Opcode.CLOSE && len === 1)
        return this.#headerError(CloseCode.PROTOCOL_ERROR, 'close frame with a 1-byte payload');
    } else if (opcode === Opcode.CONTINUATION) {
      // §5.4: a continuation frame only continues a started fragmented message.
      if (this.#msgOpcode === 0)
        return this.#headerError(
          CloseCode.PROTOCOL_ERROR,
          'continuation frame without a message to continue',
        );
      // RFC 7692 §6.1: RSV1 only on the first frame of a message.
      if (rsv1)
        return this.#headerError(CloseCode.PROTOCOL_ERROR, 'RSV1 set on a continuation frame');
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      // §5.4: fragments of one message MUST NOT interleave with another data message.
      if (this.#msgOpcode !== 0)
        return this.#headerError(
          CloseCode.PROTOCOL_ERROR,
          'new data frame inside a fragmented message',
        );
    } else {
      return this.#headerError(CloseCode.PROTOCOL_ERROR, `reserved opcode ${opcode}`);
    }
    // §5.1: a server MUST close on an unmasked frame; a client on a masked one.
    if (masked !== this.#server) {
      return this.#headerError(
        CloseCode.PROTOCOL_ERROR,
        this.#server ? 'unmasked frame from a client' : 'masked frame from a server',
      );
    }

    let size = 2;
    if (len === 126) {
      if (avail < 4) return 0;
      len = (buf[pos + 2]! << 8) | buf[pos + 3]!;
      size = 4;
      // §5.2: "the minimal number of bytes MUST be used to encode the length".
      if (len < 126)
        return this.#headerError(CloseCode.PROTOCOL_ERROR, 'payload length not minimally encoded');
    } else if (len === 127) {
      if (avail < 10) return 0;
      const high =
        ((buf[pos + 2]! << 24) | (buf[pos + 3]! << 16) | (buf[pos + 4]! << 8) | buf[pos + 5]!) >>>
        0;
      const low =
        ((buf[pos + 6]! << 24) | (buf[pos + 7]! << 16) | (buf[pos + 8]! << 8) | buf[pos + 9]!) >>>
        0;
      size = 10;
      // §5.2: the most significant bit of a 64-bit length MUST be 0.
      if (high >= 0x8000_0000)
        return this.#headerError(
          CloseCode.PROTOCOL_ERROR,
          '64-bit payload length with the high bit set',
        );
      if (high === 0 && low < 0x1_0000)
        return this.#headerError(CloseCode.PROTOCOL_ERROR, 'payload length not minimally encoded');
      // Beyond 2^53 a length is not exact in a double; it is over any limit anyway.
      len = high > 0x1f_ffff ? Number.MAX_SAFE_INTEGER : high * 0x1_0000_0000 + low;
    }
    // Data frames only: control frames are at most 125 bytes anyway (§5.5), and a close frame
    // with a long reason refused with 1009 would break the closing handshake. Fix: checked
    // before waiting for the masking key, which does not change the verdict (a stream cut
    // inside the key waited here and failed with ws).
    if (opcode < Opcode.CLOSE) {
      if (len > this.#maxFrame)
        return this.#headerError(
          CloseCode.MESSAGE_TOO_BIG,
          `frame of ${len} bytes is over the ${this.#maxFrame}-byte limit`,
        );
      // Counted before anything is allocated for the payload.
      const before = opcode === Opcode.CONTINUATION ? this.#msgLen : 0;
      if (before + len > this.#maxMessage) {
        return this.#headerError(
          CloseCode.MESSAGE_TOO_BIG,
          `message over the ${this.#maxMessage}-byte limit`,
        );
      }
    }
    if (masked) {
      if (avail < size + 4) return 0;
      this.#key =
        (buf[pos + size]! << 24) |
        (buf[pos + size + 1]! << 16) |
        (buf[pos + size + 2]! << 8) |
        buf[pos + size + 3]!;
      size += 4;
    }
    if (opcode < Opcode.CLOSE) {
      if (opcode !== Opcode.CONTINUATION) {
        this.#msgOpcode = opcode;
        this.#msgCompressed = rsv1;
        this.#msgLen = 0;
      }
      this.#msgLen += len;
    }
    this.#fin = fin;
    this.#opcode = opcode;
    this.#masked = masked;
    this.#frameLen = len;
    this.#frameDone = 0;
    this.#state = PAYLOAD;
    return size;
  }

  /** Read the payload of a data frame. Returns a ReadKind, or -1 to keep parsing. */
  #readData(): number {
    const remaining = this.#frameLen - this.#frameDone;
    // Fast path: a whole single-frame message inside the current chunk becomes a view.
    if (
      this.#fin &&
      this.#opcode !== Opcode.CONTINUATION &&
      this.#frameDone === 0 &&
      this.#end - this.#pos >= remaining
    ) {
      const start = this.#pos;
      const end = start + remaining;
      const chunk = this.#chunk;
      this.#pos = end;
      if (this.#masked) this.#platform.mask(chunk, start, end, this.#key, 0);
      const payload = chunk.subarray(start, end);
      return this.#finishMessage(
        payload,
        this.#opcode === Opcode.TEXT && !this.#msgCompressed && !this.#platform.isUtf8(payload),
      );
    }
    // Slab path: copy what is here, unmask and validate it, and wait for the rest.
    for (;;) {
      const left = this.#frameLen - this.#frameDone;
      const avail = this.#end - this.#pos;
      if (left > 0 && avail === 0) {
        if (!this.#nextChunk()) return ReadKind.NEED_DATA;
        continue;
      }
      const n = Math.min(left, avail);
      if (n > 0) {
        const slab = this.#ensureSlab(n, left);
        const at = this.#slabLen;
        slab.set(this.#chunk.subarray(this.#pos, this.#pos + n), at);
        if (this.#masked) this.#platform.mask(slab, at, at + n, this.#key, this.#frameDone & 3);
        this.#pos += n;
        this.#frameDone += n;
        this.#slabLen = at + n;
        // §8.1: invalid UTF-8 fails the connection as soon as it is seen.
        if (this.#msgOpcode === Opcode.TEXT && !this.#msgCompressed) {
          this.#utf8 ??= new Utf8Validator(this.#platform.isUtf8);
          const utf8 = this.#utf8;
          if (!utf8.push(slab, at, at + n)) {
            utf8.reset();
            return this.#fail(CloseCode.INVALID_PAYLOAD, 'invalid UTF-8 in text message');
          }
        }
      }
      if (this.#frameDone < this.#frameLen) continue;
      this.#state = HEADER;
      if (!this.#fin) return -1;
      const slab = this.#slab;
      const payload = slab === undefined ? EMPTY : slab.subarray(0, this.#slabLen);
      if (!this.#reuse) this.#slab = undefined;
      this.#slabLen = 0;
      // A text message whose bytes never reached the slab path has no validator, and nothing
      // left unfinished.
      const badText =
        this.#msgOpcode === Opcode.TEXT &&
        !this.#msgCompressed &&
        this.#utf8 !== undefined &&
        !this.#utf8.finish();
      return this.#finishMessage(payload, badText);
    }
  }

  #finishMessage(payload: Uint8Array, badText: boolean): number {
    this.#state = HEADER;
    const kind = this.#msgOpcode;
    this.#msgOpcode = 0;
    this.#msgLen = 0;
    if (badText) return this.#fail(CloseCode.INVALID_PAYLOAD, 'invalid UTF-8 in text message');
    this.payload = payload;
    this.compressed = this.#msgCompressed;
    return kind;
  }

  /**
   * Let go of a reused slab (`reuseBuffers`) while no message is being assembled in it: an
   * adapter calls this for quiet connections, so a connection that once received a large
   * message does not keep its slab while idle.
   */
  trim(): void {
    if (this.#slabLen === 0) this.#slab = undefined;
  }

  /** Room for `n` more bytes in the message slab; grows as bytes arrive, not as announced. */
  #ensureSlab(n: number, frameLeft: number): Uint8Array {
    const slab = this.#slab;
    const need = this.#slabLen + n;
    if (slab !== undefined && slab.length >= need) return slab;
    const current = slab === undefined ? 0 : slab.length;
    // The final size is known when this frame ends the message.
    // A reused slab (reuseBuffers) is not cut to the exact size of this message, or every
    // slightly larger later message would allocate again.
    const ceiling = this.#fin && !this.#reuse ? this.#slabLen + frameLeft : this.#maxMessage;
    const size =
      this.#fin && !this.#reuse && ceiling <= EXACT_SLAB
        ? Math.max(need, ceiling)
        : Math.max(need, Math.min(ceiling, Math.max(current * 2, MIN_SLAB)));
    const grown = this.#platform.allocUnsafe(size);
    if (slab !== undefined && this.#slabLen > 0) grown.set(slab.subarray(0, this.#slabLen), 0);
    this.#slab = grown;
    return grown;
  }

  /** Read the payload of a control frame (at most 125 bytes). */
  #readControl(): number {
    let payload: Uint8Array;
    const len = this.#frameLen;
    if (this.#frameDone === 0 && this.#end - this.#pos >= len) {
      const start = this.#pos;
      this.#pos = start + len;
      if (this.#masked) this.#platform.mask(this.#chunk, start, start + len, this.#key, 0);
      payload = this.#chunk.subarray(start, start + len);
    } else {
      // Cut by a chunk boundary: gather into a fresh buffer, so the payload stays valid.
      if (this.#frameDone === 0) this.#control = new Uint8Array(len);
      for (;;) {
        const left = len - this.#frameDone;
        if (left === 0) break;
        const avail = this.#end - this.#pos;
        if (avail === 0) {
          if (!this.#nextChunk()) return ReadKind.NEED_DATA;
          continue;
        }
        const n = Math.min(left, avail);
        const at = this.#frameDone;
        this.#control.set(this.#chunk.subarray(this.#pos, this.#pos + n), at);
        if (this.#masked) this.#platform.mask(this.#control, at, at + n, this.#key, at & 3);
        this.#pos += n;
        this.#frameDone += n;
      }
      payload = this.#control;
      this.#control = EMPTY;
    }
    this.#state = HEADER;
    this.payload = payload;
    if (this.#opcode !== Opcode.CLOSE) return this.#opcode;
    return this.#readClosePayload(payload);
  }

  /** §5.5.1: an optional 2-byte code, then an optional UTF-8 reason. */
  #readClosePayload(payload: Uint8Array): number {
    if (payload.length === 0) {
      this.closeCode = CloseCode.NO_STATUS;
      this.closeReason = '';
    } else {
      // A 1-byte body was refused with the header.
      const code = (payload[0]! << 8) | payload[1]!;
      // §7.4: codes that are reserved or unassigned MUST NOT appear on the wire.
      if (!isValidCloseCode(code))
        return this.#fail(CloseCode.PROTOCOL_ERROR, `invalid close code ${code}`);
      const reason = payload.subarray(2);
      // §5.5.1: the close reason is UTF-8.
      if (!this.#platform.isUtf8(reason))
        return this.#fail(CloseCode.INVALID_PAYLOAD, 'invalid UTF-8 in close reason');
      this.closeCode = code;
      this.closeReason = reason.length === 0 ? '' : this.#platform.decodeUtf8(reason);
    }
    this.#state = DONE;
    this.#discardInput();
    return ReadKind.CLOSE;
  }

  /** The peer broke the protocol: record the close code and reason, discard all input. */
  #fail(code: number, reason: string): number {
    this.errorCode = code;
    this.errorReason = reason;
    this.#state = DONE;
    this.#discardInput();
    return ReadKind.ERROR;
  }

  #headerError(code: number, reason: string): number {
    this.#fail(code, reason);
    return -1;
  }

  #discardInput(): void {
    this.#chunk = EMPTY;
    this.#pos = 0;
    this.#end = 0;
    this.#queue = undefined;
    this.#scratchLen = 0;
    this.#slab = undefined;
    this.#slabLen = 0;
  }
}
