/**
 * permessage-deflate codecs on Node's zlib, synchronous.
 *
 * Node's public zlib API offers streaming only asynchronously (through the thread pool, one
 * callback per chunk, a queue per connection to keep messages in order: ws's design and the
 * source of its latency, its 10-job limit and its memory fragmentation) and synchronously only
 * one-shot (no context kept between messages). A WebSocket message is small and must be
 * compressed in order with the connection's window, so wirekit drives the zlib handle that
 * every `zlib.createDeflateRaw()` owns with its synchronous `writeSync` — the call Node's own
 * `deflateRawSync` makes — keeping the context between messages. Whether that handle is there
 * is checked once; without it compression cannot be offered (`zlibCodecsAvailable`).
 *
 * Memory: a direction without context takeover has no per-connection state, so all such
 * connections share one engine (reset after each message), whatever their number. A direction
 * with context takeover gets its own engine, created on first use and freed on close. Output
 * goes through one process-wide scratch buffer; a decompressed message gets exactly its size.
 */
import { Buffer } from 'node:buffer';
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
} from 'node:zlib';
import {
  InflateFailure,
  type MessageCompression,
  type MessageDeflater,
  type MessageInflater,
} from '../core/ws/message-codec.js';
import type { DeflateParams } from '../core/ws/permessage-deflate.js';

/** The zlib handle's synchronous interface (lib/zlib.js `processChunkSync` uses the same). */
interface ZlibHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOff: number,
    inLen: number,
    out: Uint8Array,
    outOff: number,
    outLen: number,
  ): void;
  reset(): void;
  close(): void;
  onerror: (message: string, errno: number) => void;
}

/** Compression settings of one side. */
export interface DeflateSettings {
  /** zlib level 0–9. Default 1 (fastest; latency first). */
  readonly level?: number;
  /** zlib memLevel 1–9: memory of the compressor's hash tables. Default 8. */
  readonly memLevel?: number;
  /** Messages smaller than this are sent uncompressed. Default 1024 bytes. */
  readonly threshold?: number;
  /** Messages larger than this are sent uncompressed: compression is synchronous, and a
   * message of several MiB would hold the event loop for milliseconds. Default 256 KiB. */
  readonly maxCompressedSize?: number;
}

const TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);
/** The stream's own output buffer is never used (output goes to the scratch buffer): keep it
 * at zlib's minimum instead of the 16 KiB default, per engine. */
const MIN_CHUNK = constants.Z_MIN_CHUNK;
let scratch = Buffer.allocUnsafe(64 * 1024);
const SCRATCH_KEEP = 1024 * 1024;

/** One zlib stream used synchronously. */
class ZlibEngine {
  readonly #stream: DeflateRaw | InflateRaw;
  readonly #handle: ZlibHandle;
  readonly #state: Uint32Array;
  #failed = false;
  #ended = false;

