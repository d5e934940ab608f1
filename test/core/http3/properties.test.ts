/**
 * Property tests for the session (fast-check):
 * - any chunking of each stream's bytes (one piece, random pieces, one byte at a time) gives the
 *   same events, with DATA pieces merged (their cut points follow the chunks by design);
 * - arbitrary bytes on any stream, with any FIN and resets, never throw; the session ends with
 *   at most one `close`, always last, and queues nothing after it;
 * - a random request (fields, body in several DATA frames, trailers) written by a client session
 *   reaches a server session as the same request.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { Http3Session } from '../../../src/core/http3/http3-session.js';
import type { FieldLines } from '../../../src/core/qpack/field-encoder.js';
import {
  concat,
  controlStream,
  dataFrame,
  drainMerged,
  exchange,
  frame,
  headersFrame,
  type Plain,
  toHex,
  varint,
  WS_REQUEST,
} from './helpers.js';

/** Cut `bytes` at `cuts` (taken modulo its length). */
function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  if (bytes.length === 0) return [bytes];
  const points = [...new Set(cuts.map((c) => c % bytes.length))]
    .filter((p) => p > 0)
    .sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.slice(at, p));
    at = p;
  }
  out.push(bytes.slice(at));
  return out;
}

type StreamInput = { readonly id: number; readonly bytes: Uint8Array; readonly fin: boolean };

/** Feed whole streams one after another, each cut as `cuts` says; the merged events. */
function run(
  role: 'server' | 'client',
  streams: readonly StreamInput[],
  cuts: readonly number[] | 'bytewise',
): Plain[] {
  const s = new Http3Session({ role, maxFieldSectionSize: 2000 });
  s.poll();
  if (role === 'client') {
    s.streamData(3, controlStream([[8, 1]]));
    s.openRequest(WS_REQUEST);
    s.openRequest(WS_REQUEST);
    drainMerged(s);
  }
  for (const { id, bytes, fin } of streams) {
    const pieces =
      cuts === 'bytewise' ? Array.from(bytes, (b) => Uint8Array.of(b)) : cut(bytes, cuts);
    if (pieces.length === 0) pieces.push(new Uint8Array(0));
    for (let i = 0; i < pieces.length; i++)
      s.streamData(id, pieces[i]!, fin && i === pieces.length - 1);
  }
  return drainMerged(s);
}

const GET: FieldLines = [
  [':method', 'GET'],
  [':scheme', 'https'],
  [':authority', 'example.com'],
  [':path', '/'],
];

/** Valid and invalid building blocks of a stream. */
const pieceArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(headersFrame(GET)),
  fc.constant(headersFrame(WS_REQUEST)),
  fc.constant(headersFrame([[':status', '200']])),
  fc.constant(headersFrame([['x-trailer', 'yes']])),
  fc.uint8Array({ maxLength: 40 }).map((b) => dataFrame(b)),
  fc.uint8Array({ maxLength: 10 }).map((b) => frame(0x21, b)),
  fc.constant(frame(0x04, concat(varint(6), varint(100)))),
  fc.constant(frame(0x07, varint(4))),
  fc.constant(frame(0x0d, varint(2))),
  fc.uint8Array({ maxLength: 12 }),
);

const streamsArb = fc.array(
  fc.record({
    id: fc.constantFrom(0, 4, 2, 3, 6, 7),
    parts: fc.array(pieceArb, { maxLength: 6 }),
    prefix: fc.constantFrom(undefined, 0x00, 0x02, 0x03, 0x21),
    fin: fc.boolean(),
  }),
  { maxLength: 4 },
);

type RawStream = {
  id: number;
  parts: Uint8Array[];
  prefix: number | undefined;
  fin: boolean;
};

function toInputs(streams: readonly RawStream[]): StreamInput[] {
  return streams.map(({ id, parts, prefix, fin }) => ({
    id,
    bytes: concat(...(prefix === undefined || (id & 2) === 0 ? [] : [varint(prefix)]), ...parts),
    fin,
  }));
}

