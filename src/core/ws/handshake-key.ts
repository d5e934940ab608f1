/**
 * The opening handshake's key and accept values (RFC 6455 §4.1, §4.2.2).
 *
 * The client sends a random 16-byte nonce as base64 in `Sec-WebSocket-Key`; the server proves
 * it understood WebSocket by answering `base64(SHA-1(key + GUID))` in `Sec-WebSocket-Accept`.
 */
import { base64Decode, base64Encode } from '../bytes/base64.js';
import { type Platform, portablePlatform } from '../platform.js';

/** The GUID of RFC 6455 §1.3, appended to the key before hashing. */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

const encoder = new TextEncoder();

/** A fresh `Sec-WebSocket-Key`: 16 random bytes, base64 (§4.1, client requirement 7). */
export function generateKey(platform: Platform = portablePlatform): string {
  const nonce = new Uint8Array(16);
  platform.fillRandom(nonce);
  return base64Encode(nonce);
}

/**
 * The `Sec-WebSocket-Accept` value for `key` (§4.2.2 step 5.4).
 *
 * @example
 * ```ts
 * computeAccept('dGhlIHNhbXBsZSBub25jZQ=='); // 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=' (§1.3)
 * ```
 */
export function computeAccept(key: string, platform: Platform = portablePlatform): string {
  return base64Encode(platform.sha1(encoder.encode(key + WEBSOCKET_GUID)));
}

/** Is `key` base64 of exactly 16 bytes (§4.2.1 item 5)? */
export function isValidKey(key: string): boolean {
  return key.length === 24 && base64Decode(key)?.length === 16;
}
