/**
 * One HTTP/3 request stream carrying a WebSocket (RFC 9220 §3: the WebSocket frames travel in
 * the stream's DATA frames) as the byte stream a `Connection` drives. It has the few members of
 * an HTTP/2 server stream the shared handshake code uses (`respond`, `headersSent`, `close`,
 * `session`), so the server reuses its RFC 8441 path unchanged.
 *
 * What differs at the end of an HTTP/3 stream: a clean end is a FIN (QUIC STREAM frame with
 * FIN, RFC 9114 §4.1); an abort is RESET_STREAM plus STOP_SENDING with an HTTP/3 code.
 *
 * The `Duplex` serves the handshake and any user of the stream; the WebSocket `Connection` on
 * it goes past it ({@link DirectStream}): its writes go to the link as they are made, and what
 * arrives is handed to it while the stream flows with nothing buffered, so a message costs no
 * `Writable` or `Readable` work.
 */
import { Duplex } from 'node:stream';
import {
  type DirectReadSink,
  type DirectStream,
  DirectWrite,
  type DirectWriteSink,
} from '../direct-write.js';
/** What a stream asks of its HTTP/3 connection (the link implements it). @internal */
export interface Http3StreamSink {
  readonly quic: { readonly remoteAddress: string; readonly remotePort: number };
  sendHeaders(id: number, fields: Record<string, string>, fin: boolean): void;
  sendData(id: number, data: Uint8Array): boolean;
  finish(id: number): void;
  abortStream(id: number, code: number): void;
  sendStopSending(id: number, code: number): void;
  /** Leave what arrives on the stream in QUIC until {@link resumeReading}. */
  pauseReading(id: number): void;
  resumeReading(id: number): void;
  forget(id: number): void;
}

/** H3_NO_ERROR (RFC 9114 §8.1). */
const H3_NO_ERROR = 0x100;
/** H3_REQUEST_REJECTED: the server did not process the request (RFC 9114 §8.1). */
const H3_REQUEST_REJECTED = 0x10b;
/** H3_REQUEST_CANCELLED (RFC 9114 §8.1). */
const H3_REQUEST_CANCELLED = 0x10c;
/** The HTTP/2 code the shared server code refuses a stream with (REFUSED_STREAM). */
const H2_REFUSED_STREAM = 7;

/** Fields as the shared server code passes them to `respond`. */
type ResponseFields = Readonly<Record<string, string | number | readonly string[]>>;

/** A WebSocket's HTTP/3 request stream as a Duplex. @internal */
export class Http3Stream extends Duplex implements DirectStream {
  /** The QUIC stream ID. */
  readonly id: number;
  /** Like an HTTP/2 stream's: the peer's address and UDP port (read by the shared server code;
   * streams of one QUIC connection share them, as migration is not offered). */
  readonly session: {
    readonly socket: { readonly remoteAddress: string; readonly remotePort: number };
  };
  /** The peer's address. */
  readonly remoteAddress: string;
  /** The response head went out. */
  headersSent = false;
  readonly #link: Http3StreamSink;
  #blocked: ((error?: Error | null) => void) | undefined;
  #finished = false;
  #peerEnded = false;
  /** The connection reading past the Readable ({@link readDirect}). */
  #reader: DirectReadSink | undefined;
  /** The connection whose direct writes wait for QUIC flow control, and their bytes. */
  #writer: DirectWriteSink | undefined;
  #writerBytes = 0;

  constructor(link: Http3StreamSink, id: number) {
    // Strings written (a page body, say) become bytes here: the link sends bytes only.
    super({ allowHalfOpen: true });
    this.#link = link;
    this.id = id;
    this.remoteAddress = link.quic.remoteAddress;
    this.session = {
      socket: { remoteAddress: this.remoteAddress, remotePort: link.quic.remotePort },
    };
  }

