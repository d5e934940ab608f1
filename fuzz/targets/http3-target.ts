/**
 * Fuzz target 10: the HTTP/3 session and frame reader (src/core/http3), either role, fed
 * several streams. Oracles: any chunking gives the same events; an independent whole-stream
 * frame splitter; invariants.
 *
 * Input: byte 0 picks the role (bit 0) and a small field-section limit (bit 1); then records of
 * [stream selector, length, bytes..., flags] where the selector picks one of the request or
 * unidirectional stream IDs, and flags bit 0 is FIN, bit 1 a reset after the bytes. Checks:
 * - `streamData`, `streamReset` and `poll` never throw;
 * - at most one `close`, always the last item;
 * - fed the same streams cut into other pieces (one byte at a time sometimes), the session gives
 *   the same events, DATA pieces merged;
 * - on a request stream that ended without any error, the concatenated `data` events equal the
 *   DATA payloads a plain whole-buffer frame splitter finds in the stream's bytes;
 * - every `request`/`response` event carries lower-case field names and no CR, LF or NUL.
 */
import { Http3Session } from '../../src/core/http3/http3-session.js';
import { readVarint, varintSize } from '../../src/core/http3/varint.js';
import { encodeFieldSection } from '../../src/core/qpack/field-encoder.js';
import { FuzzFailure, type FuzzTarget, hex, latin1 } from '../engine/fuzz-target.js';
import { chunkings } from './chunking.js';

type Op = {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly fin: boolean;
  readonly reset: boolean;
};

const IDS = [0, 4, 8, 2, 3, 6, 7, 1] as const;

function parse(input: Uint8Array): Op[] {
  const ops: Op[] = [];
  let at = 1;
  while (at + 2 <= input.length) {
    const id = IDS[input[at]! & 7]!;
    const length = input[at + 1]!;
    const bytes = input.subarray(at + 2, Math.min(input.length, at + 2 + length));
    at += 2 + bytes.length;
    const flags = at < input.length ? input[at++]! : 0;
    ops.push({ id, bytes, fin: (flags & 1) !== 0, reset: (flags & 2) !== 0 });
  }
  return ops;
}

type Item = Record<string, unknown>;

function session(role: 'server' | 'client', small: boolean): Http3Session {
  const s = new Http3Session({ role, maxFieldSectionSize: small ? 200 : 65536 });
  s.poll();
  if (role === 'client') {
    // A server control stream enabling extended CONNECT, then two requests (streams 0 and 4).
    s.streamData(3, Uint8Array.of(0x00, 0x04, 0x02, 0x08, 0x01));
    s.openRequest([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'a'],
      [':path', '/'],
    ]);
    s.openRequest([
      [':method', 'CONNECT'],
      [':protocol', 'websocket'],
      [':scheme', 'https'],
      [':authority', 'a'],
      [':path', '/'],
    ]);
    while (s.poll() !== undefined) {
      // drop the setup output
    }
  }
  return s;
}

function drain(s: Http3Session, out: Item[]): void {
  for (let e = s.poll(); e !== undefined; e = s.poll()) {
    if (e.type === 'data') {
      const last = out[out.length - 1];
      const piece = Buffer.from(e.data).toString('hex');
      if (last !== undefined && last['type'] === 'data' && last['streamId'] === e.streamId)
        last['data'] += piece;
      else if (piece !== '') out.push({ type: 'data', streamId: e.streamId, data: piece });
      continue;
    }
    if (e.type === 'write')
      out.push({
        type: 'write',
        streamId: e.streamId,
        data: Buffer.from(e.data).toString('hex'),
        fin: e.fin,
      });
    else if (e.type === 'request' || e.type === 'response' || e.type === 'trailers')
      out.push({ ...e, fields: [...e.fields].map(([n, v]) => `${n}: ${v}`) });
    else out.push({ ...e });
  }
}

function runOps(
  role: 'server' | 'client',
  small: boolean,
  ops: readonly Op[],
  salt: number,
): Item[] {
  const s = session(role, small);
  const out: Item[] = [];
  for (const op of ops) {
    const pieces = salt < 0 ? [op.bytes] : chunkings(op.bytes, salt);
    if (pieces.length === 0) pieces.push(new Uint8Array(0));
    for (let i = 0; i < pieces.length; i++)
      s.streamData(op.id, pieces[i]!, op.fin && i === pieces.length - 1);
    if (op.reset) s.streamReset(op.id, 0x10c);
    drain(s, out);
  }
  return out;
}

/** DATA payloads of a request stream by plain whole-buffer splitting; `undefined` if cut. */
function dataPayloads(bytes: Uint8Array): string | undefined {
  let at = 0;
  let out = '';
  while (at < bytes.length) {
    const type = readVarint(bytes, at);
    if (type < 0) return undefined;
    at += varintSize(bytes[at]!);
    const length = readVarint(bytes, at);
    if (length < 0) return undefined;
    at += varintSize(bytes[at]!);
    if (at + length > bytes.length) return undefined;
    if (type === 0) out += Buffer.from(bytes.subarray(at, at + length)).toString('hex');
    at += length;
  }
  return out;
}

