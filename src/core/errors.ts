/**
 * Typed, branded errors for caller misuse and local failures.
 *
 * Peer misbehaviour never throws: it becomes a close event with a close code. What throws is
 * misuse by the caller (send after close, an invalid close code, a header with CRLF, ...) and
 * failures the caller must handle (a rejected handshake, a refused connection). Each error
 * carries a stable `code` from {@link ErrorCode}; match on it, not on the message text.
 *
 * `instanceof WirekitError` works across two copies of the package (a brand registered with
 * `Symbol.for`), so a library bundling its own wirekit still recognises ours.
 */

/** Stable error codes. Add codes; never rename or reuse one. */
export const ErrorCode = {
  /** An argument has the wrong type or is out of range. */
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  /** A send or ping on a closing or closed core `WebSocketConnection`, or a send after a
   * `ReconnectingConnection` was closed. The Node `Connection` returns `false` instead. */
  WS_SEND_AFTER_CLOSE: 'ERR_WS_SEND_AFTER_CLOSE',
  /** A close code that may not be sent (RFC 6455 §7.4.1, §7.4.2). */
  WS_INVALID_CLOSE_CODE: 'ERR_WS_INVALID_CLOSE_CODE',
  /** A control frame payload over 125 bytes (RFC 6455 §5.5). */
  WS_CONTROL_TOO_LARGE: 'ERR_WS_CONTROL_TOO_LARGE',
  /** Text to send is not valid UTF-8 (RFC 6455 §5.6). */
  WS_INVALID_UTF8: 'ERR_WS_INVALID_UTF8',
  /** A fragment sent out of order: a continuation with no message started, or a new message
   * while a fragmented one is unfinished (RFC 6455 §5.4). */
  WS_FRAGMENT_ORDER: 'ERR_WS_FRAGMENT_ORDER',
  /** The opening handshake failed (bad request or response); see `status` on the error. */
  WS_HANDSHAKE: 'ERR_WS_HANDSHAKE',
  /** A server's `upgrade` hook refused the connection; `status` is the HTTP answer. */
  WS_UPGRADE_REJECTED: 'ERR_WS_UPGRADE_REJECTED',
  /** A connect, handshake or close did not finish within its timeout. */
  TIMEOUT: 'ERR_TIMEOUT',
  /** The caller aborted the operation (an `AbortSignal` fired). */
  ABORTED: 'ERR_ABORTED',
  /** The transport failed or closed before the operation finished. */
  CONNECTION_LOST: 'ERR_CONNECTION_LOST',
  /** Writing into caller memory: the destination is too small. */
  BUFFER_TOO_SMALL: 'ERR_BUFFER_TOO_SMALL',

  // HTTP/1.1 (src/core/http1): append new HTTP codes here.
  /** Malformed HTTP/1.1 input from the peer; the message says which rule it broke. */
  HTTP_PARSE: 'ERR_HTTP_PARSE',
  /** HTTP/1.1 input over a configured limit (head size, header count, body size, chunk line). */
  HTTP_LIMIT: 'ERR_HTTP_LIMIT',
  /** A method, path, header name or value the caller gave contains CR, LF, NUL or is not a token. */
  HTTP_INVALID_HEADER: 'ERR_HTTP_INVALID_HEADER',

  // HTTP client (src/node/http)
  /**
   * The server closed a kept-alive connection without answering: it closed while the connection
   * was idle, or closed or reset it before the first byte of the response. The request was not
   * answered; reconnect, and resend it if it is idempotent (RFC 9110 §9.2.2, RFC 9112 §9.3.1).
   */
  HTTP_STALE_CONNECTION: 'ERR_HTTP_STALE_CONNECTION',
  /** A send on an HTTP connection that is no longer usable (after a transport error, a timeout,
   * a protocol error or a `Connection: close` response); `cause` says why. Reconnect. */
  HTTP_CONNECTION_POISONED: 'ERR_HTTP_CONNECTION_POISONED',
  /** A send while the connection still awaits the response to the previous request (one
   * request at a time per connection; a pool gives concurrency). */
  HTTP_CONNECTION_BUSY: 'ERR_HTTP_CONNECTION_BUSY',
  /** An acquire on a closed client pool, or a wait for a slot ended by `close()`. */
  HTTP_POOL_CLOSED: 'ERR_HTTP_POOL_CLOSED',

  // Pub/sub (src/node/pubsub)
  /** A topic name that is not a non-empty string within the server's `maxTopicLength`. */
  PUBSUB_INVALID_TOPIC: 'ERR_PUBSUB_INVALID_TOPIC',
  /** A subscribe past the server's `maxTopicsPerConnection`. */
  PUBSUB_TOO_MANY_TOPICS: 'ERR_PUBSUB_TOO_MANY_TOPICS',
  /** Topics used where there are none: a client connection, or a server without pub/sub. */
  PUBSUB_UNAVAILABLE: 'ERR_PUBSUB_UNAVAILABLE',
  /** A message refused by a broker: larger than its limit, or past its queue's limit (a flood
   * while the broker's connection is down or slow). */
  PUBSUB_REFUSED: 'ERR_PUBSUB_REFUSED',

  // Dialing (src/node/dial.ts)
  /**
   * An HTTP proxy did not open the CONNECT tunnel (RFC 9110 §9.3.6): it answered with a status
   * other than 2xx (`status` on the error: 407 when it wants credentials, 403 or 503 when it
   * refuses the target), closed or reset the connection before answering, or sent an answer
   * that is malformed or over the head size limit. The message names the proxy, never its
   * credentials. A proxy that cannot be reached is `ERR_CONNECTION_LOST`, a slow one
   * `ERR_TIMEOUT`.
   */
  PROXY: 'ERR_PROXY',

  // io_uring transport (src/node/uring)
  /** The io_uring transport cannot run here: not Linux, the addon is not built (`npm run
   * build:uring`) or does not load, or the kernel refuses io_uring; `reason` says which. */
  URING_UNAVAILABLE: 'ERR_URING_UNAVAILABLE',

  // QUIC and HTTP/3 (src/node/http3)
  /** HTTP/3 was asked for and the optional peer dependency `@matrixai/quic` (the native QUIC
   * stack) is not installed or does not load here; the message has the install command. */
  HTTP3_UNAVAILABLE: 'ERR_HTTP3_UNAVAILABLE',
  /** A QUIC connection did not come up: the TLS handshake failed (an untrusted or mismatched
   * certificate, no common ALPN protocol) or the server refused the connection. */
  QUIC_HANDSHAKE: 'ERR_QUIC_HANDSHAKE',
  /** A new local QUIC stream past the peer's stream limit (RFC 9000 §4.6): wait for a stream
   * to finish. */
  QUIC_STREAM_LIMIT: 'ERR_QUIC_STREAM_LIMIT',
  /** A stream or connection operation on a QUIC connection that is closing or closed. */
  QUIC_CLOSED: 'ERR_QUIC_CLOSED',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

const brand = Symbol.for('wirekit.WirekitError');

/** Options for {@link WirekitError}. */
export interface WirekitErrorOptions {
  /** The underlying error, if any. */
  readonly cause?: unknown;
  /** For handshake and HTTP errors: the HTTP status a server should answer with. */
  readonly status?: number;
}

/** The one error class wirekit throws. Match on {@link WirekitError.code}. */
export class WirekitError extends Error {
  /** A stable code from {@link ErrorCode}: match on it, not on the message. */
  readonly code: ErrorCode;
  /** For handshake and HTTP errors: the HTTP status that fits, else `undefined`. */
  readonly status: number | undefined;

  /**
   * An error with a stable `code`; `options.status` sets {@link WirekitError.status},
   * `options.cause` the standard `cause`.
   */
  constructor(code: ErrorCode, message: string, options: WirekitErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    Object.defineProperty(this, brand, { value: true });
  }

  /** `'WirekitError'`, so logs and `util.inspect` name the class. */
  override get name(): string {
    return 'WirekitError';
  }

  /** Brand check, so errors from another copy of wirekit match too. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && Object.hasOwn(value, brand);
  }
}
