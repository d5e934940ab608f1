/**
 * WebSockets over HTTP/3 (RFC 9220) with the RFC 8441 checks shared with HTTP/2
 * (`src/core/ws/extended-connect.ts`), and the remaining MUSTs of RFC 9114 §4 and RFC 9204 §4
 * that the other files do not cover: one request per stream, no response after the final one,
 * cookie crumbs joined with "; ", 62-bit QPACK integers.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Http3ErrorCode as E } from '../../../src/core/http3/error-code.js';
import { Http3Session } from '../../../src/core/http3/http3-session.js';
import { decodeFieldSection } from '../../../src/core/qpack/field-decoder.js';
import { QpackInstructionStream } from '../../../src/core/qpack/instruction-stream.js';
import {
  checkExtendedConnect,
  checkExtendedConnectResponse,
  extendedConnectResponse,
} from '../../../src/core/ws/extended-connect.js';
import {
  concat,
  drain,
  exchange,
  headersFrame,
  readyClient,
  readyServer,
  streamErrorCode,
  WS_REQUEST,
} from './helpers.js';

/** A FieldSection-like source from pairs (what the session's request event carries). */
function source(lines: readonly (readonly [string, string])[]) {
  const s = readyServer();
  s.streamData(0, headersFrame(lines));
  let request: ReturnType<Http3Session['poll']>;
  for (let e = s.poll(); e !== undefined; e = s.poll()) if (e.type === 'request') request = e;
  assert.ok(request !== undefined && request.type === 'request');
  return request.fields;
}

describe('RFC 9220 §3 with the shared RFC 8441 checks', () => {
  test('a valid request passes checkExtendedConnect with its subprotocols and extensions', () => {
    const check = checkExtendedConnect(
      source([
        ...WS_REQUEST,
        ['sec-websocket-protocol', 'chat, superchat'],
        ['sec-websocket-extensions', 'permessage-deflate'],
      ]),
    );
    assert.ok(check.ok);
    assert.equal(check.path, '/chat?room=1');
    assert.equal(check.authority, 'example.com');
    assert.equal(check.scheme, 'https');
    assert.deepEqual(check.protocols, ['chat', 'superchat']);
    assert.equal(check.extensions, 'permessage-deflate');
    assert.equal(check.origin, 'https://example.com');
  });

  test('RFC 8441 §5: sec-websocket-version other than 13 is refused with 426 and the version', () => {
    const lines = WS_REQUEST.map(([n, v]): [string, string] => [
      n,
      n === 'sec-websocket-version' ? '8' : v,
    ]);
    const check = checkExtendedConnect(source(lines));
    assert.ok(!check.ok);
    assert.equal(check.error.status, 426);
    assert.equal(check.headers['sec-websocket-version'], '13');
    const missing = checkExtendedConnect(
      source(WS_REQUEST.filter(([n]) => n !== 'sec-websocket-version')),
    );
    assert.ok(!missing.ok);
    assert.equal(missing.error.status, 400);
  });

  test('RFC 8441 §5: :protocol must be websocket (another protocol is refused, 400)', () => {
    const lines = WS_REQUEST.map(([n, v]): [string, string] => [
      n,
      n === ':protocol' ? 'webtransport' : v,
    ]);
    const check = checkExtendedConnect(source(lines));
    assert.ok(!check.ok);
    assert.equal(check.error.status, 400);
  });

  test('a bad subprotocol list is refused (400)', () => {
    const check = checkExtendedConnect(source([...WS_REQUEST, ['sec-websocket-protocol', 'a b']]));
    assert.ok(!check.ok);
    assert.equal(check.error.status, 400);
  });

  test('the server answers 200 with the chosen subprotocol; a refusal is sent with FIN', () => {
    const s = readyServer();
    s.streamData(0, headersFrame([...WS_REQUEST, ['sec-websocket-protocol', 'chat']]));
    const [request] = drain(s);
    assert.equal(request?.['type'], 'request');
    const check = checkExtendedConnect(source([...WS_REQUEST, ['sec-websocket-protocol', 'chat']]));
    assert.ok(check.ok);
    s.sendHeaders(0, extendedConnectResponse(check, { protocol: 'chat' }));
    const [write] = drain(s);
    assert.deepEqual(headersOf(write!['data'] as string), [
      [':status', '200'],
      ['sec-websocket-protocol', 'chat'],
    ]);
    assert.equal(write!['fin'], false);
    const refused = readyServer();
    refused.streamData(0, headersFrame(WS_REQUEST));
    drain(refused);
    refused.sendHeaders(0, { ':status': 426, 'sec-websocket-version': '13' }, true);
    const [answer] = drain(refused);
    assert.deepEqual(headersOf(answer!['data'] as string), [
      [':status', '426'],
      ['sec-websocket-version', '13'],
    ]);
    assert.equal(answer!['fin'], true);
  });

  test('client: checkExtendedConnectResponse accepts 200 and refuses other statuses and unoffered subprotocols', () => {
    for (const [status, protocol, ok] of [
      ['200', 'chat', true],
      ['400', undefined, false],
      ['200', 'other', false],
    ] as const) {
      const server = new Http3Session({ role: 'server' });
      const client = new Http3Session({ role: 'client' });
      exchange(client, server);
      const id = client.openWebSocket({
        scheme: 'https',
        authority: 'a',
        path: '/',
        protocols: ['chat'],
      });
      exchange(client, server);
      server.sendHeaders(
        id,
        protocol === undefined
          ? { ':status': status }
          : { ':status': status, 'sec-websocket-protocol': protocol },
      );
      const [response] = exchange(client, server).client;
      assert.ok(response !== undefined && response.type === 'response');
      const result = checkExtendedConnectResponse(response.status, response.fields, {
        protocols: ['chat'],
      });
      assert.equal(result.ok, ok, `${status} ${protocol}`);
    }
  });
});

