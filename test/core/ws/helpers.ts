/**
 * Shared helpers for the WebSocket core tests: hex vectors, a raw frame builder that can also
 * build frames the writer never would (reserved bits, non-minimal lengths, wrong masking), a
 * deterministic masking-key platform, and drains that turn a reader or a connection into a
 * plain list of events that `deepStrictEqual` can compare.
 */
import { type Platform, portablePlatform } from '../../../src/core/platform.js';
import {
  FrameReader,
  type FrameReaderOptions,
  ReadKind,
  type Role,
} from '../../../src/core/ws/frame-reader.js';
import { MaskKeyPool } from '../../../src/core/ws/mask-key-pool.js';
import type { WebSocketConnection } from '../../../src/core/ws/websocket-connection.js';
import type { WebSocketEvent } from '../../../src/core/ws/websocket-event.js';

/** `hex('81 05 48')` or `hex('0x81 0x05 0x48')` → bytes. */
export function hex(text: string): Uint8Array {
  const parts = text
    .trim()
    .split(/[\s,]+/)
    .filter((p) => p !== '');
  return Uint8Array.from(parts.map((p) => Number.parseInt(p.replace(/^0x/i, ''), 16)));
}

/** Bytes → `'81 05 48'`. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}

export function concat(...parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const encoder = new TextEncoder();
export const utf8 = (text: string): Uint8Array => encoder.encode(text);

/** The RFC 6455 §5.7 masking key 37 fa 21 3d, as the 32-bit wire-order number the core uses. */
export const RFC_KEY = 0x37fa213d;

/**
 * A platform whose `fillRandom` writes `key` into every 4-byte slot, so a {@link MaskKeyPool}
 * built on it returns `key` for every frame: masked output becomes deterministic.
 */
export function fixedKeyPlatform(key: number): Platform {
  return {
    ...portablePlatform,
    fillRandom: (bytes) => {
      new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2).fill(key | 0);
    },
  };
}

export function fixedKeys(key: number = RFC_KEY): MaskKeyPool {
  return new MaskKeyPool(fixedKeyPlatform(key));
}

/** A raw frame description; anything may be wrong on purpose. */
export interface RawFrame {
  readonly opcode: number;
  readonly payload?: Uint8Array | string;
  /** Default `true`. */
  readonly fin?: boolean;
  /** Bits to OR into byte 0: 0x40 RSV1, 0x20 RSV2, 0x10 RSV3. */
  readonly rsv?: number;
  /** Masking key (wire order); absent = unmasked. */
  readonly key?: number;
  /** Force a length form (7, 16 or 64 bits) even when it is not minimal. */
  readonly lengthBits?: 7 | 16 | 64;
  /** Announce this length instead of the payload's (the payload bytes are still appended). */
  readonly announce?: number;
}

/** Build one frame byte by byte, independently of `FrameWriter`. */
export function frame(f: RawFrame): Uint8Array {
  const payload =
    typeof f.payload === 'string' ? utf8(f.payload) : (f.payload ?? new Uint8Array(0));
  const length = f.announce ?? payload.length;
  const bits = f.lengthBits ?? (length < 126 ? 7 : length < 0x10000 ? 16 : 64);
  const head: number[] = [((f.fin ?? true) ? 0x80 : 0) | (f.rsv ?? 0) | f.opcode];
  const maskBit = f.key === undefined ? 0 : 0x80;
  if (bits === 7) head.push(maskBit | length);
  else if (bits === 16) head.push(maskBit | 126, (length >>> 8) & 0xff, length & 0xff);
  else {
    const high = Math.floor(length / 0x1_0000_0000);
    head.push(maskBit | 127);
    for (let s = 24; s >= 0; s -= 8) head.push((high >>> s) & 0xff);
    for (let s = 24; s >= 0; s -= 8) head.push((length >>> s) & 0xff);
  }
  const body = payload.slice();
  if (f.key !== undefined) {
    const k = [(f.key >>> 24) & 0xff, (f.key >>> 16) & 0xff, (f.key >>> 8) & 0xff, f.key & 0xff];
    head.push(...k);
    for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ k[i & 3]!;
  }
  return concat(Uint8Array.from(head), body);
}

/** A frame as a client sends it (masked with `key`, default the §5.7 key). */
export function clientFrame(f: RawFrame): Uint8Array {
  return frame({ key: RFC_KEY, ...f });
}

/** Close payload: 2-byte code then reason bytes. */
export function closeBody(code: number, reason: Uint8Array | string = ''): Uint8Array {
  const r = typeof reason === 'string' ? utf8(reason) : reason;
  return concat(Uint8Array.from([(code >>> 8) & 0xff, code & 0xff]), r);
}

