/** Group 5: fragmentation (RFC 6455 §5.4). */
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { OP } from '../wire-frame.js';

export const fragmentationCases: readonly ConformanceCase[] = [
  {
    id: '5.1',
    section: 'RFC 6455 §5.4, §5.5',
    title: 'a fragmented ping fails the connection with 1002',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.PING, payload: 'frag', fin: false },
        { opcode: OP.CONT, payload: 'ment' },
      ]);
      await peer.expectClose(1002);
    },
  },
  {
    id: '5.2',
    section: 'RFC 6455 §5.4, §5.5',
    title: 'a fragmented pong fails the connection with 1002',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.PONG, payload: 'frag', fin: false },
        { opcode: OP.CONT, payload: 'ment' },
      ]);
      await peer.expectClose(1002);
    },
  },
  {
    id: '5.3',
    section: 'RFC 6455 §5.4',
    title: 'a text message in two fragments is one message',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: 'frag', fin: false },
        { opcode: OP.CONT, payload: 'ment' },
      ]);
      await peer.expectMessage(OP.TEXT, 'fragment');
      await closeCleanly(peer);
    },
  },
  {
    id: '5.4',
    section: 'RFC 6455 §5.4',
    title: 'a text message in two fragments, one byte per write',
    async run(peer) {
      peer.sendFrames(
        [
          { opcode: OP.TEXT, payload: 'frag', fin: false },
          { opcode: OP.CONT, payload: 'ment' },
        ],
        1,
      );
      await peer.expectMessage(OP.TEXT, 'fragment');
      await closeCleanly(peer);
    },
  },
  {
    id: '5.6',
    section: 'RFC 6455 §5.4, §5.5',
    title: 'a ping between two fragments is answered at once and the message completes',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: 'frag', fin: false },
        { opcode: OP.PING, payload: 'in between' },
        { opcode: OP.CONT, payload: 'ment' },
      ]);
      await peer.expectControl(OP.PONG, 'in between');
      await peer.expectMessage(OP.TEXT, 'fragment');
      await closeCleanly(peer);
    },
  },
  {
    id: '5.8',
    section: 'RFC 6455 §5.4, §5.5',
    title: 'a ping between fragments, everything one byte per write',
    async run(peer) {
      peer.sendFrames(
        [
          { opcode: OP.BINARY, payload: Buffer.from([1, 2, 3]), fin: false },
          { opcode: OP.PING, payload: 'ping' },
          { opcode: OP.CONT, payload: Buffer.from([4, 5]) },
        ],
        1,
      );
      await peer.expectControl(OP.PONG, 'ping');
      await peer.expectMessage(OP.BINARY, Buffer.from([1, 2, 3, 4, 5]));
      await closeCleanly(peer);
    },
  },
  {
    id: '5.9',
    section: 'RFC 6455 §5.4',
    title: 'a continuation frame (fin) with nothing to continue fails with 1002',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.CONT, payload: 'orphan' },
        { opcode: OP.TEXT, payload: 'not echoed' },
      ]);
      await peer.expectClose(1002);
    },
  },
  {
    id: '5.10',
    section: 'RFC 6455 §5.4',
    title: 'a continuation frame (not fin) with nothing to continue fails with 1002',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.CONT, payload: 'orphan', fin: false },
        { opcode: OP.CONT, payload: 'end' },
      ]);
      await peer.expectClose(1002);
    },
  },
  {
    id: '5.15',
    section: 'RFC 6455 §5.4',
    title: 'a new text frame inside a fragmented message fails with 1002',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: 'one', fin: false },
        { opcode: OP.CONT, payload: 'two', fin: false },
        { opcode: OP.TEXT, payload: 'three', fin: false },
        { opcode: OP.CONT, payload: 'four' },
      ]);
      await peer.expectClose(1002);
    },
  },
  {
    id: '5.16',
    section: 'RFC 6455 §5.4',
    title: 'a fragmented message after a complete one reuses nothing from it',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: 'first', fin: false },
        { opcode: OP.CONT, payload: ' message' },
        { opcode: OP.BINARY, payload: Buffer.from([9]), fin: false },
        { opcode: OP.CONT, payload: Buffer.from([8]), fin: false },
        { opcode: OP.CONT, payload: Buffer.from([7]) },
      ]);
      await peer.expectMessage(OP.TEXT, 'first message');
      await peer.expectMessage(OP.BINARY, Buffer.from([9, 8, 7]));
      await closeCleanly(peer);
    },
  },
  {
    id: '5.19',
    section: 'RFC 6455 §5.4, §5.5',
    title: 'a message in 5 fragments with pings between each is reassembled',
    async run(peer) {
      const parts = ['a', 'bb', 'ccc', 'dddd', 'eeeee'];
      const specs = parts.flatMap((payload, i) => [
        { opcode: i === 0 ? OP.TEXT : OP.CONT, payload, fin: i === parts.length - 1 },
        ...(i < parts.length - 1 ? [{ opcode: OP.PING, payload: `p${i}` }] : []),
      ]);
      peer.sendFrames(specs);
      for (let i = 0; i < parts.length - 1; i++) await peer.expectControl(OP.PONG, `p${i}`);
      await peer.expectMessage(OP.TEXT, parts.join(''));
      await closeCleanly(peer);
    },
  },
  {
    id: '5.20',
    section: 'RFC 6455 §5.4',
    title: 'zero-length fragments are part of the message',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: '', fin: false },
        { opcode: OP.CONT, payload: 'x', fin: false },
        { opcode: OP.CONT, payload: '' },
      ]);
      await peer.expectMessage(OP.TEXT, 'x');
      await closeCleanly(peer);
    },
  },
];