/** The field lines of a HEADERS frame given as hex (type 0x01, one-byte length). */
function headersOf(frameHex: string): [string, string][] {
  const bytes = Uint8Array.from(Buffer.from(frameHex, 'hex'));
  assert.equal(bytes[0], 0x01);
  assert.equal(bytes[1], bytes.length - 2);
  const result = decodeFieldSection(bytes.subarray(2), 1000);
  assert.ok(result.ok);
  return [...result.fields];
}

describe('RFC 9114 §4.1: one message each way per stream', () => {
  test('a second request head on a stream is malformed (pseudo-headers in what would be trailers)', () => {
    const s = readyServer();
    const get = [
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'a'],
      [':path', '/'],
    ] as const;
    s.streamData(0, concat(headersFrame(get), headersFrame(get)));
    assert.equal(streamErrorCode(drain(s)), E.H3_MESSAGE_ERROR);
  });

  test('a response after the final response is malformed', () => {
    const c = readyClient();
    const id = c.openRequest([
      [':method', 'GET'],
      [':scheme', 'https'],
      [':authority', 'a'],
      [':path', '/'],
    ]);
    drain(c);
    c.streamData(
      id,
      concat(headersFrame([[':status', '200']]), headersFrame([[':status', '200']])),
    );
    assert.equal(streamErrorCode(drain(c)), E.H3_MESSAGE_ERROR);
  });
});

test('RFC 9114 §4.2.1: cookie field lines are joined with "; " when read as one value', () => {
  const fields = source([
    ...WS_REQUEST,
    ['cookie', 'a=b'],
    ['cookie', 'c=d'],
    ['x-list', '1'],
    ['x-list', '2'],
  ]);
  assert.equal(fields.get('cookie'), 'a=b; c=d');
  assert.equal(fields.get('x-list'), '1, 2');
  assert.equal(fields.get('X-List'), '1, 2');
  assert.deepEqual(fields.getAll('cookie'), ['a=b', 'c=d']);
});

test('RFC 9204 §4.1.1: integers up to 62 bits decode (a Stream Cancellation of stream 2^62 - 1)', () => {
  // 01 prefix, 6-bit prefix all ones (0x7f), then 2^62 - 1 - 63 in 7-bit groups.
  let rest = 2n ** 62n - 1n - 63n;
  const bytes = [0x7f];
  while (rest >= 128n) {
    bytes.push(Number(rest % 128n) | 0x80);
    rest /= 128n;
  }
  bytes.push(Number(rest));
  const stream = new QpackInstructionStream('decoder');
  assert.equal(stream.receive(Uint8Array.from(bytes)), undefined);
  assert.equal(stream.partial, false);
  // A field line with a 62-bit value length (7-bit prefix all ones, then the same groups) is
  // read, then found to run past the section.
  const section = decodeFieldSection(
    Uint8Array.from([0, 0, 0x5f, 0x00, 0x7f, ...bytes.slice(1)]),
    100,
  );
  assert.ok(!section.ok && section.code === E.QPACK_DECOMPRESSION_FAILED && !section.streamError);
});
