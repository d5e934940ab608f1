/**
 * Fuzz target 1: the frame reader (src/core/ws/frame-reader.ts), both roles, with and without
 * the compression hook (RSV1 allowed, an identity inflater checking text as the connection
 * does), with and without reused buffers.
 *
 * Input: byte 0 picks the configuration, byte 1 salts the chunking, the rest is the byte
 * stream from the peer. Oracles:
 * - ws's Receiver (fuzz/oracles/ws-receiver.ts) reads the same stream with the same limit and
 *   must give the same messages, control frames, close and error code;
 * - any chunking gives the same events as the whole stream;
 * - no allocation passes the message limit, or grows faster than the bytes that arrived
 *   (besides one exact slab of up to 64 KiB for a message whose size is known); after
 *   NEED_DATA at most a partial header (13 bytes) stays unparsed.
 */
import { isValidUtf8 } from '../../src/core/bytes/utf8.js';
import { portablePlatform } from '../../src/core/platform.js';
import { FrameReader, ReadKind } from '../../src/core/ws/frame-reader.js';
import { FuzzFailure, type FuzzTarget, hex } from '../engine/fuzz-target.js';
import { wsReceiverEvents } from '../oracles/ws-receiver.js';
import { chunkings } from './chunking.js';
import { concatBytes, frameDictionary, utf8, wsFrame } from './ws-frames.js';

const LIMITS = [20, 125, 1000, 16 * 1024 * 1024] as const;

interface ReaderConfig {
  readonly server: boolean;
  readonly compressed: boolean;
  readonly reuse: boolean;
  readonly limit: number;
}

function config(byte: number): ReaderConfig {
  return {
    server: (byte & 1) !== 0,
    compressed: (byte & 2) !== 0,
    reuse: (byte & 16) !== 0,
    limit: LIMITS[(byte >> 2) & 3]!,
  };
}

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** wirekit's events for `pieces`, in the oracle's format; checks the memory bounds on the way. */
export function frameReaderEvents(pieces: readonly Uint8Array[], cfg: ReaderConfig): string[] {
  let received = 0;
  const platform = {
    ...portablePlatform,
    allocUnsafe: (size: number): Uint8Array => {
      if (size > cfg.limit) {
        throw new FuzzFailure('frame-reader-alloc', `allocated ${size} > limit ${cfg.limit}`);
      }
      if (size > Math.max(64 * 1024, 2 * received + 1024)) {
        throw new FuzzFailure('frame-reader-alloc', `allocated ${size} after ${received} bytes`);
      }
      return new Uint8Array(size);
    },
  };
  const reader = new FrameReader({
    role: cfg.server ? 'server' : 'client',
    maxFrameSize: cfg.limit,
    maxMessageSize: cfg.limit,
    allowCompressed: cfg.compressed,
    reuseBuffers: cfg.reuse,
    platform,
  });
  const events: string[] = [];
  for (const piece of pieces) {
    received += piece.length;
    // The reader unmasks in place: give it its own copy.
    reader.receive(piece.slice());
    for (;;) {
      const kind = reader.poll();
      if (kind === ReadKind.NEED_DATA) {
        if (reader.bufferedAmount > 13) {
          throw new FuzzFailure(
            'frame-reader-buffered',
            `${reader.bufferedAmount} bytes left unparsed after NEED_DATA`,
          );
        }
        break;
      }
      if (kind === ReadKind.ERROR) {
        events.push(`error:${reader.errorCode}`);
        return events;
      }
      if (kind === ReadKind.CLOSE) {
        events.push(`close:${reader.closeCode}:${hexOf(reader.payload.subarray(2))}`);
        return events;
      }
      if (kind === ReadKind.TEXT && reader.compressed && !isValidUtf8(reader.payload)) {
        // What the connection does after inflating (identity here): §8.1 on the message.
        events.push('error:1007');
        return events;
      }
      const name =
        kind === ReadKind.TEXT
          ? 'text'
          : kind === ReadKind.BINARY
            ? 'binary'
            : kind === ReadKind.PING
              ? 'ping'
              : 'pong';
      events.push(`${name}:${hexOf(reader.payload)}`);
    }
  }
  return events;
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function run(input: Uint8Array): void {
  if (input.length < 2) return;
  const cfg = config(input[0]!);
  const stream = input.subarray(2);
  const whole = frameReaderEvents([stream], cfg);
  const oracle = wsReceiverEvents(stream, {
    server: cfg.server,
    maxPayload: cfg.limit,
    compressed: cfg.compressed,
  });
  if (!same(whole, oracle)) {
    throw new FuzzFailure(
      'frame-reader-vs-ws',
      `config ${JSON.stringify(cfg)} stream ${hex(stream)}\n  wirekit ${whole.join(' ').slice(0, 300)}\n  ws      ${oracle.join(' ').slice(0, 300)}`,
    );
  }
  const chunked = frameReaderEvents(chunkings(stream, input[1]!), cfg);
  if (!same(whole, chunked)) {
    throw new FuzzFailure(
      'frame-reader-chunking',
      `config ${JSON.stringify(cfg)} stream ${hex(stream)}\n  whole   ${whole.join(' ').slice(0, 300)}\n  chunked ${chunked.join(' ').slice(0, 300)}`,
    );
  }
}

const KEY = 0x37fa213d;

function seeds(): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const server of [false, true]) {
    const mask = server ? KEY : undefined;
    const m = (spec: Parameters<typeof wsFrame>[0]): Uint8Array =>
      wsFrame(mask === undefined ? spec : { ...spec, mask });
    const streams = [
      [m({ opcode: 1, payload: utf8('Hello') })],
      [
        m({ opcode: 1, fin: false, payload: utf8('Hel') }),
        m({ opcode: 9, payload: utf8('p') }),
        m({ opcode: 0, payload: utf8('lo €') }),
      ],
      [m({ opcode: 2, payload: new Uint8Array(200) }), m({ opcode: 10 })],
      [m({ opcode: 8, payload: Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65) })],
      [m({ opcode: 1, rsv: 4, payload: utf8('compressed?') })],
      [m({ opcode: 2, payload: new Uint8Array(130), lengthForm: 127 })],
    ];
    for (const frames of streams) {
      for (const cfg of [0, 2, 4, 8, 16 + 2]) {
        out.push(concatBytes([Uint8Array.of(cfg | (server ? 1 : 0), 0), ...frames]));
      }
    }
  }
  return out;
}

export const frameReaderTarget: FuzzTarget = {
  name: 'frame-reader',
  files: ['src/core/ws/frame-reader.js', 'src/core/bytes/utf8.js', 'src/core/bytes/mask.js'],
  maxLength: 4096,
  dictionary: frameDictionary(),
  seeds,
  run,
};
