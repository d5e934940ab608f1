/**
 * A message framed once for many recipients (pub/sub): the frame bytes are built on first use
 * and every recipient's connection queues the same bytes with `WebSocketConnection.sendFrame`.
 *
 * Frames are a server's (unmasked, RFC 6455 §5.1: a server never masks, so one frame is valid
 * for every client; a client masks each frame with a fresh key, §5.3, so client frames cannot
 * be shared). With permessage-deflate, a recipient whose server-to-client direction has no
 * context takeover (RFC 7692 §7.1.1.1) decompresses each message on its own, so the message is
 * compressed once per compressor setup (`key`: window bits and zlib settings) and shared too;
 * a recipient with context takeover has its own window and compresses for itself.
 *
 * One object is reused for message after message ({@link prepare}); each message's frames
 * are new memory that is never written again, since recipients keep a reference to them until
 * their transport has written them (`WebSocketConnection.sendFrame`).
 *
 * @example
 * ```ts
 * const message = new PreparedMessage();
 * message.prepare('hello', false);
 * for (const connection of subscribers) connection.sendFrame(message.frame());
 * ```
 */
import { ErrorCode, WirekitError } from '../errors.js';
import { type Platform, portablePlatform } from '../platform.js';
import { FrameWriter } from './frame-writer.js';
import type { MessageDeflater } from './message-codec.js';
import { Opcode } from './opcode.js';

const EMPTY = new Uint8Array(0);
/** The text scratch is kept between messages up to this size; a larger one is dropped after use. */
const KEEP = 256 * 1024;

/** One compressed frame, for the recipients whose compressor setup is `key`. */
interface CompressedFrame {
  readonly key: string;
  /** The current message's frame, or undefined until built. */
  frame: Uint8Array | undefined;
}

/** Encodes one message into frames, once each. */
export class PreparedMessage {
  /** Uncompressed frames built since this object was made (a count for tests and stats). */
  framesEncoded = 0;
  /** Compressed frames built since this object was made. */
  framesCompressed = 0;

  readonly #platform: Platform;
  readonly #writer: FrameWriter;
  #opcode: number = Opcode.BINARY;
  #payload: Uint8Array = EMPTY;
  /** Scratch for a string's UTF-8 bytes. */
  #text: Uint8Array = EMPTY;
  /** The current message's frame, built on first use: every recipient gets this one object,
   * so delivering allocates nothing. */
  #frame: Uint8Array | undefined;
  readonly #compressed: CompressedFrame[] = [];

  /**
   * An empty message; `platform` allocates its buffers and encodes and checks UTF-8, default the
   * portable platform.
   */
  constructor(platform: Platform = portablePlatform) {
    this.#platform = platform;
    this.#writer = new FrameWriter({ role: 'server', platform });
  }

  /**
   * Start a new message: a string is encoded as UTF-8 once; bytes are used as they are until
   * the next `prepare` (not copied). Text given as bytes must be UTF-8 (RFC 6455 §5.6): else
   * `ERR_WS_INVALID_UTF8` is thrown and nothing changes.
   */
  prepare(data: string | Uint8Array, isBinary: boolean): void {
    let payload: Uint8Array;
    if (typeof data === 'string') {
      const need = data.length * 3;
      if (this.#text.length < need) this.#text = this.#platform.allocUnsafe(Math.max(need, 1024));
      payload = this.#text.subarray(0, this.#platform.encodeUtf8Into(data, this.#text, 0));
    } else {
      if (!isBinary && !this.#platform.isUtf8(data)) {
        throw new WirekitError(
          ErrorCode.WS_INVALID_UTF8,
          'text to publish is not valid UTF-8 (RFC 6455 §5.6)',
        );
      }
      payload = data;
    }
    this.#opcode = isBinary ? Opcode.BINARY : Opcode.TEXT;
    this.#payload = payload;
    this.#forgetFrames();
  }

  /** The message's bytes (a string's UTF-8), valid until the next {@link prepare}. */
  get payload(): Uint8Array {
    return this.#payload;
  }

  /** `true` when the message is sent as a binary frame (opcode 0x2), `false` for text (0x1). */
  get isBinary(): boolean {
    return this.#opcode === Opcode.BINARY;
  }

  /** The whole message as one uncompressed, unmasked frame, built on the first call. */
  frame(): Uint8Array {
    return this.#frame ?? this.#encode();
  }

  /**
   * The message compressed by `deflater` (which must keep no context between messages) as one
   * frame with RSV1 set (RFC 7692 §6), built on the first call for each `key`.
   */
  compressedFrame(key: string, deflater: MessageDeflater): Uint8Array {
    const all = this.#compressed;
    let entry: CompressedFrame | undefined;
    for (let i = 0; i < all.length; i++) {
      if (all[i]!.key === key) {
        entry = all[i]!;
        break;
      }
    }
    if (entry === undefined) {
      entry = { key, frame: undefined };
      all.push(entry);
    }
    if (entry.frame === undefined) {
      const compressed = deflater.compress(this.#payload);
      // A binary payload's frame size is exact (§5.2 length encodings), so the frame is the
      // whole allocation.
      const frame = this.#platform.allocUnsafe(this.#writer.maxFrameSize(compressed));
      this.#writer.writeFrame(frame, 0, this.#opcode, compressed, true, true);
      entry.frame = frame;
      this.framesCompressed++;
    }
    return entry.frame;
  }

  /** Let go of the message's bytes and of large buffers (call after the recipients copied). */
  release(): void {
    this.#payload = EMPTY;
    this.#forgetFrames();
    if (this.#text.length > KEEP) this.#text = EMPTY;
  }

  #encode(): Uint8Array {
    // The payload is bytes here (a string was encoded by prepare): its frame size is exact.
    const frame = this.#platform.allocUnsafe(this.#writer.maxFrameSize(this.#payload));
    this.#writer.writeFrame(frame, 0, this.#opcode, this.#payload, true);
    this.framesEncoded++;
    this.#frame = frame;
    return frame;
  }

  #forgetFrames(): void {
    this.#frame = undefined;
    const compressed = this.#compressed;
    for (let i = 0; i < compressed.length; i++) compressed[i]!.frame = undefined;
  }
}
