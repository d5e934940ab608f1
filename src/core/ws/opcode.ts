/** Frame opcodes (RFC 6455 §5.2, §11.8). */
export const Opcode = {
  /** 0x0: a later fragment of a fragmented message (RFC 6455 §5.4). */
  CONTINUATION: 0x0,
  /** 0x1: a text message (or its first fragment), UTF-8 encoded (§5.6). */
  TEXT: 0x1,
  /** 0x2: a binary message (or its first fragment) (§5.6). */
  BINARY: 0x2,
  /** 0x8: close control frame, optionally with a status code and reason (§5.5.1). */
  CLOSE: 0x8,
  /** 0x9: ping control frame; the receiver answers with a pong (§5.5.2). */
  PING: 0x9,
  /** 0xA: pong control frame, an answer to a ping or an unsolicited heartbeat (§5.5.3). */
  PONG: 0xa,
} as const;

export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Control frames have the high bit of the opcode set (RFC 6455 §5.5). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}