for (const role of ['server', 'client'] as const) {
  test(`property (${role}): any chunking of the streams gives the same events`, () => {
    fc.assert(
      fc.property(streamsArb, fc.array(fc.nat(), { maxLength: 12 }), (streams, cuts) => {
        const inputs = toInputs(streams);
        const whole = run(role, inputs, []);
        assert.deepEqual(run(role, inputs, cuts), whole);
        assert.deepEqual(run(role, inputs, 'bytewise'), whole);
      }),
      { numRuns: 300 },
    );
  });

  test(`property (${role}): arbitrary bytes, FINs and resets never throw; one close, last`, () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: fc.nat(40),
            bytes: fc.uint8Array({ maxLength: 64 }),
            fin: fc.boolean(),
            reset: fc.boolean(),
            stop: fc.boolean(),
          }),
          { maxLength: 12 },
        ),
        (ops) => {
          const s = new Http3Session({ role });
          for (const op of ops) {
            s.streamData(op.id, op.bytes, op.fin);
            if (op.reset) s.streamReset(op.id, 0x10c);
            if (op.stop) s.streamStopSending(op.id, 0x10c);
          }
          const events = drainMerged(s);
          const closes = events.filter((e) => e['type'] === 'close');
          assert.ok(closes.length <= 1);
          if (closes.length === 1) assert.equal(events[events.length - 1]!['type'], 'close');
        },
      ),
      { numRuns: 500 },
    );
  });
}

test('property: a request written by a client session arrives whole at a server session', () => {
  const token = fc
    .stringMatching(/^[a-z][a-z0-9-]{0,15}$/)
    .filter(
      (n) =>
        ![
          'connection',
          'keep-alive',
          'proxy-connection',
          'transfer-encoding',
          'upgrade',
          'te',
          'host',
          'content-length',
        ].includes(n),
    );
  const value = fc.stringMatching(/^[\x21-\x7e]([\x20-\x7e]{0,30}[\x21-\x7e])?$/);
  fc.assert(
    fc.property(
      fc.array(fc.tuple(token, value), { maxLength: 8 }),
      fc.array(fc.uint8Array({ maxLength: 100 }), { maxLength: 5 }),
      fc.option(fc.array(fc.tuple(token, value), { minLength: 1, maxLength: 3 }), {
        nil: undefined,
      }),
      (extra, body, trailers) => {
        const server = new Http3Session({ role: 'server' });
        const client = new Http3Session({ role: 'client' });
        exchange(client, server);
        const lines: (readonly [string, string])[] = [...GET, ...extra];
        const id = client.openRequest(lines);
        for (let i = 0; i < body.length; i++)
          client.sendData(id, body[i]!, trailers === undefined && i === body.length - 1);
        if (trailers !== undefined) client.sendHeaders(id, trailers, true);
        else if (body.length === 0) client.finish(id);
        const events = exchange(client, server).server;
        const types = events.map((e) => e.type);
        const request = events[0];
        assert.ok(request !== undefined && request.type === 'request');
        assert.deepEqual([...request.fields], lines);
        const data = events.flatMap((e) => (e.type === 'data' ? [toHex(e.data)] : [])).join('');
        assert.equal(data, body.map(toHex).join(''));
        if (trailers !== undefined) {
          const t = events.find((e) => e.type === 'trailers');
          assert.ok(t !== undefined && t.type === 'trailers');
          assert.deepEqual([...t.fields], trailers);
        }
        assert.equal(types[types.length - 1], 'end');
      },
    ),
    { numRuns: 200 },
  );
});

test('requests on streams that open out of order are all served; late data after retirement is dropped', () => {
  const s = new Http3Session({ role: 'server' });
  s.poll();
  s.streamData(8, headersFrame(GET), true);
  s.streamData(0, headersFrame(GET), true);
  s.streamData(4, headersFrame(GET), true);
  const events = drainMerged(s);
  assert.deepEqual(
    events.map((e) => [e['type'], e['streamId']]),
    [
      ['request', 8],
      ['end', 8],
      ['request', 0],
      ['end', 0],
      ['request', 4],
      ['end', 4],
    ],
  );
  for (const id of [0, 4, 8]) s.finish(id);
  drainMerged(s);
  s.streamData(4, dataFrame('late'));
  s.streamData(0, dataFrame('late'));
  assert.deepEqual(drainMerged(s), []);
  s.streamData(12, headersFrame(GET));
  assert.equal(drainMerged(s)[0]!['type'], 'request');
});
