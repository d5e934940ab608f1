import { ErrorCode, WirekitError } from '../errors.js';

/** Close status codes (RFC 6455 §7.4.1, IANA "WebSocket Close Code Number Registry"). */
export const CloseCode = {
  /** 1000: normal closure; the purpose of the connection is fulfilled (RFC 6455 §7.4.1). */
  NORMAL: 1000,
  /**
   * 1001: the endpoint is going away, e.g. a server shutting down or a page navigated away
   * (§7.4.1).
   */
  GOING_AWAY: 1001,
  /** 1002: the peer broke the protocol (§7.4.1). */
  PROTOCOL_ERROR: 1002,
  /**
   * 1003: a message of a data type the endpoint cannot accept, e.g. binary to a text-only endpoint
   * (§7.4.1).
   */
  UNSUPPORTED_DATA: 1003,
  /** Reserved: "no status code was present"; never sent on the wire (§7.4.1). */
  NO_STATUS: 1005,
  /** Reserved: closed without a close frame; never sent on the wire (§7.4.1). */
  ABNORMAL: 1006,
  /**
   * 1007: message data inconsistent with its type, e.g. a text message that is not UTF-8 (§7.4.1).
   */
  INVALID_PAYLOAD: 1007,
  /**
   * 1008: a message violates the endpoint's policy; the generic code when no other fits (§7.4.1).
   */
  POLICY_VIOLATION: 1008,
  /** 1009: a message too big to process, e.g. over `maxMessageSize` (§7.4.1). */
  MESSAGE_TOO_BIG: 1009,
  /**
   * 1010: the client ends because the server did not negotiate an extension it requires (§7.4.1).
   */
  MANDATORY_EXTENSION: 1010,
  /**
   * 1011: the server hit an unexpected condition that prevents it from serving the request
   * (§7.4.1).
   */
  INTERNAL_ERROR: 1011,
  /** 1012: the service is restarting; the client may reconnect (IANA registry). */
  SERVICE_RESTART: 1012,
  /** 1013: the service is overloaded; the client should reconnect later (IANA registry). */
  TRY_AGAIN_LATER: 1013,
  /** 1014: a gateway or proxy got an invalid response from the upstream server (IANA registry). */
  BAD_GATEWAY: 1014,
  /** Reserved: TLS handshake failure; never sent on the wire (§7.4.1). */
  TLS_HANDSHAKE: 1015,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/**
 * May `code` appear in a close frame? RFC 6455 §7.4.1 defines 1000–1003 and 1007–1011 and
 * reserves 1004, 1005, 1006 and 1015; the IANA registry adds 1012–1014. 1016–2999 are reserved
 * for future protocol use, 3000–3999 are registered by libraries and applications and
 * 4000–4999 are private (§7.4.2). Everything else (below 1000, 5000 and up) is invalid.
 */
export function isValidCloseCode(code: number): boolean {
  return (
    // §7.4: a status code is a 2-byte unsigned integer; a fraction such as 1000.5 would pass
    // the range checks and go out truncated.
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1003) ||
      (code >= 1007 && code <= 1014) ||
      (code >= 3000 && code <= 4999))
  );
}

/** §5.5: a control frame's payload is at most 125 bytes, so a close reason at most 123. */
export const MAX_CLOSE_REASON = 123;
const encoder = new TextEncoder();

/**
 * Checks what this side wants to close with and returns the reason's UTF-8 bytes. Without a
 * code there may be no reason (§5.5.1: the body starts with the code).
 * @throws {WirekitError} `ERR_WS_INVALID_CLOSE_CODE` for a code that may not be sent (§7.4),
 * `ERR_WS_CONTROL_TOO_LARGE` for a reason over 123 bytes, `ERR_INVALID_ARGUMENT` for a reason
 * without a code.
 */
export function closeReasonBytes(code: number | undefined, reason: string): Uint8Array {
  if (code === undefined) {
    if (reason !== '') {
      throw new WirekitError(ErrorCode.INVALID_ARGUMENT, 'a close reason needs a close code');
    }
  } else if (!isValidCloseCode(code)) {
    throw new WirekitError(
      ErrorCode.WS_INVALID_CLOSE_CODE,
      `close code ${code} may not be sent (RFC 6455 §7.4)`,
    );
  }
  const bytes = encoder.encode(reason);
  if (bytes.length > MAX_CLOSE_REASON) {
    throw new WirekitError(
      ErrorCode.WS_CONTROL_TOO_LARGE,
      `close reason is ${bytes.length} bytes; at most ${MAX_CLOSE_REASON}`,
    );
  }
  return bytes;
}
