/**
 * What an {@link Http3Session} hands out through `poll()`: a tagged union of two kinds of items.
 *
 * Transport actions (the QUIC layer executes them, in order): `write`, `reset-stream`,
 * `stop-sending`, `close`.
 *
 * Application events (the HTTP or WebSocket layer consumes them): `settings`, `request`,
 * `response`, `trailers`, `data`, `end`, `stream-reset`, `stream-stopped`, `stream-error`,
 * `goaway`.
 *
 * @module
 */
import type { FieldSection } from '../qpack/field-section.js';
import type { Http3Settings } from './settings.js';

/** Write `data` on QUIC stream `streamId` (opening it when new), then FIN when `fin`. */
export interface Http3WriteAction {
  readonly type: 'write';
  readonly streamId: number;
  /** Bytes owned by the action: the transport may keep them until they are sent. */
  readonly data: Uint8Array;
  readonly fin: boolean;
}

/** Reset the sending side of `streamId` (QUIC RESET_STREAM) with this application code. */
export interface Http3ResetStreamAction {
  readonly type: 'reset-stream';
  readonly streamId: number;
  readonly code: number;
}

/** Ask the peer to stop sending on `streamId` (QUIC STOP_SENDING) with this code, and discard
 * what still arrives on it. */
export interface Http3StopSendingAction {
  readonly type: 'stop-sending';
  readonly streamId: number;
  readonly code: number;
}

/**
 * Close the QUIC connection (CONNECTION_CLOSE of the application type) with `code`, an HTTP/3
 * or QPACK error code, and `reason` (for logs; may be sent as the reason phrase). Always the
 * last item: the session ignores all input afterwards.
 */
export interface Http3CloseAction {
  readonly type: 'close';
  readonly code: number;
  readonly reason: string;
}

/** The peer's SETTINGS arrived (once per connection). A client waits for this with
 * `enableConnectProtocol` before it opens a WebSocket (RFC 9220 §3). */
export interface Http3SettingsEvent {
  readonly type: 'settings';
  readonly settings: Http3Settings;
}

/** Server: a well-formed request head on a new request stream. */
export interface Http3RequestEvent {
  readonly type: 'request';
  readonly streamId: number;
  /** The decoded header section, pseudo-headers included; a `HeaderSource` for
   * `checkExtendedConnect`. */
  readonly fields: FieldSection;
  readonly method: string;
  /** `:protocol` of an extended CONNECT (`websocket` for RFC 9220), else `undefined`. */
  readonly protocol: string | undefined;
}

/** Client: a response head (`status` below 200 is informational; more heads follow). */
export interface Http3ResponseEvent {
  readonly type: 'response';
  readonly streamId: number;
  readonly fields: FieldSection;
  readonly status: number;
}

/** A trailer section after the content. */
export interface Http3TrailersEvent {
  readonly type: 'trailers';
  readonly streamId: number;
  readonly fields: FieldSection;
}

/**
 * Content bytes of a request or response (the payload of DATA frames; for a WebSocket, its
 * RFC 6455 frames). A view of the bytes given to `streamData`, never a copy: valid as long as
 * the transport leaves those bytes alone.
 */
export interface Http3DataEvent {
  readonly type: 'data';
  readonly streamId: number;
  readonly data: Uint8Array;
}

/** The peer finished its side of the stream cleanly (FIN after a complete message). */
export interface Http3EndEvent {
  readonly type: 'end';
  readonly streamId: number;
}

/** The peer reset its sending side of a request stream (QUIC RESET_STREAM): nothing more will
 * arrive; what arrived may be incomplete. */
export interface Http3StreamResetEvent {
  readonly type: 'stream-reset';
  readonly streamId: number;
  readonly code: number;
}

/** The peer asked this side to stop sending on a request stream (QUIC STOP_SENDING): sends on
 * it are dropped from now on. */
export interface Http3StreamStoppedEvent {
  readonly type: 'stream-stopped';
  readonly streamId: number;
  readonly code: number;
}

/**
 * The session ended a request stream because of a stream error (a malformed message,
 * H3_MESSAGE_ERROR; a field section over the limit, H3_EXCESSIVE_LOAD; an incomplete request,
 * H3_REQUEST_INCOMPLETE; a request after GOAWAY, H3_REQUEST_REJECTED). The matching
 * `stop-sending` and `reset-stream` actions follow in the queue.
 */
export interface Http3StreamErrorEvent {
  readonly type: 'stream-error';
  readonly streamId: number;
  readonly code: number;
  readonly message: string;
}

/** The peer sent GOAWAY: from a server, `id` is the first request stream it will not process;
 * from a client, a push ID. */
export interface Http3GoawayEvent {
  readonly type: 'goaway';
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
  | Http3ResponseEvent
  | Http3TrailersEvent
  | Http3DataEvent
  | Http3EndEvent
  | Http3StreamResetEvent
  | Http3StreamStoppedEvent
  | Http3StreamErrorEvent
  | Http3GoawayEvent;
