/** Group 7: the closing handshake and close codes (RFC 6455 §5.5.1, §7.1–§7.4). */
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { closeBody, OP } from '../wire-frame.js';

const VALID_CODES = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

export const closeCases: readonly ConformanceCase[] = [
  {
    id: '7.1.1',
    section: 'RFC 6455 §5.5.1',
    title: 'a message then a close: the message is echoed, then the close',
    async run(peer) {
      peer.send({ opcode: OP.TEXT, payload: 'Hello World!' });
      await peer.expectMessage(OP.TEXT, 'Hello World!');
      await closeCleanly(peer);
    },
  },
  {
    id: '7.1.2',
    section: 'RFC 6455 §5.5.1',
    title: 'two close frames: only one close frame comes back',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.CLOSE, payload: closeBody(1000) },
        { opcode: OP.CLOSE, payload: closeBody(1000) },
      ]);
      await peer.expectClose(1000);
    },
  },
  {
    id: '7.1.3',
    section: 'RFC 6455 §5.5.1',
    title: 'a ping after the close frame is not answered',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.CLOSE, payload: closeBody(1000) },
        { opcode: OP.PING, payload: 'late' },
      ]);
      await peer.expectClose(1000);
    },
  },
  {
    id: '7.1.4',
    section: 'RFC 6455 §5.5.1',
    title: 'a text message after the close frame is not echoed',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.CLOSE, payload: closeBody(1000) },
        { opcode: OP.TEXT, payload: 'late' },
      ]);
      await peer.expectClose(1000);
    },
  },
  {
    id: '7.1.5',
    section: 'RFC 6455 §5.5.1',
    title: 'a close in the middle of a fragmented message is answered',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: 'frag', fin: false },
        { opcode: OP.CLOSE, payload: closeBody(1000) },
        { opcode: OP.CONT, payload: 'ment' },
      ]);
      await peer.expectClose(1000);
    },
  },
  {
    id: '7.3.1',
    section: 'RFC 6455 §5.5.1, §7.1.5',
    title: 'a close without a body is answered with a close without a body',
    async run(peer) {
      peer.send({ opcode: OP.CLOSE });
      await peer.expectClose(null);
    },
  },
  {
    id: '7.3.2',
    section: 'RFC 6455 §5.5.1',
    title: 'a close with a 1-byte body fails with 1002',
    async run(peer) {
      peer.send({ opcode: OP.CLOSE, payload: Buffer.from([0x03]) });
      await peer.expectClose(1002);
    },
  },
  {
    id: '7.3.3',
    section: 'RFC 6455 §5.5.1',
    title: 'a close with a code and no reason is echoed',
    async run(peer) {
      await closeCleanly(peer, 1000);
    },
  },
  {
    id: '7.3.4',
    section: 'RFC 6455 §5.5.1',
    title: 'a close with a code and a reason is answered with the code',
    async run(peer) {
      peer.send({ opcode: OP.CLOSE, payload: closeBody(1000, 'Hello World!') });
      await peer.expectClose(1000);
    },
  },
  {
    id: '7.3.5',
    section: 'RFC 6455 §5.5',
    title: 'a close with the longest reason (123 bytes) is answered',
    async run(peer) {
      peer.send({ opcode: OP.CLOSE, payload: closeBody(1000, '*'.repeat(123)) });
      await peer.expectClose(1000);
    },
  },
  {
    id: '7.3.6',
    section: 'RFC 6455 §5.5',
    title: 'a close with a 124-byte reason (126-byte payload) fails with 1002',
    async run(peer) {
      peer.send({ opcode: OP.CLOSE, payload: closeBody(1000, '*'.repeat(124)) });
      await peer.expectClose(1002);
    },
  },
  {
    id: '7.5.1',
    section: 'RFC 6455 §5.5.1, §8.1',
    title: 'a close reason that is not UTF-8 fails with 1007',
    async run(peer) {
      peer.send({
        opcode: OP.CLOSE,
        payload: closeBody(1000, Buffer.from('cebae1bdb9cf83cebcceb5eda080656469746564', 'hex')),
      });
      await peer.expectClose(1007);
    },
  },
  ...VALID_CODES.map(
    (code, i) =>
      ({
        id: `7.7.${i + 1}`,
        section: 'RFC 6455 §7.4',
        title: `close code ${code} is valid and echoed`,
        async run(peer) {
          await closeCleanly(peer, code);
        },
      }) satisfies ConformanceCase,
  ),
  ...INVALID_CODES.map(
    (code, i) =>
      ({
        id: `7.9.${i + 1}`,
        section: 'RFC 6455 §7.4',
        title: `close code ${code} is invalid on the wire and fails with 1002`,
        async run(peer) {
          peer.send({ opcode: OP.CLOSE, payload: closeBody(code) });
          await peer.expectClose(1002);
        },
      }) satisfies ConformanceCase,
  ),
];
