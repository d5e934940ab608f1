/** Events a {@link WebSocketConnection} produces, as a tagged union with `type` as the tag. */

/** A complete text message. `data` is validated UTF-8; decode it only if you need a string. */
export interface TextEvent {
  readonly type: 'text';
  readonly data: Uint8Array;
}

/** A complete binary message. */
export interface BinaryEvent {
  readonly type: 'binary';
  readonly data: Uint8Array;
}

/** A ping from the peer (already answered when `autoPong` is on). */
export interface PingEvent {
  readonly type: 'ping';
  readonly data: Uint8Array;
}

/** A pong from the peer. */
export interface PongEvent {
  readonly type: 'pong';
  readonly data: Uint8Array;
}

/** Who started closing: this endpoint (`close()` or a protocol error it detected) or the peer. */
export type CloseInitiator = 'local' | 'remote';

/**
 * The connection is closed; nothing more will be read, and nothing may be sent. (Named apart
 * from the WHATWG `CloseEvent` class of the `WebSocket` API, a DOM event.)
 *
 * - Clean close, either side first: `wasClean` is `true` and `code`/`reason` are those of the
 *   peer's close frame (1005 when it had no code), as in the WHATWG `CloseEvent`.
 * - The peer broke the protocol: `wasClean` is `false`, `initiator` is `'local'`, `code` is the
 *   code this endpoint sent (1002, 1007, 1009) and `reason` says what was wrong.
 * - The transport ended before the close handshake: `wasClean` is `false`, `code` is 1006.
 */
export interface ConnectionClosedEvent {
  readonly type: 'close';
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
  readonly initiator: CloseInitiator;
}

/** Any event of a {@link WebSocketConnection}, tagged by `type`. */
export type WebSocketEvent =
  | TextEvent
  | BinaryEvent
  | PingEvent
  | PongEvent
  | ConnectionClosedEvent;
