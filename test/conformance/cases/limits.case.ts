/** Group 9: large and many messages, and the message size limit (RFC 6455 §5.4, §7.4.1, §10.4). */
import { randomBytes } from 'node:crypto';
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { TARGET_LIMITS } from '../targets.js';
import { OP } from '../wire-frame.js';

const MiB = 1024 * 1024;
const SIZES = [64 * 1024, 256 * 1024, MiB, 4 * MiB, 16 * MiB];

function label(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`;
}

export const limitsCases: readonly ConformanceCase[] = [
  ...SIZES.map(
    (size, i) =>
      ({
        id: `9.1.${i + 1}`,
        section: 'RFC 6455 §5.6',
        title: `a ${label(size)} text message is echoed`,
        async run(peer) {
          const payload = Buffer.alloc(size, 0x2a);
          peer.send({ opcode: OP.TEXT, payload });
          await peer.expectMessage(OP.TEXT, payload);
          await closeCleanly(peer);
        },
      }) satisfies ConformanceCase,
  ),
  ...SIZES.map(
    (size, i) =>
      ({
        id: `9.2.${i + 1}`,
        section: 'RFC 6455 §5.6',
        title: `a ${label(size)} binary message is echoed`,
        async run(peer) {
          const payload = randomBytes(size);
          peer.send({ opcode: OP.BINARY, payload });
          await peer.expectMessage(OP.BINARY, payload);
          await closeCleanly(peer);
        },
      }) satisfies ConformanceCase,
  ),
  {
    id: '9.3.1',
    section: 'RFC 6455 §5.4',
    title: 'a 4 MiB message in 64-byte fragments is echoed',
    async run(peer) {
      const payload = randomBytes(4 * MiB);
      const specs = [];
      for (let at = 0; at < payload.length; at += 64) {
        specs.push({
          opcode: at === 0 ? OP.BINARY : OP.CONT,
          payload: payload.subarray(at, at + 64),
          fin: at + 64 >= payload.length,
        });
      }
      peer.sendFrames(specs);
      await peer.expectMessage(OP.BINARY, payload);
      await closeCleanly(peer);
    },
  },
  {
    id: '9.7.1',
    section: 'RFC 6455 §5.6',
    title: '1,000 small text messages are echoed in order',
    async run(peer) {
      const messages = Array.from({ length: 1000 }, (_, i) => `message number ${i}`);
      peer.sendFrames(messages.map((payload) => ({ opcode: OP.TEXT, payload })));
      for (const message of messages) await peer.expectMessage(OP.TEXT, message);
      await closeCleanly(peer);
    },
  },
  {
    id: '9.9.1',
    section: 'RFC 6455 §7.4.1, §10.4',
    title:
      'a frame announcing more than the message limit fails with 1009 before its payload arrives',
    async run(peer) {
      // Only the header: the endpoint must refuse on the announced length alone.
      peer.send({ opcode: OP.BINARY, announcedLength: BigInt(TARGET_LIMITS.maxMessageSize!) + 1n });
      await peer.expectClose(1009);
    },
  },
  {
    id: '9.9.2',
    section: 'RFC 6455 §7.4.1, §10.4',
    title: 'fragments adding up past the message limit fail with 1009',
    async run(peer) {
      const half = TARGET_LIMITS.maxMessageSize! / 2;
      peer.send({ opcode: OP.BINARY, payload: Buffer.alloc(half), fin: false });
      peer.send({ opcode: OP.CONT, payload: Buffer.alloc(half), fin: false });
      peer.send({ opcode: OP.CONT, announcedLength: 1n });
      await peer.expectClose(1009);
    },
  },
  {
    id: '9.9.3',
    section: 'RFC 6455 §10.4',
    title: 'a frame announcing 2^62 bytes fails with 1009 at once',
    async run(peer) {
      peer.send({ opcode: OP.TEXT, announcedLength: 2n ** 62n });
      await peer.expectClose(1009);
    },
  },
];
