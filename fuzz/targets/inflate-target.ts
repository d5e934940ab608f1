/**
 * Fuzz target 7: the permessage-deflate inflate path with its size limit
 * (src/node/zlib-codec.ts). Oracle: node:zlib `inflateRawSync` with `maxOutputLength` on the
 * same bytes plus the 00 00 ff ff tail (RFC 7692 §7.2.2).
 *
 * Input: byte 0 picks the limit and whether the peer's context is kept between messages, the
 * rest is up to three messages (a length byte, then the bytes), either raw or, with the high
 * bit of the length byte, deflated here first (so valid streams are common). Checks:
 * - each message: TOO_BIG exactly when the oracle's output passes the limit; INVALID exactly
 *   when the oracle finds invalid data within the limit; otherwise the same bytes;
 * - memory: no buffer allocated while inflating is larger than the limit plus the 64 KiB
 *   scratch growth step (the inflater stops as soon as its output passes the limit).
 */
import { Buffer } from 'node:buffer';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { InflateFailure } from '../../src/core/ws/message-codec.js';
import { createCompression } from '../../src/node/zlib-codec.js';
import { FuzzFailure, type FuzzTarget, hex } from '../engine/fuzz-target.js';

const LIMITS = [0, 10, 1000, 100_000] as const;
const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

interface Outcome {
  /** `too-big`, `invalid`, or the message as hex. */
  readonly result: string;
  /** The stream ended (a BFINAL block) inside this message: the next one starts a new stream
   * (RFC 7692 §7.2.3.3), so the oracle's context starts over. */
  readonly ended: boolean;
  /** Both too big and invalid: either refusal (1009 or 1007) is right. */
  readonly either?: boolean;
}

function oracle(data: Uint8Array, limit: number, context: Uint8Array[]): Outcome {
  if (data.length === 0) return { result: '', ended: false };
  try {
    // With context takeover the window holds the earlier messages: inflate them first.
    const prefix = Buffer.concat(context);
    const before =
      prefix.length === 0
        ? Buffer.alloc(0)
        : inflateRawSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH });
    const input = Buffer.concat([prefix, data, TAIL]);
    const { buffer, engine } = inflateRawSync(input, {
      finishFlush: constants.Z_SYNC_FLUSH,
      maxOutputLength: before.length + limit + 1,
      info: true,
    }) as unknown as { buffer: Buffer; engine: { bytesWritten: number } };
    const own = buffer.subarray(before.length);
    if (own.length > limit) return { result: 'too-big', ended: false };
    return { result: own.toString('hex'), ended: engine.bytesWritten < input.length };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') return { result: 'too-big', ended: false };
    // Invalid data: but did the output pass the limit before the stream turned invalid? Then
    // the message is too big first (zlib's one-shot call reports only the error).
    const prefix = Buffer.concat(context);
    const input = Buffer.concat([prefix, data, TAIL]);
    const before =
      prefix.length === 0
        ? 0
        : inflateRawSync(prefix, { finishFlush: constants.Z_SYNC_FLUSH }).length;
    for (let k = prefix.length + 1; k <= input.length; k++) {
      try {
        const out = inflateRawSync(input.subarray(0, k), { finishFlush: constants.Z_SYNC_FLUSH });
        if (out.length - before > limit) return { result: 'too-big', ended: false, either: true };
      } catch {
        break;
      }
    }
    return { result: 'invalid', ended: false };
  }
}

function run(input: Uint8Array): void {
  if (input.length < 1) return;
  const limit = LIMITS[input[0]! & 3]!;
  const takeover = (input[0]! & 4) !== 0;
  const compression = createCompression(
    {
      serverNoContextTakeover: true,
      clientNoContextTakeover: !takeover,
      serverMaxWindowBits: 15,
      clientMaxWindowBits: 15,
    },
    'server',
  );
  const context: Uint8Array[] = [];
  let at = 1;
  const original = Buffer.allocUnsafe;
  let largest = 0;
  try {
    for (let m = 0; m < 3 && at < input.length; m++) {
      const n = input[at]!;
      let data: Uint8Array = input.slice(at + 1, at + 1 + (n & 0x7f));
      at += 1 + (n & 0x7f);
      if (n & 0x80) {
        const deflated = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
        data = deflated.subarray(0, deflated.length - 4);
      }
      const expected = oracle(data, limit, takeover ? context : []);
      // Count what the inflater allocates (its scratch growth and the message it returns).
      largest = 0;
      Buffer.allocUnsafe = (size: number): Buffer<ArrayBuffer> => {
        largest = Math.max(largest, size);
        return original(size);
      };
      let result: Uint8Array | InflateFailure;
      try {
        result = compression.inflater.inflate(data, limit);
      } finally {
        Buffer.allocUnsafe = original;
      }
      const got =
        result === InflateFailure.TOO_BIG
          ? 'too-big'
          : result === InflateFailure.INVALID
            ? 'invalid'
            : Buffer.from(result).toString('hex');
      // After a failure the connection closes: the oracle's context would be meaningless.
      const refused = got === 'too-big' || got === 'invalid';
      if (got !== expected.result && !(expected.either === true && refused)) {
        throw new FuzzFailure(
          'inflate',
          `limit ${limit} takeover ${takeover} message ${m} ${hex(data)}: wirekit ${got.slice(0, 80)}, zlib ${expected.result.slice(0, 80)}`,
        );
      }
      if (largest > Math.max(limit + 1024, 64 * 1024)) {
        throw new FuzzFailure('inflate-alloc', `allocated ${largest} bytes with limit ${limit}`);
      }
      if (got === 'too-big' || got === 'invalid') break;
      // wirekit does not feed an empty payload (and its tail) to zlib: see KNOWN-DIFFERENCES.md.
      if (expected.ended) context.length = 0;
      else if (data.length > 0) context.push(data, TAIL);
    }
  } finally {
    Buffer.allocUnsafe = original;
    compression.close();
  }
}

function seeds(): Uint8Array[] {
  const text = Buffer.from('hello hello hello hello');
  return [
    Uint8Array.of(2, 0x80 | text.length, ...text, 0x80 | 5, ...text.subarray(0, 5)),
    Uint8Array.of(6, 0x80 | text.length, ...text, 0x80 | text.length, ...text),
    Uint8Array.of(1, 0x80 | text.length, ...text),
    Uint8Array.of(3, 5, 0xff, 0x00, 0x12, 0x34, 0x56),
    // A small bomb: 127 zero bytes deflate to a few bytes; with limit 10 it is too big.
    Uint8Array.of(1, 0xff, ...new Uint8Array(127)),
  ];
}

export const inflateTarget: FuzzTarget = {
  name: 'inflate',
  files: ['src/node/zlib-codec.js'],
  maxLength: 1024,
  dictionary: [
    Uint8Array.of(0x00, 0x00, 0xff, 0xff),
    Uint8Array.of(0x01),
    Uint8Array.of(0x03, 0x00),
    Uint8Array.of(0xff),
  ],
  seeds,
  run,
};