  constructor(stream: DeflateRaw | InflateRaw) {
    const internals = stream as unknown as { _handle?: ZlibHandle; _writeState?: Uint32Array };
    if (
      typeof internals._handle?.writeSync !== 'function' ||
      !(internals._writeState instanceof Uint32Array)
    ) {
      throw new Error('this Node.js zlib has no synchronous handle');
    }
    this.#stream = stream;
    this.#handle = internals._handle;
    this.#state = internals._writeState;
    // zlib reports errors through the handle, synchronously inside writeSync.
    this.#handle.onerror = () => {
      this.#failed = true;
    };
  }

  /**
   * Run `input` through with a sync flush, appending output to the scratch buffer from
   * `outLen`. Returns the new output length, -1 past `limit`, -2 on a stream error.
   */
  run(input: Uint8Array, outLen: number, limit: number): number {
    const handle = this.#handle;
    const state = this.#state;
    let inOff = 0;
    let inLen = input.length;
    for (;;) {
      if (scratch.length - outLen < 1024) {
        // Fix: no `outLen >= limit` early return here. Output that exactly filled the buffer
        // says nothing about whether more follows; a message of exactly `limit` bytes was
        // refused with 1009. The growth below is capped at limit + 1024, so one more call
        // runs with room and the `outLen > limit` check after it decides.
        const grown = Buffer.allocUnsafe(
          Math.min(Math.max(scratch.length * 2, 64 * 1024), limit + 1024),
        );
        scratch.copy(grown, 0, 0, outLen);
        scratch = grown;
      }
      const room = scratch.length - outLen;
      handle.writeSync(constants.Z_SYNC_FLUSH, input, inOff, inLen, scratch, outLen, room);
      if (this.#failed) return -2;
      const availOut = state[0]!;
      const availIn = state[1]!;
      outLen += room - availOut;
      if (outLen > limit) return -1;
      inOff += inLen - availIn;
      inLen = availIn;
      // Output space left over means zlib has flushed everything it had.
      if (availOut !== 0) {
        // RFC 7692 §7.2.3.3: input left over with output room means the stream ended with a
        // BFINAL block; the inflater ignores everything after it until `reset`, so the next
        // message must start a new stream even with context takeover.
        if (availIn !== 0) this.#ended = true;
        return outLen;
      }
    }
  }

  /** The DEFLATE stream ended (a block with BFINAL set) since the last `reset`. */
  get ended(): boolean {
    return this.#ended;
  }

  reset(): void {
    this.#failed = false;
    this.#ended = false;
    this.#handle.reset();
  }

  close(): void {
    this.#stream.close();
  }
}

const EMPTY_MESSAGE = Buffer.alloc(0);

function shrinkScratch(): void {
  if (scratch.length > SCRATCH_KEEP) scratch = Buffer.allocUnsafe(64 * 1024);
}

/** Compress messages; `reset` after each when there is no context takeover. */
class ZlibDeflater implements MessageDeflater {
  readonly #engine: ZlibEngine;
  readonly #resetEach: boolean;

  constructor(engine: ZlibEngine, resetEach: boolean) {
    this.#engine = engine;
    this.#resetEach = resetEach;
  }

  /** See {@link MessageDeflater.compress}. The result is a view valid until the next call. */
  compress(data: Uint8Array): Uint8Array {
    const length = this.#engine.run(data, 0, Number.MAX_SAFE_INTEGER);
    if (length < 0) {
      // zlib failed (it does not on valid input; memory exhaustion would). Never hand out the
      // scratch buffer, which may hold another connection's data; the window is lost, so the
      // send fails and the engine starts over.
      this.#engine.reset();
      shrinkScratch();
      throw new Error('permessage-deflate: zlib failed to compress a message');
    }
    if (this.#resetEach) this.#engine.reset();
    // A sync flush ends with an empty stored block, 00 00 ff ff: RFC 7692 §7.2.1 drops it.
    const end =
      length >= 4 && scratch[length - 1] === 0xff && scratch[length - 2] === 0xff
        ? length - 4
        : length;
    // RFC 7692 §7.2.3.6: with no input after an earlier sync flush zlib writes nothing
    // (Z_BUF_ERROR), and an empty payload would make the receiver read the appended 00 00 ff ff
    // as a stored block header and wait for 65,280 stored bytes. An empty DEFLATE block with no
    // compression, the single octet 00, is the empty message.
    if (end === 0) {
      scratch[0] = 0x00;
      return scratch.subarray(0, 1);
    }
    return scratch.subarray(0, end);
  }
}

/** Decompress messages within a size limit. */
class ZlibInflater implements MessageInflater {
  readonly #engine: ZlibEngine;
  readonly #resetEach: boolean;

  constructor(engine: ZlibEngine, resetEach: boolean) {
    this.#engine = engine;
    this.#resetEach = resetEach;
  }

