/**
 * Groups 12 and 13: permessage-deflate (RFC 7692), organised like Autobahn's compression
 * groups. 12.x: messages of many sizes, text and binary, with and without context takeover,
 * the RFC's own byte examples, fragmented and pipelined compressed messages, and bad input.
 * 13.x: every window size for `server_max_window_bits` and `client_max_window_bits`, each
 * direction checked by a receiver strict about the agreed window.
 *
 * The wirekit side echoes; it may compress an echo or not (§6: per message), so the peer
 * accepts both, checks RSV1 only on first frames (§6.1) and inflates when it is set.
 */
import assert from 'node:assert/strict';
import { constants, deflateRawSync } from 'node:zlib';
import { closeDeflateCleanly, type DeflateCase } from '../deflate-case.js';
import {
  incompressible,
  sizeLabel,
  skewedBinary,
  windowProbe,
  wordText,
} from '../deflate-payloads.js';
import type { AgreementRequest, DeflatePeer } from '../deflate-peer.js';
import { OP } from '../wire-frame.js';

const KiB = 1024;
/** Autobahn 12.x sizes, up to 256 KiB. */
const SIZES = [
  16,
  64,
  256,
  KiB,
  4 * KiB,
  8 * KiB,
  16 * KiB,
  32 * KiB,
  64 * KiB,
  128 * KiB,
  256 * KiB,
];
const WINDOWS = [9, 10, 11, 12, 13, 14, 15];
/** Messages per size: later ones can refer to earlier ones when the context is kept. */
const ROUNDS = 3;

const TAKEOVER: AgreementRequest = {};
const NO_TAKEOVER: AgreementRequest = {
  serverNoContextTakeover: true,
  clientNoContextTakeover: true,
};

const hex = (text: string): Buffer => Buffer.from(text.replace(/ /g, ''), 'hex');

/** §7.2.3.1: "Hello" compressed in one block of fixed Huffman codes. */
const HELLO = hex('f2 48 cd c9 c9 07 00');

/** Compress with a one-shot sync flush and drop the tail, independently of the peer. */
function oneShot(data: Buffer, options: { dictionary?: Buffer } = {}): Buffer {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH, ...options });
  return out.subarray(0, out.length - 4);
}

/** Send `count` messages of `size` bytes and expect each echoed. */
async function echoRounds(peer: DeflatePeer, opcode: number, size: number): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    const payload =
      opcode === OP.TEXT ? wordText(size, size + round) : skewedBinary(size, size + round);
    await peer.send(opcode, payload);
    await peer.expectMessage(opcode, payload);
  }
  await closeDeflateCleanly(peer);
}

function sizeCases(
  group: string,
  opcode: number,
  agreement: AgreementRequest,
  what: string,
): DeflateCase[] {
  return SIZES.map((size, i) => ({
    id: `${group}.${i + 1}`,
    section: 'RFC 7692 §7.2',
    title: `${ROUNDS} compressed ${opcode === OP.TEXT ? 'text' : 'binary'} messages of ${sizeLabel(size)} echoed, ${what}`,
    agreement,
    run: (peer) => echoRounds(peer, opcode, size),
  }));
}

/** Send hand-made compressed payloads and expect each to come back as `expected`. */
function rfcExample(
  id: string,
  section: string,
  title: string,
  agreement: AgreementRequest,
  payloads: readonly Buffer[],
  expected: string,
): DeflateCase {
  return {
    id,
    section,
    title,
    agreement,
    async run(peer) {
      for (const payload of payloads) {
        peer.sendFrames(OP.TEXT, payload, true);
        await peer.expectMessage(OP.TEXT, expected);
      }
      await closeDeflateCleanly(peer);
    },
  };
}

/** A frame sequence the wirekit side must reject with `code`, after a valid message. */
function failure(
  id: string,
  section: string,
  title: string,
  code: number,
  agreement: AgreementRequest | 'none',
  send: (peer: DeflatePeer) => Promise<void> | void,
): DeflateCase {
  return {
    id,
    section,
    title: `${title} fails the connection with ${code}`,
    agreement,
    async run(peer) {
      const valid = wordText(2 * KiB, 7);
      await peer.send(OP.TEXT, valid);
      await peer.expectMessage(OP.TEXT, valid);
      await send(peer);
      // A ping after the bad frame must not be answered: the connection is already failed.
      peer.raw.send({ opcode: OP.PING, payload: 'late' });
      await peer.raw.expectClose(code);
    },
  };
}

