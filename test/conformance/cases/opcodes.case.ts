/** Group 4: reserved opcodes (RFC 6455 §5.2, §11.8). */
import type { ConformanceCase } from '../conformance-case.js';
import { OP } from '../wire-frame.js';

const RESERVED = [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf];

export const opcodeCases: readonly ConformanceCase[] = RESERVED.flatMap((opcode, i) => {
  const group = opcode < 8 ? 1 : 2;
  const n = opcode < 8 ? i + 1 : i - 4;
  return [
    {
      id: `4.${group}.${n}`,
      section: 'RFC 6455 §5.2',
      title: `reserved ${opcode < 8 ? 'non-control' : 'control'} opcode ${opcode} fails the connection with 1002`,
      async run(peer) {
        peer.sendFrames([
          { opcode: OP.TEXT, payload: 'valid' },
          { opcode, payload: 'reserved' },
          { opcode: OP.PING },
        ]);
        await peer.expectMessage(OP.TEXT, 'valid');
        await peer.expectClose(1002);
      },
    } satisfies ConformanceCase,
  ];
});
