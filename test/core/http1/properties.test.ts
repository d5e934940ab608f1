/**
 * Properties, with fast-check:
 * - any chunking of the same bytes gives the same events (valid streams, mutated streams,
 *   HTTP-shaped junk), for both readers, with and without EOF;
 * - the readers never throw and always stop (drive() bounds the steps) on arbitrary bytes;
 * - what RequestWriter / writeRequestHead / writeResponseHead write, the readers read back.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { RequestReader } from '../../../src/core/http1/request-reader.js';
import { RequestWriter } from '../../../src/core/http1/request-writer.js';
import { ResponseReader } from '../../../src/core/http1/response-reader.js';
import { encodeRequestHead, encodeResponseHead } from '../../../src/core/http1/write-head.js';
import {
  bytes,
  bytewise,
  concat,
  drive,
  type Fields,
  type Recorded,
  readRequests,
  readResponses,
  splitAt,
  str,
} from './helpers.js';

const TCHARS = Array.from(
  "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
);
const RESERVED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'upgrade',
  'expect',
]);

const token = fc.string({ unit: fc.constantFrom(...TCHARS), minLength: 1, maxLength: 10 });
const fieldName = token.filter((n) => !RESERVED.has(n.toLowerCase()));
// Field value octets: VCHAR, obs-text, SP, HTAB (as latin1 chars).
const valueChar = fc
  .oneof(
    fc.integer({ min: 0x21, max: 0x7e }),
    fc.integer({ min: 0x80, max: 0xff }),
    fc.constantFrom(0x20, 0x09),
  )
  .map((c) => String.fromCharCode(c));
const fieldValue = fc.string({ unit: valueChar, maxLength: 20 });
const fields = fc.array(fc.tuple(fieldName, fieldValue), { maxLength: 6 });
const targetChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
const target = fc.string({ unit: targetChar, maxLength: 16 }).map((t) => `/${t}`);
const bodyText = fc.string({
  unit: fc.integer({ min: 0, max: 0xff }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

const trimOws = (v: string): string => v.replace(/^[ \t]+|[ \t]+$/g, '');

/** A body in chunked coding, cut at the given sizes, with optional extensions and trailers. */
const chunkedBody = fc
  .record({
    data: bodyText,
    cuts: fc.array(fc.nat({ max: 40 }), { maxLength: 4 }),
    ext: fc.constantFrom('', ';a', ';a=b', ' ;q="x,y"'),
    upper: fc.boolean(),
    trailers: fields,
  })
  .map(({ data, cuts, ext, upper, trailers }) => {
    let wire = '';
    for (const piece of splitAt(bytes(data), cuts)) {
      if (piece.length === 0) continue;
      const size = piece.length.toString(16);
      wire += `${upper ? size.toUpperCase() : size}${ext}\r\n${str(piece)}\r\n`;
    }
    wire += `0${ext}\r\n`;
    for (const [n, v] of trailers) wire += `${n}: ${v}\r\n`;
    return { wire: `${wire}\r\n`, data, trailers };
  });

interface Message {
  wire: string;
  expected: Recorded[];
}

const request = fc
  .record({
    leading: fc.constantFrom('', '\r\n'),
    method: token,
    target,
    fields,
    framing: fc.constantFrom('none', 'length', 'chunked'),
    body: bodyText,
    chunked: chunkedBody,
  })
  .map(({ leading, method, target, fields: extra, framing, body, chunked }): Message => {
    const headers: Fields = [['Host', 'h'], ...extra];
    if (framing === 'length') headers.push(['Content-Length', String(body.length)]);
    if (framing === 'chunked') headers.push(['Transfer-Encoding', 'chunked']);
    let wire = `${leading}${method} ${target} HTTP/1.1\r\n`;
    for (const [n, v] of headers) wire += `${n}: ${v}\r\n`;
    wire += '\r\n';
    const expected: Recorded[] = [
      {
        type: 'head',
        method,
        target,
        version: '1.1',
        headers: headers.map(([n, v]) => [n, trimOws(v)]),
        framing,
        contentLength: framing === 'length' ? body.length : null,
        keepAlive: true,
        upgrade: false,
        expectContinue: false,
      },
    ];
    if (framing === 'length') {
      wire += body;
      if (body.length > 0) expected.push({ type: 'body', data: body });
      expected.push({ type: 'end', trailers: [] });
    } else if (framing === 'chunked') {
      wire += chunked.wire;
      if (chunked.data.length > 0) expected.push({ type: 'body', data: chunked.data });
      expected.push({ type: 'end', trailers: chunked.trailers.map(([n, v]) => [n, trimOws(v)]) });
    } else {
      expected.push({ type: 'end', trailers: [] });
    }
    return { wire, expected };
  });

