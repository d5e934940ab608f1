/**
 * Events returned by {@link RequestReader.next} and {@link ResponseReader.next}, besides the
 * heads themselves. A tagged union: switch on `type`.
 *
 * @module
 */
import type { WirekitError } from '../errors.js';
import { HeaderList } from './header-list.js';

/**
 * Part of a message body, decoded (chunk framing removed). `data` is a view of a chunk passed
 * to `receive` — no copy; it stays valid as long as that chunk's memory is not reused.
 */
export interface BodyEvent {
  /** Tag of this event. */
  readonly type: 'body';
  /** Decoded body bytes, a view of the received chunk (no copy). */
  readonly data: Uint8Array;
}

/** The message is complete. `trailers` holds a chunked message's trailer fields (RFC 9112
 * §7.1.2), kept apart from the head's fields; it is {@link HeaderList.EMPTY} otherwise. */
export interface EndEvent {
  /** Tag of this event. */
  readonly type: 'end';
  /**
   * Trailer fields of a chunked message (RFC 9112 §7.1.2); {@link HeaderList.EMPTY} when there are
   * none.
   */
  readonly trailers: HeaderList;
}

/**
 * The peer sent malformed or oversized input. `error.code` is `ERR_HTTP_PARSE` or
 * `ERR_HTTP_LIMIT`, `error.message` names the rule, `error.status` is the status to answer
 * (requests: 400, 413, 414, 431, 501, 505; responses: 502, as a gateway would). The reader
 * stays in this state: the connection cannot be resynchronised and should be closed.
 */
export interface HttpErrorEvent {
  /** Tag of this event. */
  readonly type: 'error';
  /** `ERR_HTTP_PARSE` or `ERR_HTTP_LIMIT`; `error.status` is the status to answer. */
  readonly error: WirekitError;
}

/** Nothing more can be read until more bytes arrive (`receive`) or the end (`receiveEof`). */
export interface NeedDataEvent {
  /** Tag of this event. */
  readonly type: 'need-data';
}

/**
 * HTTP on this connection stopped after an upgrade: a request with `Upgrade` or `CONNECT`
 * (until the caller decides, see `RequestReader.resume`), or a 101 response or a 2xx response
 * to CONNECT. What follows belongs to the next protocol: call `takeRemaining()`.
 */
export interface PausedEvent {
  /** Tag of this event. */
  readonly type: 'paused';
}

/**
 * No more messages will come on this connection: the peer closed it between messages
 * (`receiveEof`), or the last message was not keep-alive (`Connection: close`, or HTTP/1.0
 * without keep-alive, RFC 9112 §9.3). Bytes after a non-keep-alive message are ignored.
 */
export interface ClosedEvent {
  /** Tag of this event. */
  readonly type: 'closed';
}

/** The "need more data" sentinel. */
export const NEED_DATA: NeedDataEvent = Object.freeze({ type: 'need-data' });
/** The sentinel returned while a reader is paused after an upgrade. */
export const PAUSED: PausedEvent = Object.freeze({ type: 'paused' });
/** The sentinel returned once no more messages will be read. */
export const CLOSED: ClosedEvent = Object.freeze({ type: 'closed' });
/** The end of a message without trailers (shared, so ending a message allocates nothing). */
export const END: EndEvent = Object.freeze({ type: 'end', trailers: HeaderList.EMPTY });
