/** Group 6: UTF-8 in text messages (RFC 6455 §5.6, §8.1; RFC 3629). */
import { type ConformanceCase, closeCleanly } from '../conformance-case.js';
import { OP } from '../wire-frame.js';

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

/** Valid texts: each must be echoed byte for byte. */
const VALID: readonly [string, Buffer][] = [
  ['empty text', Buffer.alloc(0)],
  ['ASCII and Latin-1 supplement', Buffer.from('Hello-µ@ßöäüàá-UTF-8!!')],
  ['Greek "kosme"', hex('cebae1bdb9cf83cebcceb5')],
  ['first code point of each length', hex('00 c280 e0a080 f0908080')],
  ['last code point of each length', hex('7f dfbf efbfbf f48fbfbf')],
  ['boundaries around the surrogates', hex('ed9fbf ee8080 efbfbd')],
  ['noncharacters U+FFFE and U+FFFF are valid UTF-8', hex('efbfbe efbfbf')],
];

/** Invalid byte strings: each must fail the connection with 1007. */
const INVALID: readonly [string, Buffer][] = [
  ['a lone continuation byte', hex('80')],
  ['a truncated two-byte sequence', hex('c2')],
  ['a truncated four-byte sequence at the end', hex('cebae1bdb9cf83cebcceb5 f4908080')],
  ['an overlong "/" (2 bytes)', hex('c0af')],
  ['an overlong "/" (3 bytes)', hex('e080af')],
  ['an overlong NUL (4 bytes)', hex('f0808080')],
  ['a UTF-16 surrogate (U+D800)', hex('eda080')],
  ['a UTF-16 surrogate pair (U+D800 U+DC00)', hex('eda080 edb080')],
  ['a code point above U+10FFFF', hex('f4908080')],
  ['the bytes FE and FF', hex('fe ff')],
  ['a 5-byte sequence', hex('f888808080')],
  [
    'an invalid byte after valid text',
    Buffer.concat([Buffer.from('valid text '), hex('ff'), Buffer.from(' more')]),
  ],
];

export const utf8Cases: readonly ConformanceCase[] = [
  ...VALID.map(
    ([title, payload], i) =>
      ({
        id: `6.1.${i + 1}`,
        section: 'RFC 6455 §5.6',
        title: `valid UTF-8 is echoed: ${title}`,
        async run(peer) {
          peer.send({ opcode: OP.TEXT, payload });
          await peer.expectMessage(OP.TEXT, payload);
          await closeCleanly(peer);
        },
      }) satisfies ConformanceCase,
  ),
  ...VALID.map(
    ([title, payload], i) =>
      ({
        id: `6.2.${i + 1}`,
        section: 'RFC 6455 §5.4, §5.6',
        title: `valid UTF-8 fragmented after every byte (code points split): ${title}`,
        async run(peer) {
          if (payload.length === 0) {
            peer.send({ opcode: OP.TEXT, payload });
          } else {
            peer.sendFrames(
              [...payload].map((byte, j) => ({
                opcode: j === 0 ? OP.TEXT : OP.CONT,
                payload: Buffer.from([byte]),
                fin: j === payload.length - 1,
              })),
            );
          }
          await peer.expectMessage(OP.TEXT, payload);
          await closeCleanly(peer);
        },
      }) satisfies ConformanceCase,
  ),
  ...INVALID.map(
    ([title, payload], i) =>
      ({
        id: `6.3.${i + 1}`,
        section: 'RFC 6455 §8.1',
        title: `invalid UTF-8 fails the connection with 1007: ${title}`,
        async run(peer) {
          peer.send({ opcode: OP.TEXT, payload });
          await peer.expectClose(1007);
        },
      }) satisfies ConformanceCase,
  ),
  ...INVALID.map(
    ([title, payload], i) =>
      ({
        id: `6.4.${i + 1}`,
        section: 'RFC 6455 §8.1',
        title: `invalid UTF-8 sent one byte per write fails with 1007: ${title}`,
        async run(peer) {
          peer.sendFrames([{ opcode: OP.TEXT, payload }], 1);
          await peer.expectClose(1007);
        },
      }) satisfies ConformanceCase,
  ),
  {
    id: '6.5.1',
    section: 'RFC 6455 §8.1',
    title: 'fail fast: invalid UTF-8 in the first fragment closes before the message ends',
    async run(peer) {
      // Only the first fragment is sent; the rest never comes. The endpoint must not wait.
      peer.send({
        opcode: OP.TEXT,
        payload: Buffer.concat([Buffer.from('κόσμε'), hex('eda080')]),
        fin: false,
      });
      await peer.expectClose(1007);
    },
  },
  {
    id: '6.5.2',
    section: 'RFC 6455 §8.1',
    title: 'fail fast: invalid UTF-8 in the first part of a frame closes before the frame ends',
    async run(peer) {
      // A frame announcing 1000 bytes of which only an invalid start is sent.
      const frame = Buffer.concat([
        Buffer.from([0x81, peer.role === 'client' ? 0xfe : 0x7e, 0x03, 0xe8]),
        ...(peer.role === 'client' ? [Buffer.alloc(4)] : []),
        hex('cebae1bdb9cf83 f8'),
      ]);
      peer.sendBytes(frame);
      await peer.expectClose(1007);
    },
  },
  {
    id: '6.5.3',
    section: 'RFC 6455 §8.1',
    title: 'a code point split across fragments where the second part is invalid fails with 1007',
    async run(peer) {
      peer.sendFrames([
        { opcode: OP.TEXT, payload: hex('e282'), fin: false },
        { opcode: OP.CONT, payload: hex('28') },
      ]);
      await peer.expectClose(1007);
    },
  },
];
