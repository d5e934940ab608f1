/**
 * The errors of `wirekit/ws`, shaped as ws shapes them so code written for ws keeps working:
 * the same classes (`Error`, `TypeError`, `RangeError`, `SyntaxError`) and messages, plus a
 * stable `code` on every one, so callers can match on the code instead of the text.
 *
 * Errors about the peer's frames carry ws's `WS_ERR_*` codes (ws.md, "Error codes"); they are
 * derived from the close code and reason wirekit's core failed the connection with.
 */

/** Stable codes of the errors `wirekit/ws` throws or emits. Add codes; never rename one. */
export const WsErrorCode = {
  /** `send`/`ping`/`pong` while CONNECTING (thrown), or after closing started (to the callback). */
  NOT_OPEN: 'ERR_WS_NOT_OPEN',
  /** `close()` with a code that may not be sent (RFC 6455 §7.4). */
  INVALID_CLOSE_CODE: 'ERR_WS_INVALID_CLOSE_CODE',
  /** A close reason over 123 bytes, or ping/pong data over 125 bytes (RFC 6455 §5.5). */
  CONTROL_TOO_LARGE: 'ERR_WS_CONTROL_TOO_LARGE',
  /** An invalid URL, scheme, fragment, or subprotocol list for the client. */
  INVALID_URL: 'ERR_WS_INVALID_URL',
  /** A subprotocol that is not a token, or given twice. */
  INVALID_SUBPROTOCOL: 'ERR_WS_INVALID_SUBPROTOCOL',
  /** An option out of range (`protocolVersion`), or a server without `port`/`server`/`noServer`. */
  INVALID_OPTION: 'ERR_INVALID_ARGUMENT',
  /** `handleUpgrade` twice on one socket. */
  SOCKET_REUSED: 'ERR_WS_SOCKET_REUSED',
  /** `address()` of a server in `noServer` mode. */
  NO_SERVER: 'ERR_WS_NO_SERVER',
  /** `close(cb)` on a server that is already closed. */
  SERVER_NOT_RUNNING: 'ERR_WS_SERVER_NOT_RUNNING',
  /** The opening handshake failed: an unexpected answer, a bad header, a timeout, `close()`. */
  HANDSHAKE: 'ERR_WS_HANDSHAKE',
  /** The connection went past wirekit's `maxBackpressure` and was closed (ws has no such limit). */
  BACKPRESSURE: 'ERR_WS_BACKPRESSURE',
  /** wirekit's opt-in heartbeat or idle timeout closed the connection (ws has neither). */
  TIMEOUT: 'ERR_TIMEOUT',
  // ws's own codes for a peer's bad frames (ws.md, "Error codes").
  /** The peer fragmented a control frame (RFC 6455 §5.5); the connection closes with 1002. */
  EXPECTED_FIN: 'WS_ERR_EXPECTED_FIN',
  /** A client sent an unmasked frame (RFC 6455 §5.1); the connection closes with 1002. */
  EXPECTED_MASK: 'WS_ERR_EXPECTED_MASK',
  /** The peer's close frame has a code that may not be sent (RFC 6455 §7.4); closes with 1002. */
  INVALID_CLOSE_CODE_RECEIVED: 'WS_ERR_INVALID_CLOSE_CODE',
  /**
   * A control frame over 125 bytes, or a close frame with a 1-byte body (RFC 6455 §5.5); closes
   * with 1002.
   */
  INVALID_CONTROL_PAYLOAD_LENGTH: 'WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH',
  /** A reserved opcode or a fragment out of sequence (RFC 6455 §5.2, §5.4); closes with 1002. */
  INVALID_OPCODE: 'WS_ERR_INVALID_OPCODE',
  /** A text message or close reason that is not valid UTF-8 (RFC 6455 §8.1); closes with 1007. */
  INVALID_UTF8: 'WS_ERR_INVALID_UTF8',
  /** A server sent a masked frame (RFC 6455 §5.1); the connection closes with 1002. */
  UNEXPECTED_MASK: 'WS_ERR_UNEXPECTED_MASK',
  /**
   * RSV1 set without permessage-deflate, or on a control or continuation frame (RFC 7692 §6);
   * closes with 1002.
   */
  UNEXPECTED_RSV_1: 'WS_ERR_UNEXPECTED_RSV_1',
  /** RSV2 or RSV3 set, which no negotiated extension defines (RFC 6455 §5.2); closes with 1002. */
  UNEXPECTED_RSV_2_3: 'WS_ERR_UNEXPECTED_RSV_2_3',
  /** A message over `maxPayload`; the connection closes with 1009 (RFC 6455 §7.4.1). */
  UNSUPPORTED_MESSAGE_LENGTH: 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH',
  /** A protocol error ws does not name (a payload length not minimally encoded, say). */
  PROTOCOL: 'WS_ERR_PROTOCOL',
  /** A compressed message that does not inflate. */
  INVALID_COMPRESSED_DATA: 'WS_ERR_INVALID_COMPRESSED_DATA',
} as const;

