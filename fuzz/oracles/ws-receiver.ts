/**
 * The frame-reader oracle: ws's `Receiver` (node_modules/ws/lib/receiver.js), driven
 * synchronously, with the rules where RFC 6455 lets or makes wirekit decide differently added
 * on top (each one is listed in fuzz/KNOWN-DIFFERENCES.md):
 *
 * - §5.2 "the minimal number of bytes MUST be used to encode the length": wirekit fails a
 *   non-minimal 16- or 64-bit length with 1002; ws accepts it. Added here.
 * - §5.2 "the most significant bit MUST be 0" of a 64-bit length: wirekit fails with 1002; ws
 *   fails with 1009 (it only refuses lengths past 2^53). Added here.
 * - §8.1 invalid UTF-8 fails the connection as soon as it is seen: wirekit checks each text
 *   fragment (and each piece of a frame) as it arrives; ws checks the whole message at its end,
 *   so a later protocol error would win there. Added here: each uncompressed text fragment is
 *   checked, as far as it has arrived, with a streaming fatal `TextDecoder`.
 *
 * The compression hook: with `compressed`, the receiver gets a permessage-deflate extension
 * whose inflate is the identity, so RSV1 is allowed and sizes and UTF-8 are checked on the
 * bytes as sent; the wirekit side does the same with an identity inflater.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
// ws exports only its public API; the receiver is loaded from its file.
const wsLib = join(dirname(require.resolve('ws')), 'lib');

type Callback = (error?: Error | null) => void;

/** The parts of ws's Receiver this oracle uses (its fields are not part of ws's API). */
interface WsReceiver {
  _bufferedBytes: number;
  _buffers: Buffer[];
  _payloadLength: number;
  _opcode: number;
  _compressed: boolean;
  _masked: boolean;
  _mask: Buffer | undefined;
  _fragments: Buffer[];
  _state: number;
  _loop: boolean;
  _write(chunk: Buffer, encoding: string, cb: Callback): void;
  getData(cb: Callback): void;
  haveLength(cb: Callback): void;
  getPayloadLength64(cb: Callback): void;
  createError(
    ctor: ErrorConstructor | RangeErrorConstructor,
    message: string,
    prefix: boolean,
    statusCode: number,
    errorCode: string,
  ): Error;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

type ReceiverClass = new (options: object) => WsReceiver;

const Receiver = require(join(wsLib, 'receiver.js')) as ReceiverClass;
const kStatusCode = (require(join(wsLib, 'constants.js')) as { kStatusCode: symbol }).kStatusCode;

// ws's parser states (receiver.js).
const GET_PAYLOAD_LENGTH_16 = 1;
const GET_PAYLOAD_LENGTH_64 = 2;

function prefixIsUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

class OracleReceiver extends Receiver {
  override haveLength(cb: Callback): void {
    const len = this._payloadLength;
    if (
      (this._state === GET_PAYLOAD_LENGTH_16 && len < 126) ||
      (this._state === GET_PAYLOAD_LENGTH_64 && len < 0x1_0000)
    ) {
      cb(this.createError(RangeError, 'non-minimal length', true, 1002, 'WS_ORACLE_LENGTH'));
      return;
    }
    super.haveLength(cb);
  }

  override getPayloadLength64(cb: Callback): void {
    if (this._bufferedBytes >= 8 && (this.#peek(1)[0]! & 0x80) !== 0) {
      cb(this.createError(RangeError, 'length MSB set', true, 1002, 'WS_ORACLE_LENGTH'));
      return;
    }
    super.getPayloadLength64(cb);
  }

  override getData(cb: Callback): void {
    if (this._opcode === 1 && !this._compressed && this._payloadLength > 0) {
      const n = Math.min(this._bufferedBytes, this._payloadLength);
      const bytes = this.#peek(n);
      const mask = this._mask;
      if (this._masked && mask !== undefined) {
        for (let i = 0; i < n; i++) bytes[i] = bytes[i]! ^ mask[i & 3]!;
      }
      if (!prefixIsUtf8(Buffer.concat([...this._fragments, bytes]))) {
        cb(this.createError(Error, 'invalid UTF-8 sequence', true, 1007, 'WS_ERR_INVALID_UTF8'));
        return;
      }
    }
    super.getData(cb);
  }

  /** ws's stream end is not used: the oracle is driven by `_write` alone. */
  end(): this {
    return this;
  }

  /** A copy of the next `n` buffered bytes, not consumed. */
  #peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    for (const b of this._buffers) {
      if (at >= n) break;
      const take = Math.min(b.length, n - at);
      out.set(b.subarray(0, take), at);
      at += take;
    }
    return out;
  }
}

export interface WsReceiverConfig {
  readonly server: boolean;
  readonly maxPayload: number;
  /** RSV1 allowed; the message is delivered as it came (`true`) or through `inflate`. */
  readonly compressed: boolean;
  /** Decompresses one whole compressed message (it throws on invalid data). */
  readonly inflate?: (data: Uint8Array) => Uint8Array;
}

/** An identity permessage-deflate for ws: what arrives is what is delivered. */
const identityDeflate = {
  decompress(data: Buffer, _fin: boolean, cb: (error: Error | null, data: Buffer) => void): void {
    cb(null, data);
  },
};

/**
 * The events ws reads from `stream`, in the format of the fuzz targets: `text:<hex>`,
 * `binary:<hex>`, `ping:<hex>`, `pong:<hex>`, `close:<code>:<reason hex>`, `error:<code>`.
 */
export function wsReceiverEvents(stream: Uint8Array, config: WsReceiverConfig): string[] {
  const events: string[] = [];
  const inflate = config.inflate;
  const pieces: Buffer[] = [];
  const deflate =
    inflate === undefined
      ? identityDeflate
      : {
          decompress(
            data: Buffer,
            fin: boolean,
            cb: (error: Error | null, data: Buffer) => void,
          ): void {
            pieces.push(data);
            if (!fin) {
              cb(null, Buffer.alloc(0));
              return;
            }
            const whole = Buffer.concat(pieces.splice(0));
            let out: Uint8Array;
            try {
              out = inflate(whole);
            } catch (error) {
              cb(error as Error, Buffer.alloc(0));
              return;
            }
            cb(null, Buffer.from(out));
          },
        };
  const receiver = new OracleReceiver({
    isServer: config.server,
    maxPayload: config.maxPayload,
    extensions: config.compressed ? { 'permessage-deflate': deflate } : {},
  });
  receiver.on('message', (data, isBinary) => {
    events.push(`${isBinary ? 'binary' : 'text'}:${(data as Buffer).toString('hex')}`);
  });
  receiver.on('ping', (data) => events.push(`ping:${(data as Buffer).toString('hex')}`));
  receiver.on('pong', (data) => events.push(`pong:${(data as Buffer).toString('hex')}`));
  receiver.on('conclude', (code, reason) => {
    events.push(`close:${code as number}:${(reason as Buffer).toString('hex')}`);
  });
  let failed = false;
  receiver._write(Buffer.from(stream), 'buffer', (error) => {
    if (error && !failed) {
      failed = true;
      const code = (error as unknown as Record<symbol, number>)[kStatusCode];
      events.push(`error:${code ?? error.message}`);
    }
  });
  return events;
}
