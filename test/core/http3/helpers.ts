/**
 * Helpers for the HTTP/3 core tests: hex, byte builders for frames and streams that may break
 * rules on purpose, a pair of sessions joined in memory (write actions of one become
 * `streamData` of the other), and drains that turn a session's output into plain objects.
 */
import { Http3ErrorCode } from '../../../src/core/http3/error-code.js';
import type { Http3Event } from '../../../src/core/http3/http3-event.js';
import { Http3Session, type Http3SessionOptions } from '../../../src/core/http3/http3-session.js';
import { varintLength, writeVarint } from '../../../src/core/http3/varint.js';
import { encodeFieldSection, type FieldLines } from '../../../src/core/qpack/field-encoder.js';

/** `hex('00 01 ff')` → bytes. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/[\s,]+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Bytes → `'0001ff'`. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

/** Concatenate byte arrays. */
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

/** One varint. */
export function varint(value: number): Uint8Array {
  const out = new Uint8Array(varintLength(value));
  writeVarint(out, 0, value);
  return out;
}

/** A frame: type varint, length varint (or `announce`), payload. */
export function frame(
  type: number,
  payload: Uint8Array = new Uint8Array(0),
  announce?: number,
): Uint8Array {
  return concat(varint(type), varint(announce ?? payload.length), payload);
}

/** A SETTINGS frame from pairs. */
export function settingsFrame(pairs: ReadonlyArray<readonly [number, number]> = []): Uint8Array {
  return frame(0x04, concat(...pairs.flatMap(([id, value]) => [varint(id), varint(value)])));
}

/** A HEADERS frame with these lines, encoded by our encoder (static table only). */
export function headersFrame(lines: FieldLines): Uint8Array {
  return frame(0x01, encodeFieldSection(lines));
}

/** A DATA frame. */
export function dataFrame(payload: Uint8Array | string): Uint8Array {
  return frame(0x00, typeof payload === 'string' ? new TextEncoder().encode(payload) : payload);
}

/** The lines of a valid WebSocket extended CONNECT. */
export const WS_REQUEST: FieldLines = [
  [':method', 'CONNECT'],
  [':protocol', 'websocket'],
  [':scheme', 'https'],
  [':authority', 'example.com'],
  [':path', '/chat?room=1'],
  ['sec-websocket-version', '13'],
  ['origin', 'https://example.com'],
];

/** A client control stream opening: type 0x00 then SETTINGS. */
export function controlStream(pairs: ReadonlyArray<readonly [number, number]> = []): Uint8Array {
  return concat(varint(0x00), settingsFrame(pairs));
}

/** An event as a plain object (views copied into arrays, field sections as pairs). */
export type Plain = Record<string, unknown>;

/** Plain form of one event, for `deepStrictEqual`. */
export function plain(event: Http3Event): Plain {
  switch (event.type) {
    case 'write':
      return { ...event, data: toHex(event.data) };
    case 'data':
      return { ...event, data: toHex(event.data) };
    case 'request':
    case 'response':
    case 'trailers':
      return { ...event, fields: [...event.fields] };
    default:
      return { ...event };
  }
}

/** Drain a session's queue as plain objects. */
export function drain(session: Http3Session): Plain[] {
  const out: Plain[] = [];
  for (let e = session.poll(); e !== undefined; e = session.poll()) out.push(plain(e));
  return out;
}

/** Drain and merge adjacent `data` events of the same stream (chunking-independent form). */
export function drainMerged(session: Http3Session): Plain[] {
  const out: Plain[] = [];
  for (let e = session.poll(); e !== undefined; e = session.poll()) {
    const last = out[out.length - 1];
    if (
      e.type === 'data' &&
      last !== undefined &&
      last['type'] === 'data' &&
      last['streamId'] === e.streamId
    ) {
      last['data'] = `${last['data'] as string}${toHex(e.data)}`;
      continue;
    }
    if (e.type === 'data' && e.data.length === 0) continue;
    out.push(plain(e));
  }
  return out;
}

/** A server session with its opening control-stream write drained. */
export function server(options: Partial<Http3SessionOptions> = {}): Http3Session {
  const s = new Http3Session({ role: 'server', ...options });
  drain(s);
  return s;
}

/** A client session with its opening control-stream write drained. */
export function client(options: Partial<Http3SessionOptions> = {}): Http3Session {
  const s = new Http3Session({ role: 'client', ...options });
  drain(s);
  return s;
}

/** A server that has received a client control stream with `pairs` as SETTINGS. */
export function readyServer(
  options: Partial<Http3SessionOptions> = {},
  pairs: ReadonlyArray<readonly [number, number]> = [],
): Http3Session {
  const s = server(options);
  s.streamData(2, controlStream(pairs));
  drain(s);
  return s;
}

/** A client that has received a server control stream with `pairs` as SETTINGS. */
export function readyClient(
  options: Partial<Http3SessionOptions> = {},
  pairs: ReadonlyArray<readonly [number, number]> = [[0x08, 1]],
): Http3Session {
  const s = client(options);
  s.streamData(3, controlStream(pairs));
  drain(s);
  return s;
}

/** The `close` action expected for `code`, reason ignored. */
export function closeCode(events: readonly Plain[]): number | undefined {
  const close = events.find((e) => e['type'] === 'close');
  return close === undefined ? undefined : (close['code'] as number);
}

/** The stream-error code in events, if any. */
export function streamErrorCode(events: readonly Plain[]): number | undefined {
  const error = events.find((e) => e['type'] === 'stream-error');
  return error === undefined ? undefined : (error['code'] as number);
}

let moved = 0;

/**
 * Move the queued output of `from` into `to`: writes become `streamData`, resets become
 * `streamReset`, stop-sending becomes `streamStopSending`. Returns the application events of
 * `from` (the rest of its output).
 */
export function deliver(from: Http3Session, to: Http3Session): Http3Event[] {
  const events: Http3Event[] = [];
  for (let e = from.poll(); e !== undefined; e = from.poll()) {
    moved++;
    switch (e.type) {
      case 'write':
        to.streamData(e.streamId, e.data.slice(), e.fin);
        break;
      case 'reset-stream':
        to.streamReset(e.streamId, e.code);
        break;
      case 'stop-sending':
        to.streamStopSending(e.streamId, e.code);
        break;
      default:
        events.push(e);
    }
  }
  return events;
}

export { Http3ErrorCode };

/** Pump both ways until neither session has output; the application events of each. */
export function exchange(
  client: Http3Session,
  server: Http3Session,
): { client: Http3Event[]; server: Http3Event[] } {
  const out = { client: [] as Http3Event[], server: [] as Http3Event[] };
  for (let round = 0; round < 100; round++) {
    const before = moved;
    out.client.push(...deliver(client, server));
    out.server.push(...deliver(server, client));
    if (moved === before) return out;
  }
  throw new Error('sessions never settled');
}