const requestStream = fc.array(request, { minLength: 1, maxLength: 4 });

/** Random cut points for `data`. */
const cutsFor = (length: number): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 0, max: Math.max(0, length) }), { maxLength: 12 });

/** Merges adjacent body events of concatenated message expectations. */
function joinExpected(messages: readonly Message[]): Recorded[] {
  return messages.flatMap((m) => m.expected);
}

describe('properties: any chunking gives the same events', () => {
  test('valid request streams: events match the model for every chunking', () => {
    fc.assert(
      fc.property(
        requestStream.chain((ms) =>
          fc.tuple(fc.constant(ms), cutsFor(ms.map((m) => m.wire).join('').length)),
        ),
        ([messages, cuts]) => {
          const input = bytes(messages.map((m) => m.wire).join(''));
          const expected = joinExpected(messages);
          assert.deepEqual(readRequests([input]), expected);
          assert.deepEqual(readRequests(splitAt(input, cuts)), expected);
          assert.deepEqual(readRequests(bytewise(input)), expected);
        },
      ),
      { numRuns: 150 },
    );
  });

  test('mutated request streams: same events for any chunking, never a throw', () => {
    const mutation = fc.record({
      at: fc.nat(),
      byte: fc.integer({ min: 0, max: 255 }),
      kind: fc.constantFrom('set', 'insert', 'delete'),
    });
    fc.assert(
      fc.property(
        requestStream,
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        fc.record({
          maxHeadBytes: fc.integer({ min: 16, max: 200 }),
          maxBodyBytes: fc.integer({ min: 0, max: 60 }),
          maxHeaders: fc.integer({ min: 0, max: 8 }),
          maxChunkLineBytes: fc.integer({ min: 1, max: 12 }),
        }),
        (messages, mutations, cuts, eof, limits) => {
          const data = Array.from(bytes(messages.map((m) => m.wire).join('')));
          for (const { at, byte, kind } of mutations) {
            const i = at % (data.length + 1);
            if (kind === 'set' && i < data.length) data[i] = byte;
            else if (kind === 'insert') data.splice(i, 0, byte);
            else data.splice(i, 1);
          }
          const input = Uint8Array.from(data);
          const options = { ...limits, eof };
          const whole = readRequests([input], options);
          assert.deepEqual(
            readRequests(
              splitAt(
                input,
                cuts.map((c) => c % (input.length + 1)),
              ),
              options,
            ),
            whole,
          );
          assert.deepEqual(readRequests(bytewise(input), options), whole);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('HTTP-shaped junk, both readers: same events for any chunking, never a throw', () => {
    const pieces = fc.constantFrom(
      'GET ',
      'POST ',
      '/',
      ' HTTP/1.1',
      ' HTTP/1.0',
      'HTTP/1.1 ',
      '200 OK',
      '101 Switching',
      '100 Continue',
      '204',
      '304',
      '\r\n',
      '\r',
      '\n',
      ' ',
      '\t',
      ':',
      ';',
      ',',
      'Host: a',
      'Content-Length: 3',
      'Content-Length: 0',
      'Transfer-Encoding: chunked',
      'Connection: close',
      'Connection: upgrade',
      'Upgrade: websocket',
      '0',
      '5',
      'f',
      'abc',
      'x=1',
      '\x00',
      '\xff',
      '\r\n\r\n',
    );
    fc.assert(
      fc.property(
        fc.array(pieces, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.boolean(),
        fc.array(fc.constantFrom('GET', 'HEAD', 'CONNECT'), { maxLength: 4 }),
        (parts, cuts, eof, methods) => {
          const input = bytes(parts.join(''));
          const split = splitAt(
            input,
            cuts.map((c) => c % (input.length + 1)),
          );
          const limits = { maxHeadBytes: 64, maxBodyBytes: 16, maxHeaders: 4 };
          const requests = readRequests([input], { ...limits, eof });
          assert.deepEqual(readRequests(split, { ...limits, eof }), requests);
          assert.deepEqual(readRequests(bytewise(input), { ...limits, eof }), requests);
          const responses = readResponses([input], { ...limits, eof, methods });
          assert.deepEqual(readResponses(split, { ...limits, eof, methods }), responses);
          assert.deepEqual(readResponses(bytewise(input), { ...limits, eof, methods }), responses);
        },
      ),
      { numRuns: 400 },
    );
  });

  test('arbitrary bytes: the readers never throw and always stop', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (input, cuts, eof) => {
          const split = splitAt(
            input,
            cuts.map((c) => c % (input.length + 1)),
          );
          const requests = drive(new RequestReader({ maxHeadBytes: 128 }), split, eof);
          assert.deepEqual(drive(new RequestReader({ maxHeadBytes: 128 }), [input], eof), requests);
          const responses = drive(new ResponseReader({ maxHeadBytes: 128 }), split, eof);
          assert.deepEqual(
            drive(new ResponseReader({ maxHeadBytes: 128 }), [input], eof),
            responses,
          );
          // Prefixing a valid head makes the body path run on arbitrary bytes too.
          const framed = concat([
            bytes('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n'),
            input,
          ]);
          assert.deepEqual(
            readRequests(splitAt(framed, cuts), { eof }),
            readRequests([framed], { eof }),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  test('response streams with interim responses, HEAD and bodiless statuses', () => {
    const response = fc
      .record({
        interim: fc.constantFrom(
          '',
          'HTTP/1.1 100 Continue\r\n\r\n',
          'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n',
        ),
        status: fc.constantFrom(200, 201, 204, 304, 404, 500),
        method: fc.constantFrom('GET', 'HEAD', 'POST'),
        fields,
        chunkedFraming: fc.boolean(),
        body: bodyText,
        chunked: chunkedBody,
      })
      .map(({ interim, status, method, fields: extra, chunkedFraming, body, chunked }) => {
        const bodiless = method === 'HEAD' || status === 204 || status === 304;
        let wire = `${interim}HTTP/1.1 ${status} Reason\r\n`;
        for (const [n, v] of extra) wire += `${n}: ${v}\r\n`;
        wire += chunkedFraming
          ? 'Transfer-Encoding: chunked\r\n\r\n'
          : `Content-Length: ${body.length}\r\n\r\n`;
        let data = '';
        if (!bodiless) {
          wire += chunkedFraming ? chunked.wire : body;
          data = chunkedFraming ? chunked.data : body;
        }
        return { wire, method, data, interim: interim !== '', bodiless };
      });
    fc.assert(
      fc.property(
        fc.array(response, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (rs, cuts) => {
          const input = bytes(rs.map((r) => r.wire).join(''));
          const methods = rs.map((r) => r.method);
          const whole = readResponses([input], { methods });
          assert.deepEqual(
            readResponses(
              splitAt(
                input,
                cuts.map((c) => c % (input.length + 1)),
              ),
              { methods },
            ),
            whole,
          );
          assert.deepEqual(readResponses(bytewise(input), { methods }), whole);
          // Model: per response, [informational], response, [body], end.
          const kinds = rs.flatMap((r) => [
            ...(r.interim ? ['informational'] : []),
            'response',
            ...(r.data.length > 0 ? [`body:${r.data}`] : []),
            'end',
          ]);
          assert.deepEqual(
            whole.map((e) => (e.type === 'body' ? `body:${e.data}` : e.type)),
            kinds,
          );
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('properties: HeaderList agrees with a naive model', () => {
  test('get / getAll / has / hasToken / indexOf', () => {
    const name = fc.constantFrom('a', 'A', 'b', 'B-c', 'b-C', 'x^y', 'x~y');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(name, fieldValue), { maxLength: 8 }),
        name,
        fc.constantFrom('1', 'tok', 'x y'),
        (list, query, tok) => {
          let wire = 'GET / HTTP/1.1\r\nHost: h\r\n';
          for (const [n, v] of list) wire += `${n}: ${v}\r\n`;
          const events = new RequestReader();
          events.receive(bytes(`${wire}\r\n`));
          const head = events.next();
          assert.ok(head.type === 'head');
          const all: Fields = [
            ['Host', 'h'],
            ...list.map(([n, v]): [string, string] => [n, trimOws(v)]),
          ];
          const matching = all
            .filter(([n]) => n.toLowerCase() === query.toLowerCase())
            .map(([, v]) => v);
          assert.deepEqual(head.headers.getAll(query), matching);
          assert.equal(
            head.headers.get(query),
            matching.length === 0 ? undefined : matching.join(', '),
          );
          assert.equal(head.headers.has(query), matching.length > 0);
          assert.equal(
            head.headers.indexOf(query),
            all.findIndex(([n]) => n.toLowerCase() === query.toLowerCase()),
          );
          const tokens = matching.flatMap((v) => v.split(',').map(trimOws)).filter((t) => t !== '');
          assert.equal(
            head.headers.hasToken(query, tok),
            tokens.some((t) => t.toLowerCase() === tok.toLowerCase()),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('properties: writers and readers agree', () => {
  const pathChar = fc.constantFrom(...Array.from("abcXYZ019-._~!$&'()*+,;=:@/ é中😀"));
  const queryText = fc.string({ unit: 'grapheme', maxLength: 8 });

  test('RequestWriter → RequestReader round trip', () => {
    fc.assert(
      fc.property(
        token.filter((m) => m !== 'CONNECT'),
        fc.string({ unit: pathChar, maxLength: 12 }),
        fc.array(fc.tuple(queryText, queryText), { maxLength: 4 }),
        fields,
        fc.option(
          fc.oneof(
            fc.uint8Array({ maxLength: 50 }),
            fc.string({ unit: 'grapheme', maxLength: 20 }),
          ),
        ),
        fc.constantFrom('', '/api', '/v1/x/'),
        (method, path, query, extra, body, basePath) => {
          const writer = new RequestWriter({
            host: 'example.com:8080',
            basePath,
            headers: { 'X-Default': 'd' },
          });
          let builder = writer.request(method, `/${path}`);
          for (const [k, v] of query) builder = builder.query(k, v);
          for (const [n, v] of extra) builder = builder.header(n, v);
          if (body !== null) builder = builder.body(body);
          const wire = builder.finish();

          const reader = new RequestReader({ maxHeaders: 200 });
          reader.receive(wire);
          const head = reader.next();
          assert.ok(head.type === 'head', JSON.stringify(head));
          assert.equal(head.method, method);
          const [rawPath, rawQuery] = head.target.split('?') as [string, string | undefined];
          assert.equal(decodeURIComponent(rawPath), `${basePath.replace(/\/$/, '')}/${path}`);
          assert.deepEqual([...new URLSearchParams(rawQuery ?? '')], query);
          const bodyBytes =
            body === null ? null : typeof body === 'string' ? new TextEncoder().encode(body) : body;
          const expectedFields: Fields = [
            ['Host', 'example.com:8080'],
            ['X-Default', 'd'],
            ...extra.map(([n, v]): [string, string] => [n, trimOws(v)]),
          ];
          if (bodyBytes !== null || ['POST', 'PUT', 'PATCH'].includes(method)) {
            expectedFields.push(['Content-Length', String(bodyBytes?.length ?? 0)]);
          }
          assert.deepEqual([...head.headers], expectedFields);
          const received: Uint8Array[] = [];
          for (let e = reader.next(); e.type !== 'end'; e = reader.next()) {
            assert.ok(e.type === 'body', e.type);
            received.push(e.data);
          }
          assert.deepEqual(concat(received), bodyBytes ?? new Uint8Array(0));
          assert.equal(reader.next().type, 'need-data');
        },
      ),
      { numRuns: 300 },
    );
  });

  test('writeRequestHead / writeResponseHead → readers round trip', () => {
    fc.assert(
      fc.property(
        token,
        target,
        fields,
        fc.integer({ min: 100, max: 599 }),
        fc.string({ unit: valueChar, maxLength: 12 }),
        (method, tgt, extra, status, reason) => {
          const requestHeaders: Fields = [['Host', 'h'], ...extra];
          const requestHead = encodeRequestHead({ method, target: tgt, headers: requestHeaders });
          const requests = readRequests([requestHead]);
          assert.equal(requests[0]?.type, 'head');
          const parsed = requests[0] as Extract<Recorded, { type: 'head' }>;
          assert.equal(parsed.method, method);
          assert.equal(parsed.target, tgt);
          assert.deepEqual(
            parsed.headers,
            requestHeaders.map(([n, v]) => [n, trimOws(v)]),
          );

          const responseHead = encodeResponseHead({
            status,
            reason,
            headers: [...extra, ['Content-Length', '0']],
          });
          const responses = readResponses([responseHead], { methods: ['GET'] });
          const first = responses[0] as Extract<Recorded, { type: 'response' | 'informational' }>;
          assert.equal(first.status, status);
          assert.equal(first.reason, reason);
          assert.equal(first.type, status < 200 && status !== 101 ? 'informational' : 'response');
        },
      ),
      { numRuns: 300 },
    );
  });
});