  /** Send the response head (server); `endStream` finishes the stream with it. */
  respond(fields: ResponseFields, options?: { endStream?: boolean }): void {
    const flat: Record<string, string> = {};
    for (const [name, value] of Object.entries(fields))
      flat[name] = Array.isArray(value) ? value.join(', ') : String(value);
    this.headersSent = true;
    this.#link.sendHeaders(this.id, flat, options?.endStream === true);
    if (options?.endStream === true) {
      this.#finished = true;
      this.end();
    }
  }

  /**
   * End the stream with an HTTP/2-style code: 0 after a clean close stops reading what the
   * peer may still send (STOP_SENDING H3_NO_ERROR); another code aborts both directions.
   */
  close(code = 0): void {
    if (this.destroyed) return;
    if (code === 0) {
      if (!this.#peerEnded) this.#link.sendStopSending(this.id, H3_NO_ERROR);
      this.#peerEnded = true;
    } else {
      this.#link.abortStream(
        this.id,
        code === H2_REFUSED_STREAM ? H3_REQUEST_REJECTED : H3_REQUEST_CANCELLED,
      );
      this.#finished = true;
      this.#peerEnded = true;
    }
    this.destroy();
  }

  /** @internal DATA payload from the peer; a full buffer (the reader paused) leaves the rest
   * unread in QUIC, so stream flow control holds the peer back (RFC 9000 §4.1). */
  received(data: Uint8Array): void {
    const reader = this.#reader;
    // Flowing with nothing buffered: the Readable would emit it as 'data' at once anyway. A
    // reader that pauses the stream gets what follows through the Readable, which holds up to
    // its high-water mark and then pauses QUIC, and reads QUIC again once drained (`_read`).
    if (reader !== undefined && this.readableFlowing === true && this.readableLength === 0) {
      reader.receive(data);
      return;
    }
    if (!this.push(data)) this.#link.pauseReading(this.id);
  }

  /** @internal The peer finished its side. */
  ended(): void {
    this.#peerEnded = true;
    this.push(null);
  }

  /** @internal The peer reset the stream, or the session or connection ended it. */
  failed(message: string): void {
    this.#peerEnded = true;
    this.#finished = true;
    // Nobody listening (the connection is gone already): an error event would be uncaught.
    this.destroy(this.listenerCount('error') > 0 ? new Error(message) : undefined);
  }

  /** @internal Queued bytes went out: accept more. */
  drained(): void {
    const writer = this.#writer;
    if (writer !== undefined) {
      const bytes = this.#writerBytes;
      this.#writer = undefined;
      this.#writerBytes = 0;
      writer.directWriteDone(0, bytes);
    }
    const callback = this.#blocked;
    this.#blocked = undefined;
    callback?.();
  }

  /** @internal {@link DirectStream}: DATA straight to the link. After the end or a destroy it
   * goes through the Writable, which reports the misuse as it would. */
  writeDirect(data: Uint8Array, sink: DirectWriteSink): number {
    if (this.writableEnded || this.destroyed) {
      this.write(data);
      return DirectWrite.WRITTEN;
    }
    if (this.#link.sendData(this.id, data)) return DirectWrite.WRITTEN;
    this.#writer = sink;
    this.#writerBytes += data.length;
    return DirectWrite.QUEUED;
  }

  /** @internal {@link DirectStream}: what arrives goes to `reader` while the stream flows. */
  readDirect(reader: DirectReadSink): void {
    this.#reader = reader;
  }

  override _read(): void {
    this.#link.resumeReading(this.id);
  }

  override _write(
    chunk: Uint8Array,
    _encoding: BufferEncoding,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.#link.sendData(this.id, chunk)) callback();
    else this.#blocked = callback;
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.#finished) {
      this.#finished = true;
      this.#link.finish(this.id);
    }
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.#finished || !this.#peerEnded) this.#link.abortStream(this.id, H3_REQUEST_CANCELLED);
    this.#finished = true;
    this.#peerEnded = true;
    this.#link.forget(this.id);
    const blocked = this.#blocked;
    this.#blocked = undefined;
    blocked?.(error);
    callback(error);
  }
}
