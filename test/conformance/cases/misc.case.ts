/** Group 10: miscellaneous — interleavings and chunkings no other group covers. */
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { encodeFrame, OP } from '../wire-frame.js';

export const miscCases: readonly ConformanceCase[] = [
  {
    id: '10.1.1',
    section: 'RFC 6455 §5.4',
    title: 'a 65536-byte text message in 1300-byte fragments is one message',
    async run(peer) {
      const payload = Buffer.alloc(65536, 0x2a);
      const specs = [];
      for (let at = 0; at < payload.length; at += 1300) {
        specs.push({
          opcode: at === 0 ? OP.TEXT : OP.CONT,
          payload: payload.subarray(at, at + 1300),
          fin: at + 1300 >= payload.length,
        });
      }
      peer.sendFrames(specs);
      await peer.expectMessage(OP.TEXT, payload);
      await closeCleanly(peer);
    },
  },
  {
    id: '10.2.1',
    section: 'RFC 6455 §5.2',
    title: 'every split point of a masked/unmasked 16-bit-length frame reads the same',
    async run(peer) {
      const payload = Buffer.alloc(300, 0x61);
      const frame = encodeFrame({ opcode: OP.TEXT, payload, mask: peer.role === 'client' });
      // Split the frame at each of the first 20 byte positions (inside the header and key).
      for (let split = 1; split < 20; split++) {
        peer.sendBytes(frame.subarray(0, split));
        peer.sendBytes(frame.subarray(split));
        await peer.expectMessage(OP.TEXT, payload);
      }
      await closeCleanly(peer);
    },
  },
  {
    id: '10.3.1',
    section: 'RFC 6455 §5.5.1, §7.1.2',
    title: 'messages queued before a close all arrive before the close frame',
    async run(peer) {
      const messages = Array.from({ length: 100 }, (_, i) => `m${i}`);
      peer.sendFrames([
        ...messages.map((payload) => ({ opcode: OP.TEXT, payload })),
        { opcode: OP.CLOSE, payload: Buffer.from([0x03, 0xe8]) },
      ]);
      for (const message of messages) await peer.expectMessage(OP.TEXT, message);
      await peer.expectClose(1000);
    },
  },
];
