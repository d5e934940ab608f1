/**
 * Fuzz target 3: the HTTP/1.1 request and response readers and the chunked decoder
 * (src/core/http1). Oracle: llhttp (fuzz/oracles/llhttp.ts), strict mode. Every disagreement
 * must be explained by an entry of fuzz/KNOWN-DIFFERENCES.md (fuzz/targets/http-differences.ts
 * recognises them); anything else is a finding. Generic oracles: any chunking reads the same
 * events; with small limits the reader reads the same until it stops with a limit error, and
 * never holds more than a head's worth of bytes while waiting.
 *
 * Three targets share this code:
 * - `http-request`: byte 0 salts the chunking, the rest is what a client sends;
 * - `http-response`: byte 0 also picks the methods of the four requests the responses answer
 *   (GET, HEAD, CONNECT, POST), the rest is what a server sends;
 * - `chunked`: the input is a chunked body after a fixed request head, so mutations stay in
 *   the chunked grammar (sizes, extensions, CRLFs, trailers).
 */
import type { HttpLimits } from '../../src/core/http1/http-limits.js';
import { FuzzFailure, type FuzzTarget, hex, latin1 } from '../engine/fuzz-target.js';
import { llhttpEvents } from '../oracles/llhttp.js';
import { chunkings } from './chunking.js';
import { explainHttpDifference } from './http-differences.js';
import { httpDisagreement, limitDisagreement, NO_LIMITS, wirekitHttp } from './http-driver.js';

const SMALL_LIMITS: Partial<HttpLimits> = {
  maxHeadBytes: 120,
  maxHeaders: 4,
  maxBodyBytes: 40,
  maxChunkLineBytes: 12,
};

const METHODS = ['GET', 'HEAD', 'CONNECT', 'POST'] as const;

function check(
  name: string,
  request: boolean,
  stream: Uint8Array,
  salt: number,
  methods: readonly string[],
): void {
  const whole = wirekitHttp(request, [stream], methods, NO_LIMITS);
  for (const settled of [false, true]) {
    const w = settled ? whole.eof : whole.open;
    const l = llhttpEvents(request, stream, methods, settled);
    const diff = httpDisagreement(w, l, settled);
    if (diff !== null && explainHttpDifference(stream, w, l) === undefined) {
      const kind = `${name}-vs-llhttp wirekit ${w.terminal} ${w.reason.slice(15, 55)} / llhttp ${l.terminal} ${l.reason.slice(0, 40)}`;
      throw new FuzzFailure(
        kind,
        `${settled ? 'with' : 'without'} EOF, methods ${methods.join(',')}, input ${JSON.stringify(Buffer.from(stream).toString('latin1'))}${diff}`,
      );
    }
  }
  const chunked = wirekitHttp(request, chunkings(stream, salt), methods, NO_LIMITS);
  const chunkDiff = httpDisagreement(chunked.eof, whole.eof, true);
  if (chunkDiff !== null)
    throw new FuzzFailure(`${name}-chunking`, `input ${hex(stream, 200)}${chunkDiff}`);
  const limited = wirekitHttp(request, chunkings(stream, salt + 1), methods, SMALL_LIMITS);
  const limitDiff = limitDisagreement(limited.eof, whole.eof);
  if (limitDiff !== null)
    throw new FuzzFailure(`${name}-limits`, `input ${hex(stream, 200)}${limitDiff}`);
}

const REQUEST_DICTIONARY = [
  'GET ',
  'POST ',
  'HEAD ',
  'CONNECT ',
  'PUT ',
  ' HTTP/1.1\r\n',
  ' HTTP/1.0\r\n',
  'HTTP/1.1 ',
  '\r\n',
  '\r\n\r\n',
  'Host: a\r\n',
  'Content-Length: ',
  'Content-Length: 5\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip, chunked\r\n',
  'Connection: close\r\n',
  'Connection: keep-alive\r\n',
  'Connection: Upgrade\r\n',
  'Upgrade: websocket\r\n',
  'Expect: 100-continue\r\n',
  ': ',
  ';',
  '=',
  '"',
  '0\r\n\r\n',
  '5\r\nhello\r\n',
  ';a=b',
  ' ',
  '\t',
  ',',
  '\n',
  '\r',
  '\x00',
  '\x7f',
  '\xff',
  'example.com:80',
  '200 OK\r\n',
  '204 ',
  '304 ',
  '101 ',
  '100 ',
  '1',
  '0',
  'ffffffffffffff',
  '/',
  '*',
  'http://a/',
].map(latin1);

const HEAD = latin1('POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n');

function withHead(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(HEAD.length + body.length);
  out.set(HEAD, 0);
  out.set(body, HEAD.length);
  return out;
}

export const httpRequestTarget: FuzzTarget = {
  name: 'http-request',
  files: [
    'src/core/http1/request-reader.js',
    'src/core/http1/message-reader.js',
    'src/core/http1/field-parser.js',
    'src/core/http1/body-reader.js',
    'src/core/http1/chunked-decoder.js',
    'src/core/http1/input-queue.js',
    'src/core/http1/start-line.js',
    'src/core/http1/header-list.js',
  ],
  maxLength: 2048,
  dictionary: REQUEST_DICTIONARY,
  seeds: () =>
    [
      'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
      'POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: b\r\n\r\n',
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: v\r\n\r\n',
      'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n',
      'GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00',
      'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n',
      '\r\nGET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET',
    ].map((s) => latin1(`\x00${s}`)),
  run: (input) => {
    if (input.length < 1) return;
    check('http-request', true, input.subarray(1), input[0]!, []);
  },
};

export const httpResponseTarget: FuzzTarget = {
  name: 'http-response',
  files: [
    'src/core/http1/response-reader.js',
    'src/core/http1/message-reader.js',
    'src/core/http1/field-parser.js',
    'src/core/http1/body-reader.js',
    'src/core/http1/chunked-decoder.js',
    'src/core/http1/input-queue.js',
    'src/core/http1/start-line.js',
  ],
  maxLength: 2048,
  dictionary: REQUEST_DICTIONARY,
  seeds: () =>
    [
      'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\n\r\nuntil close',
      'HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx',
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x00',
      'HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\nHTTP/1.1 200\r\nContent-Length: 0\r\n\r\n',
    ].map((s) => latin1(`\x00${s}`)),
  run: (input) => {
    if (input.length < 1) return;
    const pick = input[0]!;
    const methods = [0, 2, 4, 6].map((shift) => METHODS[(pick >> shift) & 3]!);
    check('http-response', false, input.subarray(1), pick, methods);
  },
};

export const chunkedTarget: FuzzTarget = {
  name: 'chunked',
  files: ['src/core/http1/chunked-decoder.js', 'src/core/http1/body-reader.js'],
  maxLength: 1024,
  dictionary: REQUEST_DICTIONARY,
  seeds: () =>
    [
      '5\r\nhello\r\n0\r\n\r\n',
      '5;a=b;c="d\\"e"\r\nhello\r\nA\r\n0123456789\r\n0\r\nX: y\r\n\r\n',
      '1 ;a\r\nx\r\n0\r\n\r\n',
      'fffffffffffff\r\n',
    ].map((s) => latin1(`\x00${s}`)),
  run: (input) => {
    if (input.length < 1) return;
    check('chunked', true, withHead(input.subarray(1)), input[0]!, []);
  },
};
