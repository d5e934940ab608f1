/**
 * The conformance peer's own permessage-deflate codec (RFC 7692 §7.2), on Node's public zlib
 * API only — one-shot `deflateRawSync`/`inflateRawSync` without context takeover, a zlib
 * stream flushed with `Z_SYNC_FLUSH` per message with it — so wirekit's codec
 * (src/node/zlib-codec.ts, which drives zlib's handle synchronously) is never checked with
 * itself.
 *
 * The inflater can be made strict about the sender's window: zlib refuses a back-reference
 * that reaches further than its window plus what the current call has output, so with a
 * 64-byte output chunk a stream that uses a larger LZ77 window than agreed (§7.1.2) fails
 * with "invalid distance too far back" instead of inflating fine.
 *
 * @example
 * ```ts
 * const deflater = new PeerDeflater({ windowBits: 10, noContextTakeover: false });
 * const inflater = new PeerInflater({ windowBits: 10, noContextTakeover: false });
 * const back = await inflater.inflate(await deflater.deflate(Buffer.from('hi'))); // 'hi'
 * ```
 */
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  deflateRawSync,
  type InflateRaw,
  inflateRawSync,
} from 'node:zlib';

/** §7.2.1: the empty stored block a sync flush ends with; §7.2.2: appended before inflating. */
export const SYNC_TAIL: Buffer = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** One direction's agreed parameters as the peer uses them. */
export interface PeerCodecOptions {
  /** LZ77 window, 8–15 bits (§7.1.2). */
  readonly windowBits: number;
  /** A fresh context for every message (§7.1.1). */
  readonly noContextTakeover: boolean;
  /** zlib level for the peer's deflater. Default 6. */
  readonly level?: number;
  /** Output chunk of the inflater; 64 makes it strict about the window. Default 1024. */
  readonly chunkSize?: number;
}

/** Run a zlib stream over `input` up to a sync flush and collect what comes out. */
function flushThrough(stream: DeflateRaw | InflateRaw, input: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
    };
    const onError = (error: Error): void => {
      stream.off('data', onData);
      reject(error);
    };
    stream.on('data', onData);
    stream.once('error', onError);
    stream.write(input);
    stream.flush(constants.Z_SYNC_FLUSH, () => {
      stream.off('data', onData);
      stream.off('error', onError);
      resolve(Buffer.concat(chunks));
    });
  });
}

/** Drop the `00 00 ff ff` a sync flush ends with (§7.2.1 step 2); fail if it is missing. */
function withoutTail(bytes: Buffer): Buffer {
  if (bytes.length < 4 || !bytes.subarray(bytes.length - 4).equals(SYNC_TAIL))
    throw new Error('a sync-flushed DEFLATE stream does not end with 00 00 ff ff');
  return bytes.subarray(0, bytes.length - 4);
}

/** Compresses messages like an RFC 7692 sender. */
export class PeerDeflater {
  readonly #options: PeerCodecOptions;
  #stream: DeflateRaw | undefined;

  constructor(options: PeerCodecOptions) {
    this.#options = options;
  }

  /** §7.2.1: compress one message and strip the sync flush's tail. */
  async deflate(message: Buffer): Promise<Buffer> {
    const { windowBits, level = 6 } = this.#options;
    if (this.#options.noContextTakeover)
      return withoutTail(
        deflateRawSync(message, { windowBits, level, finishFlush: constants.Z_SYNC_FLUSH }),
      );
    this.#stream ??= createDeflateRaw({ windowBits, level });
    return withoutTail(await flushThrough(this.#stream, message));
  }

  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }
}

/** Decompresses messages like an RFC 7692 receiver. */
export class PeerInflater {
  readonly #options: PeerCodecOptions;
  #stream: InflateRaw | undefined;

  constructor(options: PeerCodecOptions) {
    this.#options = options;
  }

  /** §7.2.2: append `00 00 ff ff` and inflate; rejects on data the window cannot explain. */
  async inflate(payload: Buffer): Promise<Buffer> {
    const { windowBits, chunkSize = 1024 } = this.#options;
    const input = Buffer.concat([payload, SYNC_TAIL]);
    if (this.#options.noContextTakeover)
      return inflateRawSync(input, { windowBits, chunkSize, finishFlush: constants.Z_SYNC_FLUSH });
    this.#stream ??= createInflateRaw({ windowBits, chunkSize });
    return flushThrough(this.#stream, input);
  }

  close(): void {
    this.#stream?.close();
    this.#stream = undefined;
  }
}
