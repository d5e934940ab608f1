/**
 * The `@example` blocks of src/core/http1, run as written, with their commented results
 * asserted — so the documentation cannot drift from the code.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { decodeLatin1 } from '../../../src/core/http1/ascii.js';
import {
  CHUNK_DATA,
  CHUNK_TRAILERS,
  ChunkedDecoder,
} from '../../../src/core/http1/chunked-decoder.js';
import { resolveHttpLimits } from '../../../src/core/http1/http-limits.js';
import {
  HeaderList,
  RequestReader,
  RequestWriter,
  ResponseReader,
} from '../../../src/core/http1/index.js';
import {
  encodeRequestHead,
  encodeResponseHead,
  writeRequestHead,
  writeResponseHead,
} from '../../../src/core/http1/write-head.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('documentation examples', () => {
  test('index.ts', () => {
    const writer = new RequestWriter('api.example.com');
    const reader = new ResponseReader();
    const request = writer.get('/time').finish();
    assert.equal(text(request), 'GET /time HTTP/1.1\r\nHost: api.example.com\r\n\r\n');
    reader.expect('GET');
    reader.receive(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
    const head = reader.next();
    assert.ok(head.type === 'head');
    assert.equal(head.status, 200);
    const body = reader.next();
    assert.ok(body.type === 'body');
    assert.deepEqual([...body.data], [104, 105]);
    const end = reader.next();
    assert.ok(end.type === 'end');
    assert.equal(end.trailers, HeaderList.EMPTY);
  });

  test('decodeLatin1', () => {
    assert.equal(decodeLatin1(Uint8Array.of(0x47, 0x45, 0x54, 0xe9), 0, 4), 'GETé');
  });

  test('ChunkedDecoder', () => {
    const bytes = new TextEncoder().encode('5;ext=1\r\nhello\r\n0\r\n\r\n');
    const decoder = new ChunkedDecoder(1024, 64);
    let pos = decoder.decode(bytes, 0);
    assert.equal(decoder.result, CHUNK_DATA);
    assert.equal(text(bytes.subarray(decoder.dataStart, decoder.dataEnd)), 'hello');
    pos = decoder.decode(bytes, pos);
    assert.equal(decoder.result, CHUNK_TRAILERS);
    assert.equal(text(bytes.subarray(pos)), '\r\n');
  });

  test('HeaderList', () => {
    const reader = new RequestReader();
    reader.receive(
      new TextEncoder().encode(
        'GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n',
      ),
    );
    const head = reader.next();
    assert.ok(head.type === 'head');
    assert.equal(head.headers.get('host'), 'a');
    assert.equal(head.headers.hasToken('connection', 'upgrade'), true);
    assert.equal([...head.headers].length, 3);
  });

  test('resolveHttpLimits', () => {
    assert.equal(resolveHttpLimits({ maxBodyBytes: Number.POSITIVE_INFINITY }).maxHeadBytes, 16384);
  });

  test('RequestHead', () => {
    const reader = new RequestReader();
    reader.receive(
      new TextEncoder().encode(
        'POST /orders?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}',
      ),
    );
    const head = reader.next();
    assert.ok(head.type === 'head');
    assert.equal(head.method, 'POST');
    assert.equal(head.target, '/orders?x=1');
    assert.equal(head.contentLength, 2);
    assert.equal(head.keepAlive, true);
  });

  test('RequestReader', () => {
    const reader = new RequestReader({ maxBodyBytes: 1 << 20 });
    reader.receive(
      new TextEncoder().encode(
        'POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      ),
    );
    const log: string[] = [];
    for (let ev = reader.next(); ev.type !== 'need-data'; ev = reader.next()) {
      if (ev.type === 'head') log.push(`${ev.method} ${ev.target}`);
      else if (ev.type === 'body') log.push(String(ev.data.length));
      else if (ev.type === 'end') log.push('done');
      else break;
    }
    assert.deepEqual(log, ['POST /echo', '3', 'done']);
  });

  test('RequestWriter', () => {
    const writer = new RequestWriter({
      host: 'api.example.com',
      basePath: '/api/v3',
      headers: { Accept: 'application/json' },
    });
    const bytes = writer.get('/ticker').query('symbol', 'BTC-USD').header('X-A', '1').finish();
    assert.equal(
      text(bytes),
      'GET /api/v3/ticker?symbol=BTC-USD HTTP/1.1\r\nHost: api.example.com\r\n' +
        'Accept: application/json\r\nX-A: 1\r\n\r\n',
    );
    const post = writer
      .post('/order')
      .header('Content-Type', 'application/json')
      .body('{"side":"buy"}')
      .finishCopy();
    assert.ok(text(post).endsWith('Content-Length: 14\r\n\r\n{"side":"buy"}'));
  });

  test('ResponseHead', () => {
    const reader = new ResponseReader();
    reader.receive(new TextEncoder().encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    const head = reader.next();
    assert.ok(head.type === 'head');
    assert.equal(head.status, 200);
    assert.equal(head.reason, 'OK');
    assert.equal(head.framing, 'length');
  });

  test('ResponseReader', () => {
    const reader = new ResponseReader();
    reader.expect('GET');
    reader.receive(
      new TextEncoder().encode(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      ),
    );
    reader.receive(Uint8Array.of(0x81, 0x00));
    const head = reader.next();
    assert.ok(head.type === 'head');
    assert.equal(head.status, 101);
    assert.equal(reader.next().type, 'end');
    assert.equal(reader.next().type, 'paused');
    assert.deepEqual([...reader.takeRemaining()], [0x81, 0x00]);
  });

  test('write-head.ts', () => {
    const out = new Uint8Array(256);
    const n = writeRequestHead(out, 0, { method: 'GET', target: '/', headers: [['Host', 'a']] });
    assert.equal(text(out.subarray(0, n)), 'GET / HTTP/1.1\r\nHost: a\r\n\r\n');
    const m = writeResponseHead(out, 0, { status: 204, headers: { 'X-A': '1' } });
    assert.equal(text(out.subarray(0, m)), 'HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n');
    assert.equal(
      encodeRequestHead({ method: 'GET', target: '/chat', headers: { Host: 'a' } }).length,
      31,
    );
    assert.equal(
      text(encodeResponseHead({ status: 101, headers: { Upgrade: 'websocket' } })),
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n',
    );
  });
});
