/**
 * What an {@link Http3Session} hands out through `poll()`: a tagged union of two kinds of items.
 *
 * Transport actions (the QUIC layer executes them, in order): `write`, `reset-stream`,
 * `stop-sending`, `close`.
 *
 * Application events (the HTTP or WebSocket layer consumes them): `settings`, `request`,
 * `request-refused`, `response`, `trailers`, `data`, `end`, `stream-reset`, `stream-stopped`,
 * `stream-error`, `goaway`.
 *
 * @module
 */
import type { FieldSection } from '../qpack/field-section.js';
import type { Http3Settings } from './settings.js';

/** Write `data` on QUIC stream `streamId` (opening it when new), then FIN when `fin`. */
export interface Http3WriteAction {
  /** Tag of this transport action. */
  readonly type: 'write';
  /** QUIC stream ID to write on (RFC 9000 §2.1); the transport opens the stream when it is new. */
  readonly streamId: number;
  /** Bytes owned by the action: the transport may keep them until they are sent. */
  readonly data: Uint8Array;
  /** `true` to end the sending side of the stream (FIN) after `data`. */
  readonly fin: boolean;
}

/** Reset the sending side of `streamId` (QUIC RESET_STREAM) with this application code. */
export interface Http3ResetStreamAction {
  /** Tag of this transport action. */
  readonly type: 'reset-stream';
  /** QUIC stream ID whose sending side is reset. */
  readonly streamId: number;
  /**
   * Application error code carried by RESET_STREAM: an HTTP/3 code (RFC 9114 §8.1), e.g.
   * H3_REQUEST_CANCELLED.
   */
  readonly code: number;
}

/** Ask the peer to stop sending on `streamId` (QUIC STOP_SENDING) with this code, and discard
 * what still arrives on it. */
export interface Http3StopSendingAction {
  /** Tag of this transport action. */
  readonly type: 'stop-sending';
  /** QUIC stream ID whose receiving side is abandoned. */
  readonly streamId: number;
  /** Application error code carried by STOP_SENDING: an HTTP/3 code (RFC 9114 §8.1). */
  readonly code: number;
}

/**
 * Close the QUIC connection (CONNECTION_CLOSE of the application type) with `code`, an HTTP/3
 * or QPACK error code, and `reason` (for logs; may be sent as the reason phrase). Always the
 * last item: the session ignores all input afterwards.
 */
export interface Http3CloseAction {
  /** Tag of this transport action. */
  readonly type: 'close';
  /**
   * HTTP/3 (RFC 9114 §8.1) or QPACK (RFC 9204 §6) error code of the connection close; H3_NO_ERROR
   * for a clean close.
   */
  readonly code: number;
  /** Human-readable cause, for logs; may be sent as the CONNECTION_CLOSE reason phrase. */
  readonly reason: string;
}

/** The peer's SETTINGS arrived (once per connection). A client waits for this with
 * `enableConnectProtocol` before it opens a WebSocket (RFC 9220 §3). */
export interface Http3SettingsEvent {
  /** Tag of this application event. */
  readonly type: 'settings';
  /**
   * The peer's decoded SETTINGS (RFC 9114 §7.2.4), with defaults for the identifiers it left out.
   */
  readonly settings: Http3Settings;
}

/** Server: a well-formed request head on a new request stream. */
export interface Http3RequestEvent {
  /** Tag of this application event. */
  readonly type: 'request';
  /** Client-initiated bidirectional QUIC stream that carries this request (RFC 9114 §4.1). */
  readonly streamId: number;
  /** The decoded header section, pseudo-headers included; a `HeaderSource` for
   * `checkExtendedConnect`. */
  readonly fields: FieldSection;
  /** The `:method` pseudo-header (RFC 9114 §4.3.1), e.g. `GET` or `CONNECT`. */
  readonly method: string;
  /** `:protocol` of an extended CONNECT (`websocket` for RFC 9220), else `undefined`. */
  readonly protocol: string | undefined;
}

/**
 * Server: the session answered a request itself instead of handing it on, because its header
 * section is larger than `maxFieldSectionSize`: 431 (Request Header Fields Too Large, RFC 9114
 * §4.2.2, RFC 6585 §5) with a short text body and FIN, after a `stop-sending` with H3_NO_ERROR
 * (§4.1.1: the rest of the request is not needed). The stream is over in both directions; no
 * `request` event came or comes for it.
 */
export interface Http3RequestRefusedEvent {
  /** Tag of this application event. */
  readonly type: 'request-refused';
  /** Client-initiated bidirectional QUIC stream whose request was refused. */
  readonly streamId: number;
  /** The status sent: 431. */
  readonly status: number;
  /** Human-readable cause, for logs (the body sent says the same). */
  readonly message: string;
}

