/**
 * The conformance suite's own frame codec, written from RFC 6455 §5.2 independently of
 * src/core, so the suite never checks wirekit's framing with wirekit's framing. It can also
 * write what a correct encoder never would (reserved bits, non-minimal lengths, bad masks),
 * which is the point of a raw peer.
 */
import { randomBytes } from 'node:crypto';

/** One frame as seen on the wire. */
export interface WireFrame {
  readonly fin: boolean;
  readonly rsv: number; // RSV1..3 as bits 0x4, 0x2, 0x1
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer; // unmasked
}

/** How to encode a frame; defaults make a correct frame. */
export interface FrameSpec {
  readonly opcode: number;
  readonly payload?: Buffer | string;
  readonly fin?: boolean;
  readonly rsv?: number;
  /** `true`: a random key; a Buffer: that key; `false`: unmasked. */
  readonly mask?: boolean | Buffer;
  /** Force the length form: 7, 16 or 64 bits (for non-minimal encodings). */
  readonly lengthForm?: 7 | 16 | 64;
  /** Announce this length instead of the payload's real one. */
  readonly announcedLength?: bigint;
}

export const OP = { CONT: 0, TEXT: 1, BINARY: 2, CLOSE: 8, PING: 9, PONG: 10 } as const;

/** Encode a frame per §5.2 (masking per §5.3). */
export function encodeFrame(spec: FrameSpec): Buffer {
  const payload =
    typeof spec.payload === 'string'
      ? Buffer.from(spec.payload)
      : (spec.payload ?? Buffer.alloc(0));
  const length = spec.announcedLength ?? BigInt(payload.length);
  const form = spec.lengthForm ?? (length < 126n ? 7 : length < 65536n ? 16 : 64);
  const key =
    spec.mask === true
      ? randomBytes(4)
      : spec.mask === false || spec.mask === undefined
        ? undefined
        : spec.mask;
  const head: number[] = [((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode];
  const maskBit = key === undefined ? 0 : 0x80;
  if (form === 7) head.push(maskBit | Number(length));
  else if (form === 16)
    head.push(maskBit | 126, Number(length >> 8n) & 0xff, Number(length) & 0xff);
  else {
    head.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) head.push(Number((length >> shift) & 0xffn));
  }
  const body = Buffer.from(payload);
  if (key !== undefined) {
    head.push(...key);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!;
  }
  return Buffer.concat([Buffer.from(head), body]);
}

/** A close frame body: code then UTF-8 reason (§5.5.1). */
export function closeBody(code: number, reason: string | Buffer = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, typeof reason === 'string' ? Buffer.from(reason) : reason]);
}

/** Incremental parser for frames arriving in chunks. */
export class WireFrameParser {
  #buf: Buffer = Buffer.alloc(0);
  // Fix (found by the HTTP/2 targets, whose streams deliver 16 KiB DATA frames): concatenating
  // on every push made a 16 MiB message cost ~8 GiB of copying (quadratic; 5-10 s, flaky
  // against WAIT_MS). Chunks now wait in a list until the frame they belong to is complete.
  #chunks: Buffer[] = [];
  #chunkBytes = 0;
  /** Bytes the frame at the head of `#buf` needs in all, once its header was read (else 0). */
  #need = 0;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#chunkBytes += chunk.length;
    if (this.#buf.length + this.#chunkBytes < this.#need) return;
    this.#buf = Buffer.concat([this.#buf, ...this.#chunks]);
    this.#chunks = [];
    this.#chunkBytes = 0;
  }

  /** The next complete frame, or `undefined`. Throws on a length this suite cannot hold. */
  next(): WireFrame | undefined {
    const b = this.#buf;
    if (b.length < 2) return undefined;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let at = 2;
    if (length === 126) {
      if (b.length < 4) return undefined;
      length = b.readUInt16BE(2);
      at = 4;
    } else if (length === 127) {
      if (b.length < 10) return undefined;
      const big = b.readBigUInt64BE(2);
      if (big > 0x7fff_ffffn) throw new Error(`frame length ${big} too large for the test peer`);
      length = Number(big);
      at = 10;
    }
    const keyAt = at;
    if (masked) at += 4;
    if (b.length < at + length) {
      this.#need = at + length;
      return undefined;
    }
    this.#need = 0;
    const payload = Buffer.from(b.subarray(at, at + length));
    if (masked)
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ b[keyAt + (i & 3)]!;
    this.#buf = b.subarray(at + length);
    return {
      fin: (b[0]! & 0x80) !== 0,
      rsv: (b[0]! >> 4) & 0x7,
      opcode: b[0]! & 0x0f,
      masked,
      payload,
    };
  }
}
