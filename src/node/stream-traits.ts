/**
 * What differs per transport at the end of a WebSocket's byte stream. A transport passes its
 * traits object to the {@link Connection} it makes; the connection reads `writesCopied` once,
 * when it is made, and calls `endStream` once, when it finishes: nothing here is consulted per
 * message.
 *
 * The default is a byte stream of its own (TCP, TLS, a `Duplex` from `handleUpgrade`, the
 * io_uring socket): RFC 6455 §7.1.1 decides who ends it. An HTTP/2 stream ends differently
 * (`transports/h2-stream-traits.ts`), and an HTTP/3 stream will too.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

/** The end-of-stream behaviour of one transport. */
export interface StreamTraits {
  /**
   * A write the stream completes synchronously is done with its chunk, so the output buffer can
   * go back to the pool at once: true for TCP and TLS sockets (the kernel or OpenSSL copied the
   * bytes) and HTTP/2 streams (a write completes once nghttp2 took the data); false for a
   * JavaScript `Duplex`, which may keep the chunk.
   */
  readonly writesCopied: boolean;
  /**
   * The connection is CLOSED and its last frames are written to `stream` (not destroyed): end
   * the stream as the transport does. `wasClean`: the close handshake completed; `server`: this
   * side is the server. The connection's close timer bounds whatever is left to the peer.
   */
  endStream(stream: Duplex, wasClean: boolean, server: boolean): void;
}

/**
 * RFC 6455 §7.1.1: after the close handshake the server closes the TCP connection first and
 * the client waits for it; a client ends its side once the server's is ended, or at once when
 * the connection failed (it need not wait then).
 */
function endByteStream(stream: Duplex, wasClean: boolean, server: boolean): void {
  if (server || stream.readableEnded || !wasClean) stream.end();
}

/** A TCP or TLS socket (or any `net.Socket`). */
const SOCKET_TRAITS: StreamTraits = Object.freeze({ writesCopied: true, endStream: endByteStream });
/** Another `Duplex` carrying a byte stream: its writes may keep their chunks. */
const DUPLEX_TRAITS: StreamTraits = Object.freeze({
  writesCopied: false,
  endStream: endByteStream,
});

/** The traits of a byte stream of its own: a `net.Socket`, or another `Duplex`. */
export function byteStreamTraits(stream: Duplex): StreamTraits {
  return stream instanceof Socket ? SOCKET_TRAITS : DUPLEX_TRAITS;
}
