/**
 * HTTP/3 error codes (RFC 9114 §8.1) and the QPACK ones (RFC 9204 §6), the application error
 * codes carried by QUIC's CONNECTION_CLOSE, RESET_STREAM and STOP_SENDING frames.
 */

/** The HTTP/3 and QPACK error codes, by name. */
export const Http3ErrorCode = {
  /** No error: graceful close, or a stream no longer needed. */
  H3_NO_ERROR: 0x100,
  /** A protocol rule was broken and no more specific code applies. */
  H3_GENERAL_PROTOCOL_ERROR: 0x101,
  /** An internal error of the HTTP stack. */
  H3_INTERNAL_ERROR: 0x102,
  /** The peer created a stream that is not allowed (a second control stream, a push stream
   * sent to a server, a server-initiated bidirectional stream). */
  H3_STREAM_CREATION_ERROR: 0x103,
  /** A stream the connection needs (control, QPACK encoder or decoder) was closed or reset. */
  H3_CLOSED_CRITICAL_STREAM: 0x104,
  /** A frame not allowed in the current state or on this stream. */
  H3_FRAME_UNEXPECTED: 0x105,
  /** A frame whose layout or length is wrong, or a stream that ends inside a frame. */
  H3_FRAME_ERROR: 0x106,
  /** The peer generates more load than this endpoint accepts (frames over the size limit). */
  H3_EXCESSIVE_LOAD: 0x107,
  /** A stream ID or push ID used wrongly (GOAWAY, MAX_PUSH_ID, CANCEL_PUSH, PUSH_PROMISE). */
  H3_ID_ERROR: 0x108,
  /** A SETTINGS frame with a bad value or a reserved or duplicate identifier. */
  H3_SETTINGS_ERROR: 0x109,
  /** No SETTINGS frame at the start of the control stream. */
  H3_MISSING_SETTINGS: 0x10a,
  /** The server rejected a request before processing any of it. */
  H3_REQUEST_REJECTED: 0x10b,
  /** The request or its response is cancelled. */
  H3_REQUEST_CANCELLED: 0x10c,
  /** The client's stream ended without a complete request. */
  H3_REQUEST_INCOMPLETE: 0x10d,
  /** A malformed request or response (RFC 9114 §4.1.2). */
  H3_MESSAGE_ERROR: 0x10e,
  /** The TCP connection of a CONNECT request was reset or closed abnormally. */
  H3_CONNECT_ERROR: 0x10f,
  /** The request should be retried over HTTP/1.1. */
  H3_VERSION_FALLBACK: 0x110,
  /** A field section the QPACK decoder cannot decode (RFC 9204 §6). */
  QPACK_DECOMPRESSION_FAILED: 0x200,
  /** An instruction on the peer's QPACK encoder stream that cannot be applied. */
  QPACK_ENCODER_STREAM_ERROR: 0x201,
  /** An instruction on the peer's QPACK decoder stream that cannot be applied. */
  QPACK_DECODER_STREAM_ERROR: 0x202,
} as const;

/** One of the {@link Http3ErrorCode} values. */
export type Http3ErrorCode = (typeof Http3ErrorCode)[keyof typeof Http3ErrorCode];

const names = new Map<number, string>(Object.entries(Http3ErrorCode).map(([k, v]) => [v, k]));

/**
 * The name of an HTTP/3 or QPACK error code (`H3_FRAME_ERROR`), or its hex value for a code
 * this table does not know (a peer may send any code; RFC 9114 §9 reserves 0x1f * N + 0x21).
 */
export function http3ErrorName(code: number): string {
  return names.get(code) ?? `0x${code.toString(16)}`;
}
