/**
 * One side of an open WebSocket connection, sans-IO (after wsproto's `Connection`): bytes in
 * through `receive`, events out through `poll`/`next`, frames out through `takeOutput`.
 *
 * Every state transition lives in this file:
 *
 * ```
 *   OPEN ──close()──────────────▶ CLOSING ──peer close──▶ CLOSED (initiator 'local', clean)
 *   OPEN ──peer close (echoed)──────────────────────────▶ CLOSED (initiator 'remote', clean)
 *   OPEN/CLOSING ──protocol error (close frame sent)────▶ CLOSED (initiator 'local', unclean)
 *   OPEN/CLOSING ──receiveEof()─────────────────────────▶ CLOSED (code 1006, unclean)
 * ```
 *
 * The connection answers pings (`autoPong`), echoes the peer's close frame (RFC 6455 §5.5.1)
 * and sends the close frame for a protocol error (§7.1.7) by itself; those frames join the
 * output queue, so an adapter only ever moves `takeOutput()` to its socket. After CLOSED the
 * adapter closes the transport: a server at once, a client after the server closes TCP or a
 * timeout (§7.1.1).
 *
 * Peer misbehaviour never throws; caller misuse throws a `WirekitError` with a stable code.
 *
 * @example
 * ```ts
 * const server = new WebSocketConnection({ role: 'server' });
 * server.receive(bytesFromSocket);
 * for (let event = server.next(); event !== null; event = server.next()) {
 *   if (event.type === 'text') server.sendText(event.data); // echo
 * }
 * socket.write(server.takeOutput());
 * ```
 */
import { isValidUtf8, Utf8Validator } from '../bytes/utf8.js';
import { ErrorCode, WirekitError } from '../errors.js';
import { type Platform, portablePlatform } from '../platform.js';
import { CloseCode, closeReasonBytes, isValidCloseCode, MAX_CLOSE_REASON } from './close-code.js';
import { DEFAULT_MAX_MESSAGE_SIZE, FrameReader, ReadKind, type Role } from './frame-reader.js';
import { FrameWriter } from './frame-writer.js';
import type { MaskKeyPool } from './mask-key-pool.js';
import { InflateFailure, type MessageCompression } from './message-codec.js';
import { Opcode } from './opcode.js';
import type { OutputPool } from './output-pool.js';
import type { PreparedMessage } from './prepared-message.js';
import { ReadyState } from './ready-state.js';
import { checkMessageData, controlPayload, MAX_CONTROL_PAYLOAD } from './send-arguments.js';
import type { CloseInitiator, WebSocketEvent } from './websocket-event.js';

/** Options for {@link WebSocketConnection}. */
export interface WebSocketConnectionOptions {
  /** `client` masks what it sends and rejects masked frames; `server` the reverse (§5.1). */
  readonly role: Role;
  /** Largest frame payload accepted (1009 beyond). Default: `maxMessageSize`. */
  readonly maxFrameSize?: number;
  /** Largest message accepted (1009 beyond). Default 16 MiB. */
  readonly maxMessageSize?: number;
  /** Answer each ping with a pong carrying its payload (§5.5.2). Default `true`. */
  readonly autoPong?: boolean;
  /** Reuse the receive slab: payloads are valid only until the next `poll()`. Default `false`. */
  readonly reuseBuffers?: boolean;
  /** Host services. Default: {@link portablePlatform}. */
  readonly platform?: Platform;
  /** Masking keys for a client (tests, or a pool shared by many connections). */
  readonly maskKeys?: MaskKeyPool;
  /** permessage-deflate codecs, when it was negotiated (RFC 7692). RSV1 is then allowed on
   * the first frame of a data message; without it RSV1 closes with 1002. */
  readonly compression?: MessageCompression;
  /** Output buffers shared with other connections: taken when frames are queued, given back
   * by {@link WebSocketConnection.releaseOutput} and `trimOutput` once all output was taken
   * and consumed. Without it each connection keeps its own output buffer. */
  readonly outputPool?: OutputPool;
}

