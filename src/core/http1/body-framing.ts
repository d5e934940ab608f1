/**
 * How the body of a parsed message is delimited (RFC 9112 §6.3).
 *
 * @module
 */

/** The framing a reader chose for a message body, from RFC 9112 §6.3. */
export const BodyFraming = {
  /** No body: a request without Content-Length or Transfer-Encoding, a response to HEAD,
   * a 1xx, 204 or 304 response, or a 2xx response to CONNECT (RFC 9112 §6.3 items 1, 2, 7). */
  NONE: 'none',
  /** `Content-Length` bytes (RFC 9112 §6.3 item 6). */
  LENGTH: 'length',
  /** Chunked transfer coding (RFC 9112 §7.1, §6.3 item 4). */
  CHUNKED: 'chunked',
  /** A response body read until the server closes the connection (RFC 9112 §6.3 item 8). */
  CLOSE: 'close',
} as const;

export type BodyFraming = (typeof BodyFraming)[keyof typeof BodyFraming];

/** HTTP/1.x version of a parsed message; `1.x` with x > 1 reads as `1.1` (RFC 9110 §6.2). */
export type HttpVersion = '1.0' | '1.1';
