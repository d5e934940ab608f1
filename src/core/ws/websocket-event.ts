/** Events a {@link WebSocketConnection} produces, as a tagged union with `type` as the tag. */

/** A complete text message. `data` is validated UTF-8; decode it only if you need a string. */
export interface TextEvent {
  /** Tag of this event. */
  readonly type: 'text';
  /**
   * The message's UTF-8 bytes, reassembled and decompressed; with `reuseBuffers`, valid only until
   * the next `poll()`.
   */
  readonly data: Uint8Array;
}

/** A complete binary message. */
export interface BinaryEvent {
  /** Tag of this event. */
  readonly type: 'binary';
  /**
   * The message's bytes, reassembled and decompressed; with `reuseBuffers`, valid only until the
   * next `poll()`.
   */
  readonly data: Uint8Array;
}

/** A ping from the peer (already answered when `autoPong` is on). */
export interface PingEvent {
  /** Tag of this event. */
  readonly type: 'ping';
  /** The ping's application data, 0 to 125 bytes (RFC 6455 §5.5.2). */
  readonly data: Uint8Array;
}

/** A pong from the peer. */
export interface PongEvent {
  /** Tag of this event. */
  readonly type: 'pong';
  /** The pong's application data, 0 to 125 bytes (RFC 6455 §5.5.3). */
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
  /** Tag of this event. */
  readonly type: 'close';
  /**
   * Close status code (RFC 6455 §7.4): the peer's on a clean close (1005 when it sent none), else
   * the one this side sent, or 1006.
   */
  readonly code: number;
  /** Close reason, at most 123 UTF-8 bytes (§5.5.1); `''` when none was given. */
  readonly reason: string;
  /** `true` when both close frames were exchanged before the transport ended (§7.1.4). */
  readonly wasClean: boolean;
  /** Which side sent the first close frame, or detected the error. */
  readonly initiator: CloseInitiator;
}

/** Any event of a {@link WebSocketConnection}, tagged by `type`. */
export type WebSocketEvent =
  | TextEvent
  | BinaryEvent
  | PingEvent
  | PongEvent
  | ConnectionClosedEvent;
