/**
 * Pre-encoded client frames for the load client: FIN set, the given opcode, a payload masked
 * with a random key (RFC 6455 §5.3: every client frame is masked). The client writes the same
 * bytes for every message it sends, so sending costs one `socket.write` and no encoding.
 *
 * @example
 * ```ts
 * const hello = maskedFrame(Buffer.from('Hello, World!'), Opcode.TEXT);
 * hello.length; // 2 (header) + 4 (mask) + 13
 * ```
 */
import { randomBytes } from 'node:crypto';

/** The opcodes the load client sends (RFC 6455 §5.2). */
export const Opcode = { TEXT: 0x1, BINARY: 0x2, CLOSE: 0x8 } as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** One complete masked frame carrying `payload`. */
export function maskedFrame(payload: Uint8Array, opcode: Opcode): Buffer {
  const length = payload.length;
  // §5.2: 7-bit length, or 126 + 16-bit, or 127 + 64-bit extended length.
  const lengthBytes = length < 126 ? 0 : length < 0x10000 ? 2 : 8;
  const header = 2 + lengthBytes + 4;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x80 | opcode;
  if (lengthBytes === 0) frame[1] = 0x80 | length;
  else if (lengthBytes === 2) {
    frame[1] = 0x80 | 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 0x80 | 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  const mask = randomBytes(4);
  mask.copy(frame, header - 4);
  for (let i = 0; i < length; i++) frame[header + i] = payload[i]! ^ mask[i & 3]!;
  return frame;
}

/** `count` copies of `frame` back to back, for writing many messages in one call. */
export function repeatFrame(frame: Uint8Array, count: number): Buffer {
  const out = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) out.set(frame, i * frame.length);
  return out;
}