const EMPTY = new Uint8Array(0);
/** Smallest output allocation; small enough for Node's pooled `Buffer.allocUnsafe`. */
const MIN_OUTPUT = 2048;
/** Largest buffer the output grows to by doubling; larger frames get buffers of their size. */
const MAX_OUTPUT = 64 * 1024;
const encoder = new TextEncoder();
/**
 * Shared scratch for a string's bytes before compression; kept only up to this size (one per
 * process): 3 bytes per UTF-16 unit of the default 256 KiB `maxCompressedSize`, so compressed
 * strings up to that size allocate nothing per send.
 */
const MAX_TEXT_SCRATCH = 1024 * 1024;
let textScratch: Uint8Array = EMPTY;
/** One ASCII byte: what a non-empty string fragment looks like to the UTF-8 validator. */
const ASCII_STAND_IN = new Uint8Array([0x61]);

/** A sans-IO WebSocket endpoint in the OPEN, CLOSING or CLOSED state. */
export class WebSocketConnection {
  /** After `poll()` returned a message or control kind: its payload. */
  payload: Uint8Array = EMPTY;
  /** After CLOSE: the close code (see {@link ConnectionClosedEvent}). */
  closeCode = 0;
  /** After CLOSE: the close reason. */
  closeReason = '';
  /** After CLOSE: was the close handshake completed? */
  wasClean = false;
  /** After CLOSE: who started closing. */
  initiator: CloseInitiator = 'remote';

  readonly #reader: FrameReader;
  readonly #writer: FrameWriter;
  readonly #platform: Platform;
  readonly #autoPong: boolean;
  readonly #compression: MessageCompression | undefined;
  readonly #maxMessageSize: number;
  readonly #pool: OutputPool | undefined;
  #state: ReadyState = ReadyState.OPEN;
  #eof = false;
  #discard = false;
  /** Opcode of an unfinished fragmented message being sent (0: none). */
  #sendOpcode = 0;
  #sendUtf8: Utf8Validator | undefined;
  // Output: frames are appended at #outLen; [#outStart, #outLen) is not taken yet. Taken bytes
  // stay where they are (the caller may still be writing them) and later output goes after
  // them, so a buffer serves many flushes before a new one is needed.
  #out: Uint8Array = EMPTY;
  #outStart = 0;
  #outLen = 0;
  /** Prepared frames waiting for an unfinished fragmented message to end (see sendFrame). */
  #held: Uint8Array[] | undefined;
  /** Prepared frames queued by reference after everything in #out (see sendFrame), and their
   * total size; copied into #out when the output is taken or another frame is queued. */
  #frames: Uint8Array[] | undefined;
  #frameCount = 0;
  #framesLength = 0;