  inflate(data: Uint8Array, limit: number): Uint8Array | InflateFailure {
    // An empty payload is an empty message. Fed to zlib with the 00 00 ff ff tail (§7.2.2), the
    // tail would read as the header of a stored block of 65,280 bytes, and with context
    // takeover the next (valid) message would be blamed. zlib compressors never send it (an
    // empty message is 00), but nothing in the window changes either way.
    if (data.length === 0) return EMPTY_MESSAGE;
    const engine = this.#engine;
    let length = engine.run(data, 0, limit);
    if (length >= 0) length = engine.run(TAIL, length, limit);
    // RFC 7692 §7.2.3.3: after a BFINAL block the peer's next message is a new stream.
    if (length < 0 || this.#resetEach || engine.ended) engine.reset();
    let result: Uint8Array | InflateFailure;
    if (length === -1) result = InflateFailure.TOO_BIG;
    else if (length === -2) result = InflateFailure.INVALID;
    else {
      result = Buffer.allocUnsafe(length);
      scratch.copy(result, 0, 0, length);
    }
    // A bomb or a large message grows the process-wide scratch; give it back on every exit.
    shrinkScratch();
    return result;
  }
}

/** Shared engines for directions without context takeover, by kind and settings. */
const sharedEngines = new Map<string, ZlibEngine>();

function engine(
  kind: 'deflate' | 'inflate',
  windowBits: number,
  level: number,
  memLevel: number,
): ZlibEngine {
  return new ZlibEngine(
    kind === 'deflate'
      ? createDeflateRaw({ windowBits, level, memLevel, chunkSize: MIN_CHUNK })
      : createInflateRaw({ windowBits, chunkSize: MIN_CHUNK }),
  );
}

function sharedEngine(
  kind: 'deflate' | 'inflate',
  windowBits: number,
  level: number,
  memLevel: number,
): ZlibEngine {
  const key = `${kind}:${windowBits}:${level}:${memLevel}`;
  let found = sharedEngines.get(key);
  if (found === undefined) {
    found = engine(kind, windowBits, level, memLevel);
    sharedEngines.set(key, found);
  }
  return found;
}

/**
 * Codecs over the shared engines: without context takeover a codec keeps nothing between
 * messages, so every connection with the same settings uses the same one.
 */
const sharedCodecs = new Map<string, ZlibDeflater | ZlibInflater>();

function sharedCodec(
  kind: 'deflate',
  windowBits: number,
  level: number,
  memLevel: number,
): ZlibDeflater;
function sharedCodec(
  kind: 'inflate',
  windowBits: number,
  level: number,
  memLevel: number,
): ZlibInflater;
function sharedCodec(
  kind: 'deflate' | 'inflate',
  windowBits: number,
  level: number,
  memLevel: number,
): ZlibDeflater | ZlibInflater {
  const key = `${kind}:${windowBits}:${level}:${memLevel}`;
  let codec = sharedCodecs.get(key);
  if (codec === undefined) {
    const shared = sharedEngine(kind, windowBits, level, memLevel);
    codec = kind === 'deflate' ? new ZlibDeflater(shared, true) : new ZlibInflater(shared, true);
    sharedCodecs.set(key, codec);
  }
  return codec;
}

let available: boolean | undefined;

/** Can this Node.js drive zlib synchronously (checked once)? */
export function zlibCodecsAvailable(): boolean {
  if (available === undefined) {
    try {
      const probe = engine('deflate', 15, 1, 8);
      probe.close();
      available = true;
    } catch {
      available = false;
    }
  }
  return available;
}

/** A connection's codecs: the core's {@link MessageCompression} plus `close()`. */
export interface ConnectionCompression extends MessageCompression {
  /**
   * Free a compressor of its own that has not been used since the last call (an adapter calls
   * this for quiet connections). Allowed with context takeover: a compressor may always stop
   * referring to earlier messages (RFC 7692 §7.2.1 only lets it; the peer's window is
   * unaffected), so the next message starts a fresh context. The decompressor is kept: the peer
   * may still refer to what it sent before.
   */
  trim(): void;
  /** Free the connection's own zlib contexts (shared ones stay). */
  close(): void;
}

/**
 * Codecs for one connection from the negotiated parameters. A `server` compresses with the
 * server window and inflates with the client's; a `client` the reverse (RFC 7692 §7.1.2).
 * Directions without context takeover use shared engines.
 */
export function createCompression(
  params: DeflateParams,
  role: 'server' | 'client',
  settings: DeflateSettings = {},
): ConnectionCompression {
  return new ZlibCompression(params, role === 'server', settings);
}

/**
 * One connection's codecs: one object with a few fields, its own zlib contexts made on first
 * use. It is also its own deflater and inflater, so a connection that has negotiated
 * compression holds one small object until it actually compresses or inflates with context
 * takeover, not a set of closures.
 */
class ZlibCompression implements ConnectionCompression, MessageDeflater, MessageInflater {
  readonly threshold: number;
  readonly maxCompressedSize: number;
  /** Set without context takeover: the deflater then runs on a shared engine reset after each
   * message, so its output depends only on the message and on these settings. */
  readonly sharedKey: string | undefined;
  readonly #level: number;
  readonly #memLevel: number;
  readonly #sendBits: number;
  readonly #sendFresh: boolean;
  readonly #receiveBits: number;
  readonly #receiveFresh: boolean;
  #deflater: MessageDeflater | undefined;
  /** The compressor's own engine (context takeover), freed by {@link trim} when unused. */
  #deflateEngine: ZlibEngine | undefined;
  #deflaterUsed = false;
  #inflater: MessageInflater | undefined;
  /** The decompressor's own engine (context takeover), freed by {@link close}. */
  #inflateEngine: ZlibEngine | undefined;

