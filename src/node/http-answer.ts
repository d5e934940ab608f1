/**
 * The core's handshake answers (`core/ws/handshake-answer.ts`) as `Buffer`s, for the server's
 * raw sockets.
 */
import { refusalAnswer, switchingProtocolsAnswer } from '../core/ws/handshake-answer.js';
import type { HeaderPairs } from '../core/ws/header-source.js';

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** The 101 Switching Protocols head with the handshake's fields. */
export function switchingProtocols(headers: HeaderPairs): Buffer {
  return asBuffer(switchingProtocolsAnswer(headers));
}

/** A complete refusal: status, extra fields, a short text body, `Connection: close`. */
export function refusal(status: number, message: string, headers: HeaderPairs = []): Buffer {
  return asBuffer(refusalAnswer(status, message, headers));
}