/** What a reader reported, copied out so it can be compared after more polls. */
export type ReaderEvent =
  | { readonly kind: 'text' | 'binary' | 'ping' | 'pong'; readonly data: Uint8Array }
  | { readonly kind: 'close'; readonly code: number; readonly reason: string }
  | { readonly kind: 'error'; readonly code: number };

/** Poll until NEED_DATA; a cap on the poll count turns an endless loop into a failure. */
export function drainReader(reader: FrameReader, cap = 100_000): ReaderEvent[] {
  const events: ReaderEvent[] = [];
  for (let polls = 0; polls < cap; polls++) {
    const kind = reader.poll();
    switch (kind) {
      case ReadKind.NEED_DATA:
        return events;
      case ReadKind.TEXT:
        events.push({ kind: 'text', data: reader.payload.slice() });
        break;
      case ReadKind.BINARY:
        events.push({ kind: 'binary', data: reader.payload.slice() });
        break;
      case ReadKind.PING:
        events.push({ kind: 'ping', data: reader.payload.slice() });
        break;
      case ReadKind.PONG:
        events.push({ kind: 'pong', data: reader.payload.slice() });
        break;
      case ReadKind.CLOSE:
        events.push({ kind: 'close', code: reader.closeCode, reason: reader.closeReason });
        break;
      case ReadKind.ERROR:
        events.push({ kind: 'error', code: reader.errorCode });
        break;
      default:
        throw new Error(`poll() returned an unknown kind ${String(kind)}`);
    }
  }
  throw new Error(`reader did not settle after ${cap} polls`);
}

/**
 * Feed `chunks` to a fresh reader (copies, since a reader unmasks in place), draining after
 * each chunk, and return every event.
 */
export function readChunks(
  options: FrameReaderOptions,
  chunks: readonly Uint8Array[],
): ReaderEvent[] {
  const reader = new FrameReader(options);
  const events: ReaderEvent[] = [];
  for (const c of chunks) {
    reader.receive(c.slice());
    events.push(...drainReader(reader));
  }
  return events;
}

/** Cut `bytes` at the given (unsorted, possibly repeated) offsets. */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort(
    (a, b) => a - b,
  );
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    if (p > at) out.push(bytes.slice(at, p));
    at = Math.max(at, p);
  }
  if (at < bytes.length) out.push(bytes.slice(at));
  return out;
}

/** One byte per chunk. */
export function bytewise(bytes: Uint8Array): Uint8Array[] {
  return Array.from(bytes, (b) => Uint8Array.of(b));
}

/** A connection event with its data copied out. */
export function copyEvent(event: WebSocketEvent): WebSocketEvent {
  return event.type === 'close' ? { ...event } : { type: event.type, data: event.data.slice() };
}

/** Every event the connection has now, copied. Capped so a loop fails instead of hanging. */
export function drainConnection(conn: WebSocketConnection, cap = 100_000): WebSocketEvent[] {
  const events: WebSocketEvent[] = [];
  for (let i = 0; i < cap; i++) {
    const event = conn.next();
    if (event === null) return events;
    events.push(copyEvent(event));
  }
  throw new Error(`connection did not settle after ${cap} events`);
}

/**
 * Parse what a connection queued for its peer, with a reader of the peer's role
 * (a server's output is read by a client reader and must be unmasked, and vice versa).
 */
export function parseOutput(bytes: Uint8Array, senderRole: 'client' | 'server'): ReaderEvent[] {
  return readChunks({ role: senderRole === 'client' ? 'server' : 'client' }, [bytes]);
}

/** A frame as the peer of `role` sends it: masked to a server, unmasked to a client. */
export function peerFrame(role: Role, f: RawFrame): Uint8Array {
  return role === 'server' ? clientFrame(f) : frame(f);
}

/** `n` bytes of a recognisable pattern. */
export function pattern(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 7 + 3) & 0xff;
  return out;
}

/** A peer-error case: bytes from the peer of `role` and the close code the reader must give. */
export interface ErrorCase {
  readonly name: string;
  readonly role: Role;
  readonly wire: Uint8Array;
  readonly code: number;
  readonly options?: Omit<FrameReaderOptions, 'role'>;
  /** The error must be reported after this many bytes (rules decided by the first bytes). */
  readonly decidedAfter?: number;
  /** Events reported before the error (default none). */
  readonly before?: readonly ReaderEvent[];
}

