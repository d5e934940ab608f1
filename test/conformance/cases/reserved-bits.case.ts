/** Group 3: reserved bits without a negotiated extension (RFC 6455 §5.2). */
import type { ConformanceCase } from '../conformance-case.js';
import { OP } from '../wire-frame.js';

/** [id, rsv bits, opcode, title] */
const CASES: readonly [string, number, number, string][] = [
  ['3.1', 0b100, OP.TEXT, 'text frame with RSV1 set'],
  ['3.2', 0b010, OP.TEXT, 'text frame with RSV2 set, after a valid text message'],
  ['3.3', 0b110, OP.TEXT, 'text frame with RSV1 and RSV2 set, after a valid text message'],
  ['3.4', 0b001, OP.TEXT, 'text frame with RSV3 set, after a valid message'],
  ['3.5', 0b101, OP.BINARY, 'binary frame with RSV1 and RSV3 set'],
  ['3.6', 0b011, OP.PING, 'ping with RSV2 and RSV3 set'],
  ['3.7', 0b111, OP.CLOSE, 'close with all reserved bits set'],
];

export const reservedBitsCases: readonly ConformanceCase[] = CASES.map(
  ([id, rsv, opcode, title]) => ({
    id,
    section: 'RFC 6455 §5.2',
    title: `${title} fails the connection with 1002`,
    async run(peer) {
      // A valid message first, then the bad frame, then a ping that must not be answered.
      peer.sendFrames([
        { opcode: OP.TEXT, payload: 'valid' },
        {
          opcode,
          rsv,
          payload: opcode === OP.CLOSE ? Buffer.from([0x03, 0xe8]) : Buffer.from('bad'),
        },
        { opcode: OP.PING },
      ]);
      await peer.expectMessage(OP.TEXT, 'valid');
      await peer.expectClose(1002);
    },
  }),
);
