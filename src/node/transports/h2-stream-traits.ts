/**
 * How a WebSocket on an HTTP/2 stream (RFC 8441) ends, the same for server and client: the
 * {@link StreamTraits} both HTTP/2 transports pass to their connections.
 */
import type { Duplex } from 'node:stream';
import type { StreamTraits } from '../stream-traits.js';

/** An HTTP/2 stream: `close(code)` sends RST_STREAM with that code. */
type Http2Stream = Duplex & { close(code?: number): void };

/**
 * After a clean close handshake the stream is done both ways, but END_STREAM alone leaves it
 * half-open until the peer ends its side (undici never does): RST_STREAM(NO_ERROR) after our
 * last DATA frame (RFC 9113 §8.1) closes it now. A failed connection ends its side only; the
 * close timer bounds the rest.
 */
function endH2Stream(stream: Duplex, wasClean: boolean): void {
  if (!wasClean) {
    stream.end();
    return;
  }
  stream.end(() => {
    if (!stream.destroyed) (stream as Http2Stream).close(0);
  });
}

/** The traits of an HTTP/2 stream: its writes complete once nghttp2 has taken the data. */
export const H2_STREAM_TRAITS: StreamTraits = Object.freeze({
  writesCopied: true,
  endStream: endH2Stream,
});