const group12: DeflateCase[] = [
  ...sizeCases('12.1', OP.TEXT, TAKEOVER, 'context takeover'),
  ...sizeCases('12.2', OP.BINARY, TAKEOVER, 'context takeover'),
  ...sizeCases('12.3', OP.TEXT, NO_TAKEOVER, 'no context takeover'),
  ...sizeCases('12.4', OP.BINARY, NO_TAKEOVER, 'no context takeover'),
  rfcExample(
    '12.5.1',
    'RFC 7692 §7.2.3.1',
    '"Hello" in fixed Huffman codes',
    TAKEOVER,
    [HELLO],
    'Hello',
  ),
  {
    id: '12.5.2',
    section: 'RFC 7692 §7.2.3.2',
    title: 'a second "Hello" that refers to the first through the kept window',
    async run(peer, target) {
      // A side in shared mode insists on no context takeover; then the window is not kept.
      const peerResets =
        target.side === 'server'
          ? peer.agreement!.clientNoContextTakeover
          : peer.agreement!.serverNoContextTakeover;
      assert.equal(peerResets, target.mode === 'shared', 'shared mode means no context takeover');
      for (const payload of [HELLO, peerResets ? HELLO : hex('f2 00 11 00 00')]) {
        peer.sendFrames(OP.TEXT, payload, true);
        await peer.expectMessage(OP.TEXT, 'Hello');
      }
      await closeDeflateCleanly(peer);
    },
  },
  rfcExample(
    '12.5.3',
    'RFC 7692 §7.2.3.2',
    'the same compressed "Hello" twice without context takeover',
    NO_TAKEOVER,
    [HELLO, HELLO],
    'Hello',
  ),
  rfcExample(
    '12.5.4',
    'RFC 7692 §7.2.3.3',
    'a message ended by a block with BFINAL set, twice, without context takeover',
    NO_TAKEOVER,
    [hex('f3 48 cd c9 c9 07 00 00'), hex('f3 48 cd c9 c9 07 00 00')],
    'Hello',
  ),
  rfcExample(
    // Regression: after a BFINAL block the inflater's stream had ended, and every later
    // message on a connection with context takeover inflated to nothing, silently.
    '12.5.5',
    'RFC 7692 §7.2.3.3',
    'a message ended by a block with BFINAL set, then a new stream, with context takeover',
    TAKEOVER,
    [hex('f3 48 cd c9 c9 07 00 00'), HELLO, hex('f3 48 cd c9 c9 07 00 00'), HELLO],
    'Hello',
  ),
  rfcExample(
    '12.5.6',
    'RFC 7692 §7.2.3.4',
    '"Hello" in two DEFLATE blocks',
    TAKEOVER,
    [hex('f2 48 05 00 00 00 ff ff ca c9 c9 07 00')],
    'Hello',
  ),
  rfcExample(
    '12.5.7',
    'RFC 7692 §7.2.3.5',
    '"Hello" in a stored (uncompressed) DEFLATE block',
    TAKEOVER,
    [hex('00 05 00 fa ff 48 65 6c 6c 6f 00')],
    'Hello',
  ),
  {
    // Regression: wirekit compressed an empty message after an earlier one to an empty
    // payload, which left the receiver's inflater inside a stored block header.
    id: '12.5.8',
    section: 'RFC 7692 §7.2.3.6',
    title: 'empty messages (compressed to the single octet 00) between others, both ways',
    async run(peer) {
      for (let i = 0; i < 3; i++) {
        const payload = wordText(2 * KiB, 80 + i);
        await peer.send(OP.TEXT, payload);
        await peer.expectMessage(OP.TEXT, payload);
        peer.sendFrames(OP.TEXT, hex('00'), true);
        await peer.expectMessage(OP.TEXT, '');
        await peer.send(OP.BINARY, Buffer.alloc(0));
        await peer.expectMessage(OP.BINARY, Buffer.alloc(0));
      }
      await closeDeflateCleanly(peer);
    },
  },
  rfcExample(
    '12.5.9',
    'RFC 7692 §7.2.1',
    'a message whose sender kept the 00 00 ff ff tail',
    TAKEOVER,
    [hex('f2 48 cd c9 c9 07 00 00 00 ff ff')],
    'Hello',
  ),
  {
    id: '12.5.10',
    section: 'RFC 7692 §6.1',
    title: 'a compressed message in 3 frames with a ping between them (RSV1 on the first only)',
    async run(peer) {
      for (const [opcode, payload] of [
        [OP.TEXT, wordText(64 * KiB, 5)],
        [OP.BINARY, skewedBinary(20 * KiB, 6)],
      ] as const) {
        await peer.send(opcode, payload, { frames: 3, pingBetween: true });
        await peer.raw.expectControl(OP.PONG, 'between');
        await peer.expectMessage(opcode, payload);
      }
      await closeDeflateCleanly(peer);
    },
  },
  {
    id: '12.5.11',
    section: 'RFC 7692 §6',
    title: 'uncompressed messages between compressed ones leave both windows as they were',
    async run(peer) {
      for (let i = 0; i < 6; i++) {
        const payload = wordText(3 * KiB, 40 + i);
        await peer.send(OP.TEXT, payload, { compress: i % 2 === 1 });
        await peer.expectMessage(OP.TEXT, payload);
      }
      await closeDeflateCleanly(peer);
    },
  },
  {
    id: '12.5.12',
    section: 'RFC 7692 §7.2.2',
    title: '100 compressed messages in one write, echoed in order',
    async run(peer) {
      const payloads = Array.from({ length: 100 }, (_, i) => wordText(100 + i * 37, 300 + i));
      const bodies: Buffer[] = [];
      for (const payload of payloads) bodies.push(await peer.deflate(payload));
      peer.raw.sendFrames(bodies.map((payload) => ({ opcode: OP.TEXT, rsv: 0b100, payload })));
      for (const payload of payloads) await peer.expectMessage(OP.TEXT, payload);
      await closeDeflateCleanly(peer);
    },
  },
  {
    id: '12.5.13',
    section: 'RFC 7692 §7.2.2',
    title: 'compressed messages delivered 7 bytes per write',
    async run(peer) {
      const payloads = [wordText(5 * KiB, 61), skewedBinary(3 * KiB, 62)];
      const frames: Buffer[] = [];
      for (const payload of payloads) frames.push(await peer.deflate(payload));
      peer.raw.sendFrames(
        [
          { opcode: OP.TEXT, rsv: 0b100, payload: frames[0]! },
          { opcode: OP.BINARY, rsv: 0b100, payload: frames[1]! },
        ],
        7,
      );
      await peer.expectMessage(OP.TEXT, payloads[0]!);
      await peer.expectMessage(OP.BINARY, payloads[1]!);
      await closeDeflateCleanly(peer);
    },
  },
  {
    id: '12.5.14',
    section: 'RFC 7692 §6',
    title: 'incompressible messages (they do not shrink) echoed, then compressible ones',
    async run(peer) {
      for (let i = 0; i < 8; i++) {
        const payload = i % 2 === 0 ? incompressible(4 * KiB) : wordText(4 * KiB, 90 + i);
        await peer.send(OP.BINARY, payload);
        await peer.expectMessage(OP.BINARY, payload);
      }
      await closeDeflateCleanly(peer);
    },
  },
  {
    id: '12.5.15',
    section: 'RFC 7692 §7.2.2',
    title: 'a message that inflates to exactly the size limit is delivered',
    async run(peer, target) {
      const payload = Buffer.alloc(target.maxMessageSize, 0x41);
      await peer.send(OP.BINARY, payload);
      await peer.expectMessage(OP.BINARY, payload);
      await closeDeflateCleanly(peer);
    },
  },
  // --- bad input
  failure(
    '12.6.1',
    'RFC 7692 §7.2.2',
    'RSV1 data that is not DEFLATE (reserved block type)',
    1007,
    TAKEOVER,
    (peer) => peer.sendFrames(OP.BINARY, hex('ff ff ff ff 00 11'), true),
  ),
  failure(
    '12.6.2',
    'RFC 7692 §7.2.2',
    'RSV1 data that refers back before its stream began',
    1007,
    NO_TAKEOVER,
    (peer) =>
      peer.sendFrames(
        OP.TEXT,
        oneShot(Buffer.from('a preset dictionary, a preset dictionary'), {
          dictionary: Buffer.from('a preset dictionary, a preset dictionary'),
        }),
        true,
      ),
  ),
  failure('12.6.3', 'RFC 7692 §6.1', 'a ping with RSV1', 1002, TAKEOVER, (peer) =>
    peer.raw.send({ opcode: OP.PING, rsv: 0b100, payload: oneShot(Buffer.from('ping')) }),
  ),
  failure('12.6.4', 'RFC 7692 §6.1', 'a pong with RSV1', 1002, TAKEOVER, (peer) =>
    peer.raw.send({ opcode: OP.PONG, rsv: 0b100, payload: 'pong' }),
  ),
  failure('12.6.5', 'RFC 7692 §6.1', 'a close frame with RSV1', 1002, TAKEOVER, (peer) =>
    peer.raw.send({ opcode: OP.CLOSE, rsv: 0b100, payload: hex('03 e8') }),
  ),
  failure(
    '12.6.6',
    'RFC 7692 §6.1',
    'RSV1 on the continuation of a compressed message',
    1002,
    TAKEOVER,
    async (peer) => {
      const body = await peer.deflate(wordText(4 * KiB, 11));
      peer.raw.sendFrames([
        { opcode: OP.TEXT, rsv: 0b100, fin: false, payload: body.subarray(0, 100) },
        { opcode: OP.CONT, rsv: 0b100, payload: body.subarray(100) },
      ]);
    },
  ),
  failure(
    '12.6.7',
    'RFC 7692 §6.1',
    'RSV1 on the continuation of an uncompressed message',
    1002,
    TAKEOVER,
    (peer) =>
      peer.raw.sendFrames([
        { opcode: OP.BINARY, fin: false, payload: 'plain' },
        { opcode: OP.CONT, rsv: 0b100, payload: oneShot(Buffer.from('more')) },
      ]),
  ),
  failure(
    '12.6.8',
    'RFC 6455 §5.2',
    'RSV2 with only permessage-deflate agreed',
    1002,
    TAKEOVER,
    (peer) => peer.raw.send({ opcode: OP.TEXT, rsv: 0b110, payload: HELLO }),
  ),
  failure(
    '12.6.9',
    'RFC 6455 §5.2',
    'RSV3 with only permessage-deflate agreed',
    1002,
    TAKEOVER,
    (peer) => peer.raw.send({ opcode: OP.BINARY, rsv: 0b001, payload: 'x' }),
  ),
  {
    id: '12.6.10',
    section: 'RFC 7692 §6',
    title:
      'RSV1 without the extension agreed (though the wirekit side has deflate on) fails the connection with 1002',
    agreement: 'none',
    async run(peer) {
      assert.equal(peer.agreement, undefined, 'no extension agreed');
      peer.raw.send({ opcode: OP.TEXT, payload: 'plain' });
      await peer.expectMessage(OP.TEXT, 'plain');
      peer.raw.send({ opcode: OP.TEXT, rsv: 0b100, payload: HELLO });
      await peer.raw.expectClose(1002);
    },
  },
  failure(
    '12.6.11',
    'RFC 7692 §7.2.2, RFC 6455 §8.1',
    'a compressed text message that inflates to invalid UTF-8',
    1007,
    TAKEOVER,
    async (peer) =>
      peer.sendFrames(
        OP.TEXT,
        await peer.deflate(Buffer.concat([wordText(KiB, 3), hex('ed a0 80')])),
        true,
      ),
  ),
  failure(
    '12.6.12',
    'RFC 7692 §7.2.2, RFC 6455 §10.4',
    'a decompression bomb (10 MiB of zeros in about 10 KiB)',
    1009,
    NO_TAKEOVER,
    (peer) => peer.sendFrames(OP.BINARY, oneShot(Buffer.alloc(10 * 1024 * KiB)), true),
  ),
  {
    id: '12.6.13',
    section: 'RFC 7692 §7.2.2, RFC 6455 §10.4',
    title: 'a message that inflates to one byte over the size limit fails the connection with 1009',
    agreement: NO_TAKEOVER,
    async run(peer, target) {
      peer.sendFrames(OP.BINARY, oneShot(Buffer.alloc(target.maxMessageSize + 1, 0x41)), true);
      await peer.raw.expectClose(1009);
    },
  },
];