  /**
   * A connection in the OPEN state (the handshake is done elsewhere) for `options.role`, with the
   * limits and extensions of `options`.
   */
  constructor(options: WebSocketConnectionOptions) {
    const platform = options.platform ?? portablePlatform;
    this.#platform = platform;
    this.#autoPong = options.autoPong ?? true;
    this.#compression = options.compression;
    this.#maxMessageSize = options.maxMessageSize ?? DEFAULT_MAX_MESSAGE_SIZE;
    this.#pool = options.outputPool;
    this.#reader = new FrameReader({
      role: options.role,
      platform,
      ...(options.maxFrameSize === undefined ? {} : { maxFrameSize: options.maxFrameSize }),
      ...(options.maxMessageSize === undefined ? {} : { maxMessageSize: options.maxMessageSize }),
      ...(options.reuseBuffers === undefined ? {} : { reuseBuffers: options.reuseBuffers }),
      allowCompressed: options.compression !== undefined,
    });
    this.#writer = new FrameWriter({
      role: options.role,
      platform,
      ...(options.maskKeys === undefined ? {} : { maskKeys: options.maskKeys }),
    });
  }

  /** OPEN, CLOSING (close sent, waiting for the peer's) or CLOSED. */
  get readyState(): ReadyState {
    return this.#state;
  }

  /** Bytes queued by sends and not yet taken with {@link takeOutput}. */
  get outputLength(): number {
    return this.#outLen - this.#outStart + this.#framesLength;
  }

  /** Bytes received and not parsed yet. */
  get receivedLength(): number {
    return this.#reader.bufferedAmount;
  }

  // ---------------------------------------------------------------------------------------
  // Input

  /**
   * Feed bytes from the transport: `bytes[0..end)`, all of them by default (a transport reading
   * into a reused buffer passes the length read). Ignored once CLOSED. May unmask `bytes` in
   * place.
   */
  receive(bytes: Uint8Array, end: number = bytes.length): void {
    if (this.#state !== ReadyState.CLOSED) this.#reader.receive(bytes, end);
  }

  /**
   * The transport has no more bytes. Messages already received are still delivered, then a
   * CLOSE with code 1006 unless the close handshake had completed. With `discardBuffered`
   * (the transport was torn down on purpose) buffered bytes are dropped and the CLOSE comes
   * at once.
   */
  receiveEof(discardBuffered = false): void {
    this.#eof = true;
    if (discardBuffered) this.#discard = true;
  }

  /**
   * The low-level pull: parse until something happens. Returns a {@link ReadKind}; the payload
   * or close details are on this object until the next call. Never throws for peer input.
   */
  poll(): ReadKind {
    if (this.#state === ReadyState.CLOSED) return ReadKind.NEED_DATA;
    // Nothing of the last payload is kept past this call (see FrameReader.poll).
    this.payload = EMPTY;
    const reader = this.#reader;
    const kind = this.#discard ? ReadKind.NEED_DATA : reader.poll();
    switch (kind) {
      case ReadKind.TEXT:
      case ReadKind.BINARY:
        if (reader.compressed) return this.#inflate(kind, reader.payload);
        this.payload = reader.payload;
        return kind;
      case ReadKind.PONG:
        this.payload = reader.payload;
        return kind;
      case ReadKind.PING:
        this.payload = reader.payload;
        // §5.5.2: a pong answers a ping with the same application data.
        // A pong is owed until the peer's close frame arrives, so also in CLOSING, after our
        // own close frame (§5.5.1 forbids only data frames after it). poll() returns early
        // once CLOSED, so every ping that reaches here is answered.
        if (this.#autoPong) this.#writeControl(Opcode.PONG, reader.payload);
        return kind;
      case ReadKind.CLOSE:
        this.payload = reader.payload;
        this.closeCode = reader.closeCode;
        this.closeReason = reader.closeReason;
        this.wasClean = true;
        if (this.#state === ReadyState.OPEN) {
          // §5.5.1: answer a close with a close, "typically echoing the status code it
          // received"; the reason goes back too (as ws does), so the peer's logs match ours.
          // The body was checked by the reader (a code that may be sent, a UTF-8 reason, at
          // most 125 bytes), and an empty one is echoed empty (no code: 1005 is never sent).
          this.initiator = 'remote';
          this.#writeControl(Opcode.CLOSE, reader.payload);
        } else {
          this.initiator = 'local';
        }
        this.#state = ReadyState.CLOSED;
        return kind;
      case ReadKind.ERROR:
        return this.#failConnection(reader.errorCode, reader.errorReason);
      case ReadKind.NEED_DATA:
        if (!this.#eof) return kind;
        // §7.1.5: the transport closed without a close frame: code 1006.
        this.payload = EMPTY;
        this.closeCode = CloseCode.ABNORMAL;
        this.closeReason = '';
        this.wasClean = false;
        this.initiator = this.#state === ReadyState.CLOSING ? 'local' : 'remote';
        this.#state = ReadyState.CLOSED;
        return ReadKind.CLOSE;
    }
  }

  /** §7.1.7 Fail the WebSocket Connection: send a close frame with `code` (unless one was
   * sent), move to CLOSED and report it. */
  #failConnection(code: number, reason: string): ReadKind {
    this.payload = EMPTY;
    this.closeCode = code;
    this.closeReason = reason;
    this.wasClean = false;
    if (this.#state === ReadyState.OPEN) this.#writeClose(code, truncateReason(reason));
    this.initiator = 'local';
    this.#state = ReadyState.CLOSED;
    return ReadKind.CLOSE;
  }

  /** RFC 7692 §7.2.2: decompress a message that arrived with RSV1, within the message limit. */
  #inflate(kind: ReadKind, compressed: Uint8Array): ReadKind {
    const result = this.#compression!.inflater.inflate(compressed, this.#maxMessageSize);
    if (result === InflateFailure.TOO_BIG) {
      return this.#failConnection(
        CloseCode.MESSAGE_TOO_BIG,
        `decompressed message over the ${this.#maxMessageSize}-byte limit`,
      );
    }
    if (result === InflateFailure.INVALID)
      return this.#failConnection(CloseCode.INVALID_PAYLOAD, 'invalid compressed data');
    // §8.1 applies to the decompressed text.
    if (kind === ReadKind.TEXT && !this.#platform.isUtf8(result)) {
      return this.#failConnection(CloseCode.INVALID_PAYLOAD, 'invalid UTF-8 in text message');
    }
    this.payload = result;
    return kind;
  }

  /** The ergonomic pull: the next event as an object, or `null` when more bytes are needed
   * (or the connection is closed and its close event was delivered). */
  next(): WebSocketEvent | null {
    const kind = this.poll();
    switch (kind) {
      case ReadKind.NEED_DATA:
      case ReadKind.ERROR:
        return null;
      case ReadKind.TEXT:
        return { type: 'text', data: this.payload };
      case ReadKind.BINARY:
        return { type: 'binary', data: this.payload };
      case ReadKind.PING:
        return { type: 'ping', data: this.payload };
      case ReadKind.PONG:
        return { type: 'pong', data: this.payload };
      case ReadKind.CLOSE:
        return {
          type: 'close',
          code: this.closeCode,
          reason: this.closeReason,
          wasClean: this.wasClean,
          initiator: this.initiator,
        };
    }
  }

  // ---------------------------------------------------------------------------------------
  // Output

  /**
   * Send text. A `Uint8Array` must be UTF-8 (checked, §5.6). With `fin: false` the message
   * continues with further `sendText` calls (continuation frames, §5.4) until one with
   * `fin: true`; pings, pongs and close may be sent in between. `utf8Checked`: the caller
   * vouches that the bytes are UTF-8 (a received text message, validated on receipt and sent
   * back unchanged), so a whole message is not validated twice; a fragment still goes through
   * the validator.
   */
  sendText(text: string | Uint8Array, fin = true, utf8Checked = false): void {
    checkMessageData(text);
    this.#checkOpen();
    this.#checkFragmentOrder(Opcode.TEXT);
    if (typeof text !== 'string') {
      if (!utf8Checked || this.#sendOpcode !== 0 || !fin) this.#checkUtf8(text, fin);
    } else if (this.#sendUtf8 !== undefined && (this.#sendOpcode !== 0 || !fin)) {
      // §5.6: a string fragment inside a fragmented text message goes through the validator
      // too, or a code point left unfinished by an earlier byte fragment would be sent cut
      // (invalid UTF-8 on the wire) and the validator would carry that state into the next
      // message. A string encodes to whole code points starting with a non-continuation byte,
      // so one ASCII byte (none for '') stands in for it exactly.
      this.#checkUtf8(text.length === 0 ? EMPTY : ASCII_STAND_IN, fin);
    }
    this.#sendData(Opcode.TEXT, text, fin);
  }

  /** Send binary data; `fin: false` fragments as with {@link sendText}. Strings are sent as
   * their UTF-8 bytes. */
  sendBinary(data: Uint8Array | string, fin = true): void {
    checkMessageData(data);
    this.#checkOpen();
    this.#checkFragmentOrder(Opcode.BINARY);
    this.#sendData(Opcode.BINARY, data, fin);
  }

  /**
   * Send whole messages already framed by the caller (a `PreparedMessage` frame, or a batch of
   * frames, shared by many connections): the bytes go out as they are. Server role only: a
   * client masks every frame with a fresh key (RFC 6455 §5.3), so a frame cannot be prepared for
   * it. The bytes must be whole unmasked data frames with FIN set (and RSV1 only when
   * permessage-deflate was negotiated with a compressor that keeps no context, RFC 7692 §6);
   * that is the caller's promise, not checked here. While a fragmented message is being sent,
   * the frame waits until its last fragment: §5.4 forbids interleaving the frames of two
   * messages. The connection keeps a reference to `frame`, and {@link takeOutput} may return
   * `frame` itself when nothing else is queued: do not change its bytes until the transport has
   * written what it took. Throws `ERR_WS_SEND_AFTER_CLOSE` unless OPEN.
   */
  sendFrame(frame: Uint8Array): void {
    this.#checkPreparedSend();
    if (this.#sendOpcode !== 0) {
      this.#held ??= [];
      this.#held.push(frame.slice());
      return;
    }
    this.#queueFrame(frame);
  }

  /**
   * Keep `frame` by reference until the output is taken: alone it is handed out as it is (a
   * pub/sub batch written without a copy); behind other output it is copied after it then, so a
   * server publishing to many connections fills one (pooled, cache-warm) buffer per connection
   * just before its write, instead of one buffer per connection all at once. The caller checked the state and
   * that no fragmented message is unfinished.
   */
  #queueFrame(frame: Uint8Array): void {
    let frames = this.#frames;
    if (frames === undefined) {
      frames = [];
      this.#frames = frames;
    }
    // Slots are reused (the array keeps its capacity between ticks); #copyFrames clears them.
    frames[this.#frameCount++] = frame;
    this.#framesLength += frame.length;
  }

  /** Copy the frames queued by reference into the output, after what is there. */
  #copyFrames(): void {
    const frames = this.#frames!;
    const count = this.#frameCount;
    const total = this.#framesLength;
    this.#framesLength = 0;
    this.#frameCount = 0;
    const out = this.#reserve(total);
    let at = this.#outLen;
    for (let i = 0; i < count; i++) {
      const frame = frames[i]!;
      out.set(frame, at);
      at += frame.length;
      frames[i] = EMPTY;
    }
    this.#outLen = at;
    // A burst's worth of slots is not kept.
    if (count > 1024) frames.length = 0;
  }

  /**
   * Send a message prepared for many connections (pub/sub): its shared frame, or with
   * permessage-deflate its shared compressed frame when this connection's compressor keeps no
   * context (`sharedKey`), or compressed by this connection's own compressor when it does
   * (its window is its own, RFC 7692 §7.2.1). The same size limits as for {@link sendText}
   * decide whether it is compressed. Server role and OPEN only, as {@link sendFrame}.
   */
  sendPrepared(message: PreparedMessage): void {
    this.#checkPreparedSend();
    const compression = this.#compression;
    if (compression === undefined) {
      this.#queueFrame(message.frame());
      return;
    }
    const payload = message.payload;
    if (
      this.#sendOpcode !== 0 ||
      payload.length < compression.threshold ||
      payload.length > compression.maxCompressedSize
    ) {
      this.sendFrame(message.frame());
    } else if (compression.sharedKey !== undefined) {
      this.#queueFrame(message.compressedFrame(compression.sharedKey, compression.deflater));
    } else {
      const compressed = compression.deflater.compress(payload);
      const out = this.#reserve(this.#writer.maxFrameSize(compressed));
      const opcode = message.isBinary ? Opcode.BINARY : Opcode.TEXT;
      this.#outLen += this.#writer.writeFrame(out, this.#outLen, opcode, compressed, true, true);
    }
  }

  /** Send a ping with up to 125 bytes of data. Allowed while CLOSING: only data frames are
   * forbidden after a close frame (§5.5.1). */
  ping(data: Uint8Array | string = EMPTY): void {
    const payload = controlPayload(data);
    if (this.#state === ReadyState.CLOSED) this.#checkOpen();
    this.#writeControl(Opcode.PING, payload);
  }

  /** Send a pong (a ping's answer when `autoPong` is off, or a heartbeat, §5.5.3) with up to
   * 125 bytes of data. Allowed while CLOSING: pings must be answered until the peer's close. */
  pong(data: Uint8Array | string = EMPTY): void {
    // §5.5.2: with `autoPong: false` the caller must still be able to answer a ping received
    // after its own close frame; only CLOSED (peer's close received) refuses.
    const payload = controlPayload(data);
    if (this.#state === ReadyState.CLOSED) this.#checkOpen();
    this.#writeControl(Opcode.PONG, payload);
  }

  /**
   * Start the closing handshake (§7.1.2): send a close frame and move to CLOSING. Without a
   * code the frame has no body (the peer sees 1005). Does nothing if already closing or closed.
   * Throws `ERR_WS_INVALID_CLOSE_CODE` for a code that may not be sent (§7.4) and
   * `ERR_WS_CONTROL_TOO_LARGE` for a reason over 123 bytes.
   */
  close(code?: number, reason = ''): void {
    if (this.#state !== ReadyState.OPEN) return;
    const reasonBytes = closeReasonBytes(code, reason);
    this.#writeClose(code, reasonBytes);
    this.#state = ReadyState.CLOSING;
  }

  /**
   * Fail the connection from this side (§7.1.7) for a reason of the caller's (heartbeat
   * missed, backpressure limit, shutdown): queue a close frame with `code` if none was sent
   * yet and move straight to CLOSED, without waiting for the peer. Returns `false` if the
   * connection was already CLOSED. The close details then read `code`, `reason`,
   * `wasClean: false`, `initiator: 'local'`.
   */
  abort(code: number, reason = ''): boolean {
    if (this.#state === ReadyState.CLOSED) return false;
    if (!isValidCloseCode(code)) {
      throw new WirekitError(
        ErrorCode.WS_INVALID_CLOSE_CODE,
        `close code ${code} may not be sent (RFC 6455 §7.4)`,
      );
    }
    if (this.#state === ReadyState.OPEN) this.#writeClose(code, truncateReason(reason));
    this.payload = EMPTY;
    this.closeCode = code;
    this.closeReason = reason;
    this.wasClean = false;
    this.initiator = 'local';
    this.#state = ReadyState.CLOSED;
    return true;
  }

  /**
   * Everything queued for the transport, as one contiguous view. The connection lets go of it:
   * the caller may hold the bytes until they are written. Empty when nothing is queued.
   */
  takeOutput(): Uint8Array {
    if (this.#framesLength !== 0) {
      // Shared frames alone (a pub/sub batch) are handed out as they are: they are never
      // written again, so the transport may write them without a copy.
      if (this.#frameCount === 1 && this.#outLen === this.#outStart) {
        const frames = this.#frames!;
        const only = frames[0]!;
        frames[0] = EMPTY;
        this.#frameCount = 0;
        this.#framesLength = 0;
        return only;
      }
      this.#copyFrames();
    }
    const start = this.#outStart;
    if (this.#outLen === start) return EMPTY;
    const out = this.#out.subarray(start, this.#outLen);
    this.#outStart = this.#outLen;
    return out;
  }

  /**
   * Tell the connection that every byte taken with {@link takeOutput} was consumed (the
   * transport copied or wrote it), so the output buffer can be reused from its start.
   * Optional: without it the buffer is filled to its end before a new one is allocated.
   */
  releaseOutput(): void {
    if (this.#outStart === this.#outLen) {
      this.#outStart = 0;
      this.#outLen = 0;
      const pool = this.#pool;
      if (pool !== undefined && this.#out !== EMPTY) {
        pool.give(this.#out);
        this.#out = EMPTY;
      }
    }
  }

  /**
   * Let go of the reused receive slab (`reuseBuffers`) when no message is half-received, so a
   * connection that once received a large message does not keep its slab while quiet. An
   * adapter calls it now and then (Node: on the heartbeat tick).
   */
  trimInput(): void {
    this.#reader.trim();
  }

  /**
   * Drop the output buffer if nothing is queued, so an idle connection holds no output memory.
   * An adapter calls it for connections that have been quiet for a while.
   */
  trimOutput(): void {
    if (this.#outStart === this.#outLen && this.#framesLength === 0) {
      // A pooled buffer is not given back here: the caller does not say the transport is done
      // with the bytes taken from it.
      this.#out = EMPTY;
      this.#outStart = 0;
      this.#outLen = 0;
    }
  }

  #checkOpen(): void {
    if (this.#state !== ReadyState.OPEN) {
      throw new WirekitError(
        ErrorCode.WS_SEND_AFTER_CLOSE,
        `cannot send: the connection is ${this.#state === ReadyState.CLOSING ? 'closing' : 'closed'}`,
      );
    }
  }

  #checkPreparedSend(): void {
    this.#checkOpen();
    if (this.#writer.masked) {
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        'a client cannot send a prepared frame: each of its frames needs a fresh masking key (RFC 6455 §5.3)',
      );
    }
  }

  #checkFragmentOrder(opcode: number): void {
    if (this.#sendOpcode !== 0 && this.#sendOpcode !== opcode) {
      throw new WirekitError(
        ErrorCode.WS_FRAGMENT_ORDER,
        `a fragmented ${this.#sendOpcode === Opcode.TEXT ? 'text' : 'binary'} message is unfinished (RFC 6455 §5.4)`,
      );
    }
  }

  #checkUtf8(bytes: Uint8Array, fin: boolean): void {
    let ok: boolean;
    if (this.#sendOpcode === 0 && fin) {
      ok = this.#platform.isUtf8(bytes);
    } else {
      this.#sendUtf8 ??= new Utf8Validator(this.#platform.isUtf8);
      // A rejected fragment changes nothing: the message can go on with a corrected one.
      ok = isValidUtf8Fragment(this.#sendUtf8, bytes, fin);
    }
    if (!ok)
      throw new WirekitError(
        ErrorCode.WS_INVALID_UTF8,
        'text to send is not valid UTF-8 (RFC 6455 §5.6)',
      );
  }

  #sendData(opcode: number, data: Uint8Array | string, fin: boolean): void {
    const compression = this.#compression;
    // RFC 7692 §6: a whole message may be compressed (RSV1 on its only frame). Fragmented
    // sends and messages outside [threshold, maxCompressedSize] go out as they are; the choice
    // is made before compressing, so what the peer's window sees is exactly what was sent.
    // Fix: both limits count bytes, so a string is measured by its UTF-8 size, not by its
    // UTF-16 length (up to 3 times smaller: 400 × '€' is 1,200 bytes). A string that cannot
    // reach the threshold even at 3 bytes per unit, or is over the limit at 1, is not encoded.
    if (
      compression !== undefined &&
      fin &&
      this.#sendOpcode === 0 &&
      (typeof data === 'string' ? data.length * 3 : data.length) >= compression.threshold &&
      data.length <= compression.maxCompressedSize
    ) {
      const bytes = typeof data === 'string' ? this.#utf8Bytes(data) : data;
      if (bytes.length >= compression.threshold && bytes.length <= compression.maxCompressedSize) {
        const compressed = compression.deflater.compress(bytes);
        const out = this.#reserve(this.#writer.maxFrameSize(compressed));
        this.#outLen += this.#writer.writeFrame(out, this.#outLen, opcode, compressed, true, true);
        return;
      }
      data = bytes;
    }
    const frameOpcode = this.#sendOpcode === 0 ? opcode : Opcode.CONTINUATION;
    const room = this.#writer.maxFrameSize(data);
    const out = this.#reserve(room);
    this.#outLen += this.#writer.writeFrame(out, this.#outLen, frameOpcode, data, fin);
    this.#sendOpcode = fin ? 0 : opcode;
    if (fin && this.#held !== undefined) this.#sendHeld();
  }

  /** The fragmented message has ended: the prepared frames held back follow it in order. */
  #sendHeld(): void {
    const held = this.#held!;
    this.#held = undefined;
    for (const frame of held) this.sendFrame(frame);
  }

  #writeControl(opcode: number, payload: Uint8Array): void {
    if (payload.length > MAX_CONTROL_PAYLOAD) {
      throw new WirekitError(
        ErrorCode.WS_CONTROL_TOO_LARGE,
        `control frame payload is ${payload.length} bytes; at most ${MAX_CONTROL_PAYLOAD} (RFC 6455 §5.5)`,
      );
    }
    const out = this.#reserve(this.#writer.maxFrameSize(payload));
    this.#outLen += this.#writer.writeFrame(out, this.#outLen, opcode, payload, true);
  }

  /** §5.5.1: the close body is a 2-byte code then the UTF-8 reason; no code, no body. */
  #writeClose(code: number | undefined, reasonBytes: Uint8Array): void {
    if (code === undefined) {
      this.#writeControl(Opcode.CLOSE, EMPTY);
      return;
    }
    const body = new Uint8Array(2 + reasonBytes.length);
    body[0] = code >>> 8;
    body[1] = code & 0xff;
    body.set(reasonBytes, 2);
    this.#writeControl(Opcode.CLOSE, body);
  }

  /** A string's UTF-8 bytes, encoded into scratch memory valid until the next call. */
  #utf8Bytes(text: string): Uint8Array {
    const need = text.length * 3;
    // One scratch for every connection (sends are synchronous); a large one is not kept.
    let scratch = textScratch;
    if (scratch.length < need) {
      scratch = this.#platform.allocUnsafe(Math.max(need, 1024));
      if (need <= MAX_TEXT_SCRATCH) textScratch = scratch;
    }
    const length = this.#platform.encodeUtf8Into(text, scratch, 0);
    return scratch.subarray(0, length);
  }

  /** Room for `n` more output bytes; returns the output buffer. */
  #reserve(n: number): Uint8Array {
    // Frames queued by reference go first: the output keeps the order of the sends.
    if (this.#framesLength !== 0) this.#copyFrames();
    if (this.#outLen + n <= this.#out.length) return this.#out;
    // Full: start a new buffer (the old one may still be being written by the caller), twice
    // the size up to MAX_OUTPUT so a busy connection makes few allocations, with the bytes not
    // taken yet moved over.
    const pending = this.#outLen - this.#outStart;
    const pool = this.#pool;
    let grown: Uint8Array;
    if (pool !== undefined) grown = pool.take(pending + n);
    else {
      const size = Math.max(pending + n, Math.min(this.#out.length * 2, MAX_OUTPUT), MIN_OUTPUT);
      grown = this.#platform.allocUnsafe(size);
    }
    if (pending > 0) grown.set(this.#out.subarray(this.#outStart, this.#outLen), 0);
    this.#out = grown;
    this.#outStart = 0;
    this.#outLen = pending;
    return grown;
  }
}

/** Validate a fragment of outbound text, advancing `validator` only if it is valid. */
function isValidUtf8Fragment(validator: Utf8Validator, bytes: Uint8Array, fin: boolean): boolean {
  const before = validator.save();
  if (validator.push(bytes, 0, bytes.length) && (!fin || validator.finish())) return true;
  validator.restore(before);
  return false;
}

/** Cut an ASCII error reason to what fits in a close frame. */
function truncateReason(reason: string): Uint8Array {
  const bytes = encoder.encode(reason);
  if (bytes.length <= MAX_CLOSE_REASON) return bytes;
  let end = MAX_CLOSE_REASON;
  // Do not cut a UTF-8 sequence in half.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  const cut = bytes.subarray(0, end);
  return isValidUtf8(cut) ? cut : EMPTY;
}