export type WsErrorCode = (typeof WsErrorCode)[keyof typeof WsErrorCode];

/** An error of class `Kind` (ws's choice for the case) with a stable `code`. */
export function wsError<E extends Error>(
  Kind: new (message: string) => E,
  code: WsErrorCode,
  message: string,
): E & { readonly code: WsErrorCode } {
  const error = new Kind(message);
  Object.defineProperty(error, 'code', {
    value: code,
    enumerable: true,
    configurable: true,
    writable: true,
  });
  return error as E & { readonly code: WsErrorCode };
}

const READY_STATE_NAMES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'] as const;

/** ws's error for a send, ping or pong in a state that does not allow it. */
export function notOpenError(readyState: number): Error & { readonly code: WsErrorCode } {
  return wsError(
    Error,
    WsErrorCode.NOT_OPEN,
    `WebSocket is not open: readyState ${readyState} (${READY_STATE_NAMES[readyState] ?? ''})`,
  );
}

/** Which ws error a reason of wirekit's frame reader corresponds to (close code 1002). */
const PROTOCOL_REASONS: readonly (readonly [prefix: string, code: WsErrorCode])[] = [
  ['reserved bits RSV2/RSV3', WsErrorCode.UNEXPECTED_RSV_2_3],
  ['reserved bit RSV1', WsErrorCode.UNEXPECTED_RSV_1],
  ['RSV1 set', WsErrorCode.UNEXPECTED_RSV_1],
  ['reserved opcode', WsErrorCode.INVALID_OPCODE],
  ['continuation frame without', WsErrorCode.INVALID_OPCODE],
  ['new data frame inside', WsErrorCode.INVALID_OPCODE],
  ['fragmented control frame', WsErrorCode.EXPECTED_FIN],
  ['control frame payload over', WsErrorCode.INVALID_CONTROL_PAYLOAD_LENGTH],
  ['close frame with a 1-byte', WsErrorCode.INVALID_CONTROL_PAYLOAD_LENGTH],
  ['invalid close code', WsErrorCode.INVALID_CLOSE_CODE_RECEIVED],
  ['unmasked frame', WsErrorCode.EXPECTED_MASK],
  ['masked frame', WsErrorCode.UNEXPECTED_MASK],
];

/**
 * The error ws emits when it fails a connection because of the peer, for the close code and
 * reason wirekit failed it with; `undefined` for a close that is not such a failure (1011: an
 * application callback threw, and that error is thrown again by wirekit itself).
 */
export function peerFailure(
  code: number,
  reason: string,
): (Error & { readonly code: WsErrorCode }) | undefined {
  switch (code) {
    case 1002: {
      const found = PROTOCOL_REASONS.find(([prefix]) => reason.startsWith(prefix));
      return wsError(
        RangeError,
        found?.[1] ?? WsErrorCode.PROTOCOL,
        `Invalid WebSocket frame: ${reason}`,
      );
    }
    case 1007:
      return reason.includes('compressed')
        ? wsError(Error, WsErrorCode.INVALID_COMPRESSED_DATA, reason)
        : wsError(
            Error,
            WsErrorCode.INVALID_UTF8,
            'Invalid WebSocket frame: invalid UTF-8 sequence',
          );
    case 1009:
      return wsError(
        RangeError,
        WsErrorCode.UNSUPPORTED_MESSAGE_LENGTH,
        'Max payload size exceeded',
      );
    case 1008:
      return wsError(Error, WsErrorCode.BACKPRESSURE, reason);
    case 1001:
      return wsError(Error, WsErrorCode.TIMEOUT, reason);
    default:
      return undefined;
  }
}

/** Errors from wirekit's own limits: emitted only to a listener, as ws code never expects them. */
export function isWirekitLimit(error: { readonly code: WsErrorCode }): boolean {
  return error.code === WsErrorCode.BACKPRESSURE || error.code === WsErrorCode.TIMEOUT;
}