/**
 * Window cases: one probe sized for the window the wirekit side compresses with (its echo is
 * inflated strictly, so a larger window fails), one for the window the peer compresses with
 * (the wirekit side must inflate with at least that window).
 */
function windowCase(
  id: string,
  agreement: AgreementRequest,
  title: string,
  check: (peer: DeflatePeer) => void,
): DeflateCase {
  return {
    id,
    section: 'RFC 7692 §7.1.2',
    title,
    agreement,
    strictWindow: true,
    async run(peer, target) {
      check(peer);
      const agreed = peer.agreement!;
      const server = target.side === 'server';
      const wirekitBits = server ? agreed.serverMaxWindowBits : agreed.clientMaxWindowBits;
      const peerBits = server ? agreed.clientMaxWindowBits : agreed.serverMaxWindowBits;
      const ours = windowProbe(wirekitBits);
      // The second copy of `ours` also repeats it across a message boundary.
      const messages: [number, Buffer][] = [
        [OP.BINARY, ours],
        [OP.BINARY, ours],
        [OP.TEXT, windowProbe(peerBits, true)],
        [OP.TEXT, wordText(3 * KiB, wirekitBits)],
      ];
      for (const [opcode, payload] of messages) {
        await peer.send(opcode, payload);
        await peer.expectMessage(opcode, payload);
      }
      await closeDeflateCleanly(peer);
    },
  };
}

