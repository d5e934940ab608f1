/**
 * The reasons a reader rejects peer input, as constants: a stable code, the status a server
 * answers with, and a message naming the rule. Readers turn one into a {@link WirekitError}
 * only when it happens; the hot path passes these frozen objects around, never strings.
 *
 * @module
 */
import { ErrorCode, WirekitError } from '../errors.js';

/** Why a message was rejected (internal; surfaced as a `WirekitError`). */
export interface HttpFailure {
  readonly code: typeof ErrorCode.HTTP_PARSE | typeof ErrorCode.HTTP_LIMIT;
  /** Status a server answers a bad request with. */
  readonly status: number;
  readonly reason: string;
}

function parse(status: number, reason: string): HttpFailure {
  return Object.freeze({ code: ErrorCode.HTTP_PARSE, status, reason });
}

function limit(status: number, reason: string): HttpFailure {
  return Object.freeze({ code: ErrorCode.HTTP_LIMIT, status, reason });
}

/** Every rejection the readers produce. */
export const HttpFailure: {
  readonly BARE_LF: HttpFailure;
  readonly BARE_CR: HttpFailure;
  readonly WHITESPACE_AFTER_START_LINE: HttpFailure;
  readonly EOF_IN_HEAD: HttpFailure;
  readonly EOF_IN_BODY: HttpFailure;
  readonly BAD_METHOD: HttpFailure;
  readonly BAD_REQUEST_LINE: HttpFailure;
  readonly BAD_TARGET: HttpFailure;
  readonly BAD_TARGET_FORM: HttpFailure;
  readonly BAD_VERSION: HttpFailure;
  readonly UNSUPPORTED_VERSION: HttpFailure;
  readonly BAD_STATUS_LINE: HttpFailure;
  readonly BAD_STATUS_CODE: HttpFailure;
  readonly BAD_REASON: HttpFailure;
  readonly OBS_FOLD: HttpFailure;
  readonly SPACE_BEFORE_COLON: HttpFailure;
  readonly BAD_FIELD_NAME: HttpFailure;
  readonly BAD_FIELD_VALUE: HttpFailure;
  readonly MISSING_HOST: HttpFailure;
  readonly MULTIPLE_HOST: HttpFailure;
  readonly BAD_HOST: HttpFailure;
  readonly BAD_CONTENT_LENGTH: HttpFailure;
  readonly CONTENT_LENGTH_MISMATCH: HttpFailure;
  readonly CONTENT_LENGTH_TOO_LARGE: HttpFailure;
  readonly CONTENT_LENGTH_AND_TRANSFER_ENCODING: HttpFailure;
  readonly TRANSFER_ENCODING_HTTP10: HttpFailure;
  readonly BAD_TRANSFER_ENCODING: HttpFailure;
  readonly CHUNKED_NOT_FINAL: HttpFailure;
  readonly CHUNKED_TWICE: HttpFailure;
  readonly UNSUPPORTED_TRANSFER_CODING: HttpFailure;
  readonly CONNECT_WITH_CONTENT: HttpFailure;
  readonly BAD_CHUNK_SIZE: HttpFailure;
  readonly CHUNK_SIZE_OVERFLOW: HttpFailure;
  readonly BAD_CHUNK_EXTENSION: HttpFailure;
  readonly BAD_CHUNK_END: HttpFailure;
  readonly HEAD_TOO_LARGE: HttpFailure;
  readonly REQUEST_LINE_TOO_LONG: HttpFailure;
  readonly TOO_MANY_HEADERS: HttpFailure;
  readonly TRAILERS_TOO_LARGE: HttpFailure;
  readonly TOO_MANY_TRAILERS: HttpFailure;
  readonly BODY_TOO_LARGE: HttpFailure;
  readonly CHUNK_LINE_TOO_LONG: HttpFailure;
} = {
  // Message framing (RFC 9112 §2.2).
  BARE_LF: parse(400, 'line ends in a bare LF; lines must end in CRLF (RFC 9112 §2.2)'),
  BARE_CR: parse(400, 'bare CR not followed by LF (RFC 9112 §2.2)'),
  WHITESPACE_AFTER_START_LINE: parse(
    400,
    'whitespace between the start line and the first header field (RFC 9112 §2.2)',
  ),
  EOF_IN_HEAD: parse(400, 'connection closed before the head was complete'),
  EOF_IN_BODY: parse(400, 'connection closed before the body was complete (RFC 9112 §8)'),

  // Request line (RFC 9112 §3) and status line (RFC 9112 §4).
  BAD_METHOD: parse(400, 'method is not a token (RFC 9112 §3.1, RFC 9110 §9.1)'),
  BAD_REQUEST_LINE: parse(
    400,
    'request line must be method SP request-target SP HTTP-version (RFC 9112 §3)',
  ),
  BAD_TARGET: parse(400, 'request-target has a byte other than VCHAR (RFC 9112 §3.2)'),
  BAD_TARGET_FORM: parse(
    400,
    'request-target is not in origin-, absolute- or asterisk-form, or in authority-form for CONNECT (RFC 9112 §3.2)',
  ),
  BAD_VERSION: parse(400, 'HTTP-version must be "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3)'),
  UNSUPPORTED_VERSION: parse(505, 'HTTP major version other than 1 (RFC 9110 §6.2, §15.6.6)'),
  BAD_STATUS_LINE: parse(
    400,
    'status line must be HTTP-version SP status-code [SP reason-phrase] (RFC 9112 §4)',
  ),
  BAD_STATUS_CODE: parse(400, 'status code must be three digits in 100..599 (RFC 9110 §15)'),
  BAD_REASON: parse(400, 'reason phrase has a control character (RFC 9112 §4)'),

  // Field lines (RFC 9112 §5, RFC 9110 §5).
  OBS_FOLD: parse(400, 'obsolete line folding is not accepted (RFC 9112 §5.2)'),
  SPACE_BEFORE_COLON: parse(400, 'whitespace between a field name and the colon (RFC 9112 §5.1)'),
  BAD_FIELD_NAME: parse(400, 'field name is empty or not a token (RFC 9110 §5.1, §5.6.2)'),
  BAD_FIELD_VALUE: parse(
    400,
    'field value has CR, LF, NUL or another control character (RFC 9110 §5.5)',
  ),
  MISSING_HOST: parse(400, 'HTTP/1.1 request without a Host field (RFC 9112 §3.2)'),
  MULTIPLE_HOST: parse(400, 'request with more than one Host field line (RFC 9112 §3.2)'),
  BAD_HOST: parse(400, 'Host field value is not uri-host [ ":" port ] (RFC 9112 §3.2)'),

  // Message body length (RFC 9112 §6).
  BAD_CONTENT_LENGTH: parse(
    400,
    'Content-Length is not a list of non-negative decimal integers (RFC 9112 §6.3, RFC 9110 §8.6)',
  ),
  CONTENT_LENGTH_MISMATCH: parse(
    400,
    'Content-Length values differ (RFC 9112 §6.3; request smuggling)',
  ),
  CONTENT_LENGTH_TOO_LARGE: parse(
    400,
    'Content-Length exceeds 2^53-1 (RFC 9110 §8.6: guard against integer overflow)',
  ),
  CONTENT_LENGTH_AND_TRANSFER_ENCODING: parse(
    400,
    'both Content-Length and Transfer-Encoding (RFC 9112 §6.1, §6.3; request smuggling)',
  ),
  TRANSFER_ENCODING_HTTP10: parse(
    400,
    'Transfer-Encoding in an HTTP/1.0 message: framing is faulty (RFC 9112 §6.1)',
  ),
  BAD_TRANSFER_ENCODING: parse(
    400,
    'Transfer-Encoding is not a valid list of transfer codings (RFC 9112 §6.1)',
  ),
  CHUNKED_NOT_FINAL: parse(
    400,
    'Transfer-Encoding in a request whose final coding is not chunked (RFC 9112 §6.3)',
  ),
  CHUNKED_TWICE: parse(400, 'chunked transfer coding applied more than once (RFC 9112 §6.1)'),
  UNSUPPORTED_TRANSFER_CODING: parse(
    501,
    'transfer coding other than chunked is not implemented (RFC 9112 §6.1, RFC 9110 §15.6.2)',
  ),
  CONNECT_WITH_CONTENT: parse(
    400,
    'CONNECT request with content: Transfer-Encoding or Content-Length > 0 (RFC 9110 §9.3.6)',
  ),

  // Chunked transfer coding (RFC 9112 §7.1).
  BAD_CHUNK_SIZE: parse(400, 'chunk size is not hexadecimal (RFC 9112 §7.1)'),
  CHUNK_SIZE_OVERFLOW: parse(
    400,
    'chunk size exceeds 2^53-1 (RFC 9112 §7.1: guard against integer overflow)',
  ),
  BAD_CHUNK_EXTENSION: parse(
    400,
    'chunk extension is not ";" token [ "=" ( token / quoted-string ) ] (RFC 9112 §7.1.1)',
  ),
  BAD_CHUNK_END: parse(400, 'chunk data not followed by CRLF (RFC 9112 §7.1)'),

  // Limits.
  HEAD_TOO_LARGE: limit(431, 'head larger than maxHeadBytes (RFC 6585 §5)'),
  REQUEST_LINE_TOO_LONG: limit(414, 'request line longer than maxHeadBytes (RFC 9110 §15.5.15)'),
  TOO_MANY_HEADERS: limit(431, 'more header fields than maxHeaders (RFC 6585 §5)'),
  TRAILERS_TOO_LARGE: limit(431, 'trailer section larger than maxHeadBytes (RFC 6585 §5)'),
  TOO_MANY_TRAILERS: limit(431, 'more trailer fields than maxHeaders (RFC 6585 §5)'),
  BODY_TOO_LARGE: limit(413, 'body larger than maxBodyBytes (RFC 9110 §15.5.14)'),
  CHUNK_LINE_TOO_LONG: limit(
    413,
    'chunk-size line longer than maxChunkLineBytes (RFC 9112 §7.1.1)',
  ),
};

/**
 * Builds the error for a failure. `gatewayStatus` replaces the status for responses: a
 * malformed response is the upstream's fault, and 502 is what a gateway answers
 * (RFC 9110 §15.6.3).
 */
export function failureError(failure: HttpFailure, gatewayStatus?: number): WirekitError {
  return new WirekitError(failure.code, failure.reason, {
    status: gatewayStatus ?? failure.status,
  });
}
