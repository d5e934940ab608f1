/** Frame opcodes (RFC 6455 §5.2, §11.8). */
export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}