function errorCases(): ErrorCase[] {
  const cases: ErrorCase[] = [];
  for (const role of ['client', 'server'] as const) {
    const f = (x: RawFrame) => peerFrame(role, x);
    const r = `(${role} reads)`;
    cases.push(
      {
        name: `§5.2 RSV1 set without a negotiated extension → 1002 ${r}`,
        role,
        wire: f({ opcode: 1, rsv: 0x40, payload: 'a' }),
        code: 1002,
        decidedAfter: 2,
      },
      {
        name: `§5.2 RSV2 set without a negotiated extension → 1002 ${r}`,
        role,
        wire: f({ opcode: 2, rsv: 0x20, payload: 'a' }),
        code: 1002,
        decidedAfter: 2,
      },
      {
        name: `§5.2 RSV3 set without a negotiated extension → 1002 ${r}`,
        role,
        wire: f({ opcode: 9, rsv: 0x10 }),
        code: 1002,
        decidedAfter: 2,
      },
      {
        name: `§5.2 RSV2 set even with allowCompressed → 1002 ${r}`,
        role,
        wire: f({ opcode: 1, rsv: 0x20, payload: 'a' }),
        code: 1002,
        options: { allowCompressed: true },
      },
      {
        name: `RFC 7692 §6.1 RSV1 on a continuation frame with allowCompressed → 1002 ${r}`,
        role,
        wire: concat(
          f({ opcode: 2, rsv: 0x40, fin: false, payload: 'a' }),
          f({ opcode: 0, rsv: 0x40, payload: 'b' }),
        ),
        code: 1002,
        options: { allowCompressed: true },
      },
      {
        name: `RFC 7692 §6.1 RSV1 on a ping with allowCompressed → 1002 ${r}`,
        role,
        wire: f({ opcode: 9, rsv: 0x40 }),
        code: 1002,
        options: { allowCompressed: true },
      },
    );
    for (const opcode of [3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]) {
      cases.push({
        name: `§5.2 reserved opcode 0x${opcode.toString(16)} → 1002 ${r}`,
        role,
        wire: f({ opcode, payload: 'x' }),
        code: 1002,
        decidedAfter: 2,
      });
    }
    for (const [opcode, kind] of [
      [8, 'close'],
      [9, 'ping'],
      [0xa, 'pong'],
    ] as const) {
      cases.push(
        {
          name: `§5.5 ${kind} with a 126-byte payload → 1002 ${r}`,
          role,
          wire: f({
            opcode,
            payload: opcode === 8 ? closeBody(1000, 'x'.repeat(124)) : pattern(126),
          }),
          code: 1002,
          decidedAfter: 2,
        },
        {
          name: `§5.5 fragmented ${kind} (FIN clear) → 1002 ${r}`,
          role,
          wire: f({ opcode, fin: false, payload: opcode === 8 ? closeBody(1000) : 'x' }),
          code: 1002,
          decidedAfter: 2,
        },
      );
    }
    cases.push(
      {
        name: `§5.5 ping announcing 125 bytes in the 16-bit length form → 1002 ${r}`,
        role,
        wire: f({ opcode: 9, payload: pattern(125), lengthBits: 16 }),
        code: 1002,
        decidedAfter: 2,
      },
      {
        name: `§5.4 continuation frame with no message started → 1002 ${r}`,
        role,
        wire: f({ opcode: 0, payload: 'x' }),
        code: 1002,
        decidedAfter: 2,
      },
      {
        name: `§5.4 continuation frame after a finished message → 1002 ${r}`,
        role,
        wire: concat(f({ opcode: 1, payload: 'ok' }), f({ opcode: 0, payload: 'x' })),
        code: 1002,
        before: [{ kind: 'text', data: utf8('ok') }],
      },
      {
        name: `§5.4 new text frame inside a fragmented text message → 1002 ${r}`,
        role,
        wire: concat(f({ opcode: 1, fin: false, payload: 'a' }), f({ opcode: 1, payload: 'b' })),
        code: 1002,
      },
      {
        name: `§5.4 new binary frame inside a fragmented text message → 1002 ${r}`,
        role,
        wire: concat(f({ opcode: 1, fin: false, payload: 'a' }), f({ opcode: 2, payload: 'b' })),
        code: 1002,
      },
      {
        name: `§5.4 new text frame inside a fragmented binary message, after a ping → 1002 ${r}`,
        role,
        wire: concat(
          f({ opcode: 2, fin: false, payload: 'a' }),
          f({ opcode: 9, payload: 'p' }),
          f({ opcode: 1, payload: 'b' }),
        ),
        code: 1002,
        before: [{ kind: 'ping', data: utf8('p') }],
      },
      {
        name: `§5.2 16-bit length form for 125 bytes (not minimal) → 1002 ${r}`,
        role,
        wire: f({ opcode: 2, payload: pattern(125), lengthBits: 16 }),
        code: 1002,
        decidedAfter: 4,
      },
      {
        name: `§5.2 16-bit length form for 0 bytes (not minimal) → 1002 ${r}`,
        role,
        wire: f({ opcode: 2, lengthBits: 16 }),
        code: 1002,
        decidedAfter: 4,
      },
      {
        name: `§5.2 64-bit length form for 65535 bytes (not minimal) → 1002 ${r}`,
        role,
        wire: f({ opcode: 2, payload: pattern(65535), lengthBits: 64 }),
        code: 1002,
        decidedAfter: 10,
      },
      {
        name: `§5.2 64-bit length form for 125 bytes (not minimal) → 1002 ${r}`,
        role,
        wire: f({ opcode: 1, payload: 'x'.repeat(125), lengthBits: 64 }),
        code: 1002,
        decidedAfter: 10,
      },
      {
        name: `§5.2 64-bit length with the most significant bit set (2^63) → 1002 ${r}`,
        role,
        wire: f({ opcode: 2, announce: 2 ** 63, lengthBits: 64 }),
        code: 1002,
        decidedAfter: 10,
      },
      {
        name: `§5.2 64-bit length FFFFFFFFFFFFFFFF → 1002, not 1009 ${r}`,
        role,
        wire: concat(
          hex(`82 ${role === 'server' ? 'ff' : '7f'} ff ff ff ff ff ff ff ff`),
          role === 'server' ? hex('01 02 03 04') : new Uint8Array(0),
        ),
        code: 1002,
        decidedAfter: 10,
      },
      {
        name: `§5.5.1 close frame with a 1-byte payload → 1002 ${r}`,
        role,
        wire: f({ opcode: 8, payload: hex('03') }),
        code: 1002,
      },
      {
        name: `§5.5.1 §8.1 close reason that is not UTF-8 → 1007 ${r}`,
        role,
        wire: f({ opcode: 8, payload: closeBody(1000, hex('ff fe')) }),
        code: 1007,
      },
      {
        name: `§5.5.1 §8.1 close reason cut mid code point → 1007 ${r}`,
        role,
        wire: f({ opcode: 8, payload: closeBody(1000, hex('68 c3')) }),
        code: 1007,
      },
      {
        name: `§8.1 single text frame with invalid UTF-8 → 1007 ${r}`,
        role,
        wire: f({ opcode: 1, payload: hex('48 65 c0 af') }),
        code: 1007,
      },
      {
        name: `§8.1 single text frame with a UTF-16 surrogate (ED A0 80) → 1007 ${r}`,
        role,
        wire: f({ opcode: 1, payload: hex('ed a0 80') }),
        code: 1007,
      },
      {
        name: `§8.1 single text frame ending mid code point → 1007 ${r}`,
        role,
        wire: f({ opcode: 1, payload: hex('e2 82') }),
        code: 1007,
      },
      {
        name: `§8.1 text valid per fragment but invalid joined (E2 82 | 28) → 1007 ${r}`,
        role,
        wire: concat(
          f({ opcode: 1, fin: false, payload: hex('e2 82') }),
          f({ opcode: 0, payload: hex('28') }),
        ),
        code: 1007,
      },
      {
        name: `§8.1 fragmented text ending mid code point (E2 82 | empty final) → 1007 ${r}`,
        role,
        wire: concat(
          f({ opcode: 1, fin: false, payload: hex('e2 82') }),
          f({ opcode: 0, payload: new Uint8Array(0) }),
        ),
        code: 1007,
      },
      {
        name: `§10.4 frame over maxFrameSize → 1009 ${r}`,
        role,
        wire: f({ opcode: 2, payload: pattern(101) }),
        code: 1009,
        options: { maxFrameSize: 100 },
      },
      {
        name: `§10.4 message over maxMessageSize across fragments → 1009 ${r}`,
        role,
        wire: concat(
          f({ opcode: 2, fin: false, payload: pattern(60) }),
          f({ opcode: 0, payload: pattern(41) }),
        ),
        code: 1009,
        options: { maxMessageSize: 100 },
      },
    );
    for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
      cases.push({
        name: `§7.4 close code ${code} is invalid on the wire → 1002 ${r}`,
        role,
        wire: f({ opcode: 8, payload: closeBody(code) }),
        code: 1002,
      });
    }
  }
  cases.push(
    {
      name: '§5.1 unmasked frame from a client → 1002 (server reads)',
      role: 'server',
      wire: frame({ opcode: 1, payload: 'Hello' }),
      code: 1002,
      decidedAfter: 2,
    },
    {
      name: '§5.1 unmasked ping from a client → 1002 (server reads)',
      role: 'server',
      wire: frame({ opcode: 9 }),
      code: 1002,
      decidedAfter: 2,
    },
    {
      name: '§5.1 masked frame from a server → 1002 (client reads)',
      role: 'client',
      wire: clientFrame({ opcode: 1, payload: 'Hello' }),
      code: 1002,
      decidedAfter: 2,
    },
    {
      name: '§5.1 masked close from a server → 1002 (client reads)',
      role: 'client',
      wire: clientFrame({ opcode: 8, payload: closeBody(1000) }),
      code: 1002,
      decidedAfter: 2,
    },
  );
  return cases;
}

export const ERROR_CASES: readonly ErrorCase[] = errorCases();
