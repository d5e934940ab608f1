/** Connection states, numbered as the WHATWG `WebSocket.readyState` (RFC 6455 §4, §7). */
export const ReadyState = {
  CONNECTING: 0,
  OPEN: 1,
  /** This endpoint sent a close frame and waits for the peer's. */
  CLOSING: 2,
  CLOSED: 3,
} as const;

export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];