/** Client: a response head (`status` below 200 is informational; more heads follow). */
export interface Http3ResponseEvent {
  /** Tag of this application event. */
  readonly type: 'response';
  /** Request stream that carries this response. */
  readonly streamId: number;
  /** The decoded header section, `:status` included. */
  readonly fields: FieldSection;
  /** The `:status` pseudo-header as a number (RFC 9114 §4.3.2): 100 to 599, never 101 (§4.5). */
  readonly status: number;
}

/** A trailer section after the content. */
export interface Http3TrailersEvent {
  /** Tag of this application event. */
  readonly type: 'trailers';
  /** Request stream that carries the trailers. */
  readonly streamId: number;
  /** The decoded trailer section; it never holds pseudo-headers (RFC 9114 §4.3). */
  readonly fields: FieldSection;
}

/**
 * Content bytes of a request or response (the payload of DATA frames; for a WebSocket, its
 * RFC 6455 frames). A view of the bytes given to `streamData`, never a copy: valid as long as
 * the transport leaves those bytes alone.
 */
export interface Http3DataEvent {
  /** Tag of this application event. */
  readonly type: 'data';
  /** Request stream the content arrived on. */
  readonly streamId: number;
  /**
   * Content bytes (DATA frame payload, RFC 9114 §7.2.1); a view valid only while the transport
   * keeps its input buffer.
   */
  readonly data: Uint8Array;
}

/** The peer finished its side of the stream cleanly (FIN after a complete message). */
export interface Http3EndEvent {
  /** Tag of this application event. */
  readonly type: 'end';
  /** Request stream the peer finished. */
  readonly streamId: number;
}

/** The peer reset its sending side of a request stream (QUIC RESET_STREAM): nothing more will
 * arrive; what arrived may be incomplete. */
export interface Http3StreamResetEvent {
  /** Tag of this application event. */
  readonly type: 'stream-reset';
  /** Request stream the peer reset. */
  readonly streamId: number;
  /** Application error code from the peer's RESET_STREAM (an HTTP/3 code, RFC 9114 §8.1). */
  readonly code: number;
}

/** The peer asked this side to stop sending on a request stream (QUIC STOP_SENDING): sends on
 * it are dropped from now on. */
export interface Http3StreamStoppedEvent {
  /** Tag of this application event. */
  readonly type: 'stream-stopped';
  /** Request stream the peer no longer reads. */
  readonly streamId: number;
  /** Application error code from the peer's STOP_SENDING (an HTTP/3 code, RFC 9114 §8.1). */
  readonly code: number;
}

/**
 * The session ended a request stream because of a stream error (a malformed message,
 * H3_MESSAGE_ERROR; a field section over the limit that cannot be answered with 431 — a
 * response or trailer section, or a request whose sending side the peer stopped —
 * H3_EXCESSIVE_LOAD; an incomplete request, H3_REQUEST_INCOMPLETE; a request after GOAWAY,
 * H3_REQUEST_REJECTED). The matching
 * `stop-sending` and `reset-stream` actions follow in the queue.
 */
export interface Http3StreamErrorEvent {
  /** Tag of this application event. */
  readonly type: 'stream-error';
  /** Request stream the session ended. */
  readonly streamId: number;
  /** HTTP/3 error code sent in the following STOP_SENDING and RESET_STREAM (RFC 9114 §8.1). */
  readonly code: number;
  /** Human-readable cause, for logs; never sent to the peer. */
  readonly message: string;
}

/** The peer sent GOAWAY: from a server, `id` is the first request stream it will not process;
 * from a client, a push ID. */
export interface Http3GoawayEvent {
  /** Tag of this application event. */
  readonly type: 'goaway';
  /**
   * The GOAWAY identifier (RFC 9114 §5.2): a client-initiated bidirectional stream ID from a
   * server, a push ID from a client.
   */
  readonly id: number;
}

/** Everything `Http3Session.poll()` returns. */
export type Http3Event =
  | Http3WriteAction
  | Http3ResetStreamAction
  | Http3StopSendingAction
  | Http3CloseAction
  | Http3SettingsEvent
  | Http3RequestEvent
  | Http3RequestRefusedEvent
  | Http3ResponseEvent
  | Http3TrailersEvent
  | Http3DataEvent
  | Http3EndEvent
  | Http3StreamResetEvent
  | Http3StreamStoppedEvent
  | Http3StreamErrorEvent
  | Http3GoawayEvent;