  constructor(params: DeflateParams, server: boolean, settings: DeflateSettings) {
    this.threshold = settings.threshold ?? 1024;
    this.maxCompressedSize = settings.maxCompressedSize ?? 256 * 1024;
    this.#level = settings.level ?? 1;
    this.#memLevel = settings.memLevel ?? 8;
    this.#sendBits = server ? params.serverMaxWindowBits : params.clientMaxWindowBits;
    this.#sendFresh = server ? params.serverNoContextTakeover : params.clientNoContextTakeover;
    // Inflate with at least 9 bits: a larger window also reads streams made with a smaller one.
    this.#receiveBits = Math.max(
      9,
      server ? params.clientMaxWindowBits : params.serverMaxWindowBits,
    );
    this.#receiveFresh = server ? params.clientNoContextTakeover : params.serverNoContextTakeover;
    this.sharedKey = this.#sendFresh
      ? `${this.#sendBits}:${this.#level}:${this.#memLevel}`
      : undefined;
  }

  get deflater(): MessageDeflater {
    return this;
  }

  get inflater(): MessageInflater {
    return this;
  }

  // Created on first use: a connection that never sends (or never receives) a compressed
  // message never pays for that direction.
  compress(data: Uint8Array): Uint8Array {
    if (this.#deflater === undefined) {
      if (this.#sendFresh) {
        this.#deflater = sharedCodec('deflate', this.#sendBits, this.#level, this.#memLevel);
      } else {
        this.#deflateEngine = engine('deflate', this.#sendBits, this.#level, this.#memLevel);
        this.#deflater = new ZlibDeflater(this.#deflateEngine, false);
      }
    }
    this.#deflaterUsed = true;
    return this.#deflater.compress(data);
  }

  inflate(data: Uint8Array, limit: number): Uint8Array | InflateFailure {
    if (this.#inflater === undefined) {
      if (this.#receiveFresh) {
        this.#inflater = sharedCodec('inflate', this.#receiveBits, 0, 0);
      } else {
        this.#inflateEngine = engine('inflate', this.#receiveBits, 0, 0);
        this.#inflater = new ZlibInflater(this.#inflateEngine, false);
      }
    }
    return this.#inflater.inflate(data, limit);
  }

  trim(): void {
    if (this.#deflateEngine !== undefined && !this.#deflaterUsed) {
      this.#deflateEngine.close();
      this.#deflateEngine = undefined;
      this.#deflater = undefined;
    }
    this.#deflaterUsed = false;
  }

  close(): void {
    this.#inflateEngine?.close();
    this.#inflateEngine = undefined;
    this.#inflater = undefined;
    this.#deflateEngine?.close();
    this.#deflateEngine = undefined;
    this.#deflater = undefined;
  }
}