function run(input: Uint8Array): void {
  if (input.length < 1) return;
  const role = (input[0]! & 1) === 0 ? 'server' : 'client';
  const small = (input[0]! & 2) !== 0;
  const ops = parse(input);
  const whole = runOps(role, small, ops, -1);
  const fail = (what: string): never => {
    throw new FuzzFailure('http3', `${role}: ${what} on ${hex(input)}`);
  };
  const closes = whole.filter((e) => e['type'] === 'close').length;
  if (closes > 1) fail('more than one close');
  if (closes === 1 && whole[whole.length - 1]!['type'] !== 'close') fail('items after close');
  const chunked = runOps(role, small, ops, input.length);
  if (JSON.stringify(chunked) !== JSON.stringify(whole)) fail('chunking changed the events');
  for (const e of whole) {
    const fields = e['fields'] as string[] | undefined;
    if (fields === undefined) continue;
    for (const line of fields) {
      const name = line.slice(0, line.indexOf(': '));
      if (name !== name.toLowerCase()) fail(`upper-case name ${name} accepted`);
      if (/[\r\n\0]/.test(line)) fail('CR, LF or NUL accepted');
    }
  }
  if (closes === 1) return;
  // The splitter oracle: request streams fed once, whole, with FIN and no error or reset.
  for (const id of [0, 4, 8]) {
    const mine = ops.filter((o) => o.id === id);
    if (mine.length !== 1 || !mine[0]!.fin || mine[0]!.reset) continue;
    if (
      whole.some(
        (e) =>
          e['streamId'] === id && (e['type'] === 'stream-error' || e['type'] === 'stop-sending'),
      )
    )
      continue;
    if (!whole.some((e) => e['streamId'] === id && e['type'] === 'end')) continue;
    const expected = dataPayloads(mine[0]!.bytes);
    const got = whole
      .filter((e) => e['streamId'] === id && e['type'] === 'data')
      .map((e) => e['data'])
      .join('');
    if (expected !== got) fail(`stream ${id}: data ${got} but the splitter finds ${expected}`);
  }
}

function record(id: number, bytes: Uint8Array, flags: number): number[] {
  return [IDS.indexOf(id as (typeof IDS)[number]), bytes.length, ...bytes, flags];
}

function frameBytes(type: number, payload: Uint8Array): number[] {
  return [type, payload.length, ...payload];
}

function seeds(): Uint8Array[] {
  const request = encodeFieldSection([
    [':method', 'CONNECT'],
    [':protocol', 'websocket'],
    [':scheme', 'https'],
    [':authority', 'example.com'],
    [':path', '/chat'],
    ['sec-websocket-version', '13'],
  ]);
  const get = encodeFieldSection([
    [':method', 'GET'],
    [':scheme', 'https'],
    [':authority', 'example.com'],
    [':path', '/'],
    ['content-length', '2'],
  ]);
  const status = encodeFieldSection([[':status', '200']]);
  const control = Uint8Array.of(0x00, 0x04, 0x04, 0x06, 0x44, 0x00, 0x08, 0x01);
  const ws = Uint8Array.from([
    ...frameBytes(0x01, request),
    ...frameBytes(0x00, latin1('hello')),
    ...frameBytes(0x21, Uint8Array.of(1)),
  ]);
  const plain = Uint8Array.from([
    ...frameBytes(0x01, get),
    ...frameBytes(0x00, latin1('ok')),
    ...frameBytes(0x01, encodeFieldSection([['x-t', '1']])),
  ]);
  const response = Uint8Array.from([
    ...frameBytes(0x01, status),
    ...frameBytes(0x00, latin1('abc')),
  ]);
  return [
    Uint8Array.from([0, ...record(2, control, 0), ...record(0, ws, 0), ...record(4, plain, 1)]),
    Uint8Array.from([
      0,
      ...record(0, ws, 1),
      ...record(6, Uint8Array.of(0x02, 0x20), 0),
      ...record(7, Uint8Array.of(0x21, 0, 0), 1),
    ]),
    Uint8Array.from([
      1,
      ...record(3, control, 0),
      ...record(0, response, 1),
      ...record(4, response, 0),
    ]),
    Uint8Array.from([
      3,
      ...record(3, control, 0),
      ...record(4, response, 2),
      ...record(7, Uint8Array.of(0x03, 0x40), 0),
    ]),
    Uint8Array.from([
      2,
      ...record(2, Uint8Array.of(0x00, 0x07, 0x01, 0x00), 0),
      ...record(0, plain, 1),
    ]),
  ];
}

export const http3Target: FuzzTarget = {
  name: 'http3-frames',
  files: [
    'src/core/http3/frame-reader.js',
    'src/core/http3/http3-session.js',
    'src/core/http3/message-check.js',
    'src/core/http3/settings.js',
    'src/core/http3/varint.js',
    'src/core/qpack/instruction-stream.js',
  ],
  maxLength: 1024,
  dictionary: [
    Uint8Array.of(0x00, 0x04, 0x00),
    Uint8Array.of(0x04, 0x00),
    Uint8Array.of(0x07, 0x01, 0x04),
    Uint8Array.of(0x0d, 0x01, 0x00),
    Uint8Array.of(0x03, 0x01, 0x00),
    Uint8Array.of(0x21, 0x00),
    Uint8Array.of(0x40, 0x21),
    Uint8Array.of(0x01, 0x03, 0x00, 0x00, 0xd9),
    Uint8Array.of(0x00, 0x00, 0xcf),
    Uint8Array.of(0x00, 0x02, 0x81, 0x00),
    Uint8Array.of(0x02, 0x3f, 0xe1, 0x1f),
    Uint8Array.of(0x03, 0x84),
    Uint8Array.of(0x08, 0x01),
    latin1(':protocol'),
    latin1('websocket'),
  ],
  seeds,
  run,
};
