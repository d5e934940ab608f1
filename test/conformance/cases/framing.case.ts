/** Group 1: framing of text and binary messages at every length form (RFC 6455 §5.2, §5.6). */
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { OP } from '../wire-frame.js';

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

function payloadOf(length: number, binary: boolean): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = binary ? (i * 31 + 7) & 0xff : 0x2a;
  return out;
}

export const framingCases: readonly ConformanceCase[] = [
  ...LENGTHS.map(
    (length, i) =>
      ({
        id: `1.1.${i + 1}`,
        section: 'RFC 6455 §5.2, §5.6',
        title: `text message with payload length ${length}`,
        async run(peer) {
          const payload = payloadOf(length, false);
          peer.send({ opcode: OP.TEXT, payload });
          await peer.expectMessage(OP.TEXT, payload);
          await closeCleanly(peer);
        },
      }) satisfies ConformanceCase,
  ),
  {
    id: '1.1.8',
    section: 'RFC 6455 §5.2',
    title: 'text message of 65536 bytes sent in chunks of 997 bytes',
    async run(peer) {
      const payload = payloadOf(65536, false);
      peer.sendFrames([{ opcode: OP.TEXT, payload }], 997);
      await peer.expectMessage(OP.TEXT, payload);
      await closeCleanly(peer);
    },
  },
  ...LENGTHS.map(
    (length, i) =>
      ({
        id: `1.2.${i + 1}`,
        section: 'RFC 6455 §5.2, §5.6',
        title: `binary message with payload length ${length}`,
        async run(peer) {
          const payload = payloadOf(length, true);
          peer.send({ opcode: OP.BINARY, payload });
          await peer.expectMessage(OP.BINARY, payload);
          await closeCleanly(peer);
        },
      }) satisfies ConformanceCase,
  ),
  {
    id: '1.2.8',
    section: 'RFC 6455 §5.2',
    title: 'binary message of 65536 bytes sent in chunks of 997 bytes',
    async run(peer) {
      const payload = payloadOf(65536, true);
      peer.sendFrames([{ opcode: OP.BINARY, payload }], 997);
      await peer.expectMessage(OP.BINARY, payload);
      await closeCleanly(peer);
    },
  },
  {
    id: '1.3.1',
    section: 'RFC 6455 §5.2',
    title: 'frames sent one byte per write',
    async run(peer) {
      const payload = payloadOf(300, true);
      peer.sendFrames(
        [
          { opcode: OP.BINARY, payload },
          { opcode: OP.TEXT, payload: 'after' },
        ],
        1,
      );
      await peer.expectMessage(OP.BINARY, payload);
      await peer.expectMessage(OP.TEXT, 'after');
      await closeCleanly(peer);
    },
  },
  {
    id: '1.3.2',
    section: 'RFC 6455 §5.2',
    title: 'many frames in one write are all read',
    async run(peer) {
      const specs = Array.from({ length: 200 }, (_, i) => ({
        opcode: OP.TEXT,
        payload: `message ${i}`,
      }));
      peer.sendFrames(specs);
      for (const spec of specs) await peer.expectMessage(OP.TEXT, spec.payload);
      await closeCleanly(peer);
    },
  },
  {
    id: '1.3.3',
    section: 'RFC 6455 §5.2',
    title: 'a 64-bit length that is not minimal fails the connection with 1002',
    async run(peer) {
      peer.send({ opcode: OP.BINARY, payload: Buffer.from('abc'), lengthForm: 64 });
      await peer.expectClose(1002);
    },
  },
  {
    id: '1.3.4',
    section: 'RFC 6455 §5.2',
    title: 'a 16-bit length that is not minimal fails the connection with 1002',
    async run(peer) {
      peer.send({ opcode: OP.BINARY, payload: Buffer.from('abc'), lengthForm: 16 });
      await peer.expectClose(1002);
    },
  },
  {
    id: '1.3.5',
    section: 'RFC 6455 §5.2',
    title: 'a 64-bit length with the most significant bit set fails with 1002',
    async run(peer) {
      peer.send({ opcode: OP.BINARY, announcedLength: 0x8000_0000_0000_0001n });
      await peer.expectClose(1002);
    },
  },
  {
    id: '1.3.6',
    section: 'RFC 6455 §5.1, §5.3',
    title: 'a frame masked the wrong way for its direction fails with 1002',
    async run(peer) {
      // A client must mask, a server must not: do the opposite of what this peer should.
      peer.send({ opcode: OP.TEXT, payload: 'wrong mask', mask: peer.role === 'server' });
      await peer.expectClose(1002);
    },
  },
];
