/**
 * What the HTTP/2 benchmark's load client needs from one open WebSocket, whatever carries it
 * (a TLS socket after an HTTP/1.1 upgrade, or an HTTP/2 stream after an extended CONNECT):
 * write pre-encoded frames, and have every received chunk handed to a callback. No WebSocket
 * library is involved on the client side, so the client's own cost differs between the two
 * transports only by what Node's `tls` and `http2` modules cost.
 *
 * @example
 * ```ts
 * const channel: FrameChannel = await session.openWebSocket('/echo', (chunk) => scan(chunk));
 * channel.write(frames);
 * ```
 */

/** Called with every chunk received after the opening handshake. */
export type ChunkCallback = (chunk: Buffer) => void;

/** One open WebSocket, seen as a pipe of frame bytes. */
export interface FrameChannel {
  /** Send bytes (one or more complete masked frames). */
  write(bytes: Uint8Array): void;
  /** Drop it without a close handshake (the benchmark is over). */
  destroy(): void;
}

/** The transports compared. */
export const Transport = {
  /** RFC 6455 upgrade on its own TLS connection (ALPN `http/1.1`). */
  HTTP1_TLS: 'h1',
  /** RFC 8441 extended CONNECT on a stream of a TLS HTTP/2 session (ALPN `h2`). */
  HTTP2_TLS: 'h2',
} as const;

export type Transport = (typeof Transport)[keyof typeof Transport];

/** Print why the client cannot go on, and exit (the runner reports the failed run). */
export function failLoudly(message: string): never {
  process.stderr.write(`http2 load client: ${message}\n`);
  process.exit(2);
}
