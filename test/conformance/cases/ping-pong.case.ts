/** Group 2: pings and pongs (RFC 6455 §5.5.2, §5.5.3). */
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { OP } from '../wire-frame.js';

const binary125 = Buffer.from(Array.from({ length: 125 }, (_, i) => (i * 7) & 0xff));

export const pingPongCases: readonly ConformanceCase[] = [
  {
    id: '2.1',
    section: 'RFC 6455 §5.5.2',
    title: 'a ping without payload is answered by a pong without payload',
    async run(peer) {
      peer.send({ opcode: OP.PING });
      await peer.expectControl(OP.PONG);
      await closeCleanly(peer);
    },
  },
  {
    id: '2.2',
    section: 'RFC 6455 §5.5.2',
    title: 'a ping with a text payload is answered with the same payload',
    async run(peer) {
      peer.send({ opcode: OP.PING, payload: 'Hello, world!' });
      await peer.expectControl(OP.PONG, 'Hello, world!');
      await closeCleanly(peer);
    },
  },
  {
    id: '2.3',
    section: 'RFC 6455 §5.5.2',
    title: 'a ping with a binary payload is answered with the same payload',
    async run(peer) {
      const payload = Buffer.from([0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff]);
      peer.send({ opcode: OP.PING, payload });
      await peer.expectControl(OP.PONG, payload);
      await closeCleanly(peer);
    },
  },
  {
    id: '2.4',
    section: 'RFC 6455 §5.5',
    title: 'a ping with the largest payload (125 bytes) is answered',
    async run(peer) {
      peer.send({ opcode: OP.PING, payload: binary125 });
      await peer.expectControl(OP.PONG, binary125);
      await closeCleanly(peer);
    },
  },
  {
    id: '2.5',
    section: 'RFC 6455 §5.5',
    title: 'a ping with 126 bytes of payload fails the connection with 1002',
    async run(peer) {
      peer.send({ opcode: OP.PING, payload: Buffer.alloc(126, 0xfe) });
      await peer.expectClose(1002);
    },
  },
  {
    id: '2.6',
    section: 'RFC 6455 §5.5.2',
    title: 'a 125-byte ping sent one byte per write is answered',
    async run(peer) {
      peer.sendFrames([{ opcode: OP.PING, payload: binary125 }], 1);
      await peer.expectControl(OP.PONG, binary125);
      await closeCleanly(peer);
    },
  },
  {
    id: '2.7',
    section: 'RFC 6455 §5.5.3',
    title: 'an unsolicited pong is not answered',
    async run(peer) {
      peer.send({ opcode: OP.PONG });
      peer.send({ opcode: OP.PING, payload: 'after the pong' });
      // The first thing back must be the answer to the ping, not anything for the pong.
      await peer.expectControl(OP.PONG, 'after the pong');
      await closeCleanly(peer);
    },
  },
  {
    id: '2.8',
    section: 'RFC 6455 §5.5.3',
    title: 'an unsolicited pong with a payload is not answered',
    async run(peer) {
      peer.send({ opcode: OP.PONG, payload: 'unsolicited' });
      peer.send({ opcode: OP.TEXT, payload: 'next' });
      await peer.expectMessage(OP.TEXT, 'next');
      await closeCleanly(peer);
    },
  },
  {
    id: '2.10',
    section: 'RFC 6455 §5.5.2',
    title: 'ten pings in one write get ten pongs in order',
    async run(peer) {
      const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
      peer.sendFrames(payloads.map((payload) => ({ opcode: OP.PING, payload })));
      for (const payload of payloads) await peer.expectControl(OP.PONG, payload);
      await closeCleanly(peer);
    },
  },
  {
    id: '2.11',
    section: 'RFC 6455 §5.5.2',
    title: 'ten pings sent one byte per write get ten pongs in order',
    async run(peer) {
      const payloads = Array.from({ length: 10 }, (_, i) => `payload-${i}`);
      peer.sendFrames(
        payloads.map((payload) => ({ opcode: OP.PING, payload })),
        1,
      );
      for (const payload of payloads) await peer.expectControl(OP.PONG, payload);
      await closeCleanly(peer);
    },
  },
];
