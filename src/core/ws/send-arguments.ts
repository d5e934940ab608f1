/**
 * Argument checks of the send methods, shared by {@link WebSocketConnection} and an adapter
 * that drops sends on a closing connection: misuse throws the same typed error whatever state
 * the connection is in.
 */
import { ErrorCode, WirekitError } from '../errors.js';

/** §5.5: a control frame's payload is at most 125 bytes. */
export const MAX_CONTROL_PAYLOAD = 125;
const encoder = new TextEncoder();

/** Throws `ERR_INVALID_ARGUMENT` unless `data` is a string or a `Uint8Array` (a `Buffer` is
 * one): other values have no defined bytes to send. */
export function checkMessageData(data: unknown): asserts data is string | Uint8Array {
  if (typeof data !== 'string' && !(data instanceof Uint8Array)) {
    const what =
      data === null || typeof data !== 'object'
        ? String(typeof data)
        : (Object.getPrototypeOf(data)?.constructor?.name ?? 'object');
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `data to send is a string or a Uint8Array, not ${data === null ? 'null' : what}`,
    );
  }
}

/**
 * A ping or pong payload as bytes. Throws `ERR_INVALID_ARGUMENT` for a value that is not a
 * string or a `Uint8Array`, `ERR_WS_CONTROL_TOO_LARGE` past 125 bytes (§5.5).
 */
export function controlPayload(data: unknown): Uint8Array {
  checkMessageData(data);
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  if (bytes.length > MAX_CONTROL_PAYLOAD) {
    throw new WirekitError(
      ErrorCode.WS_CONTROL_TOO_LARGE,
      `control frame payload is ${bytes.length} bytes; at most ${MAX_CONTROL_PAYLOAD} (RFC 6455 §5.5)`,
    );
  }
  return bytes;
}
