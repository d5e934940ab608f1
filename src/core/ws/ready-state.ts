/** Connection states, numbered as the WHATWG `WebSocket.readyState` (RFC 6455 §4, §7). */
export const ReadyState = {
  /** The opening handshake is in progress (RFC 6455 §4). */
  CONNECTING: 0,
  /** The handshake succeeded: messages flow both ways. */
  OPEN: 1,
  /** This endpoint sent a close frame and waits for the peer's. */
  CLOSING: 2,
  /** The close handshake finished or the transport ended: nothing is read or sent (§7.1.4). */
  CLOSED: 3,
} as const;

export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];