const group13: DeflateCase[] = [
  ...WINDOWS.map((n, i) =>
    windowCase(
      `13.1.${i + 1}`,
      { serverMaxWindowBits: n },
      `server_max_window_bits=${n}: the wirekit side keeps to its window`,
      (peer) => assert.equal(peer.agreement?.serverMaxWindowBits, n, 'server window agreed'),
    ),
  ),
  ...WINDOWS.map((n, i) =>
    windowCase(
      `13.2.${i + 1}`,
      { clientMaxWindowBits: n },
      `client_max_window_bits=${n}: each side keeps to the client window`,
      (peer) => assert.equal(peer.agreement?.clientMaxWindowBits, n, 'client window agreed'),
    ),
  ),
  ...WINDOWS.map((n, i) =>
    windowCase(
      `13.3.${i + 1}`,
      { serverMaxWindowBits: n, clientMaxWindowBits: n, ...NO_TAKEOVER },
      `both windows ${n} bits, no context takeover`,
      (peer) => {
        assert.equal(peer.agreement?.serverMaxWindowBits, n);
        assert.equal(peer.agreement?.clientMaxWindowBits, n);
        assert.ok(
          peer.agreement?.serverNoContextTakeover && peer.agreement.clientNoContextTakeover,
        );
      },
    ),
  ),
  ...WINDOWS.map((n, i) =>
    windowCase(
      `13.4.${i + 1}`,
      {
        serverMaxWindowBits: n,
        clientMaxWindowBits: 24 - n,
        serverNoContextTakeover: n % 2 === 0,
        clientNoContextTakeover: n % 2 === 1,
      },
      `server window ${n} bits, client window ${24 - n} bits, ${n % 2 === 0 ? 'server' : 'client'}_no_context_takeover`,
      (peer) => {
        assert.equal(peer.agreement?.serverMaxWindowBits, n);
        assert.equal(peer.agreement?.clientMaxWindowBits, 24 - n);
      },
    ),
  ),
];

export const compressionCases: readonly DeflateCase[] = [...group12, ...group13];
