/**
 * RequestWriter: host, default headers and base path; per-request method, path, query,
 * headers and body; buffer reuse; injection and misuse errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { RequestWriter } from '../../../src/core/http1/request-writer.js';
import { str } from './helpers.js';

const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('RequestWriter', () => {
  test('GET with query and header, after nexus-net', () => {
    const writer = new RequestWriter('api.example.com');
    const bytes = writer.get('/x').query('symbol', 'BTC-USD').header('X-A', '1').finish();
    assert.equal(
      str(bytes),
      'GET /x?symbol=BTC-USD HTTP/1.1\r\nHost: api.example.com\r\nX-A: 1\r\n\r\n',
    );
  });

  test('base path and default headers come with every request', () => {
    const writer = new RequestWriter({
      host: 'h',
      basePath: '/api/v3/',
      headers: { Accept: 'application/json' },
    });
    writer.defaultHeader('X-Key', 'k');
    assert.equal(
      str(writer.get('/ticker').finish()),
      'GET /api/v3/ticker HTTP/1.1\r\nHost: h\r\nAccept: application/json\r\nX-Key: k\r\n\r\n',
    );
    assert.equal(str(writer.get('depth').finish()).split('\r\n')[0], 'GET /api/v3/depth HTTP/1.1');
    assert.equal(str(writer.get('').finish()).split('\r\n')[0], 'GET /api/v3 HTTP/1.1');
    assert.equal(str(writer.get('?a=1').finish()).split('\r\n')[0], 'GET /api/v3?a=1 HTTP/1.1');
    writer.setBasePath('v1');
    assert.equal(str(writer.get('/x').finish()).split('\r\n')[0], 'GET /v1/x HTTP/1.1');
    writer.setBasePath('');
    assert.equal(str(writer.get('').finish()).split('\r\n')[0], 'GET / HTTP/1.1');
    assert.equal(str(writer.options('*').finish()).split('\r\n')[0], 'OPTIONS * HTTP/1.1');
  });

  test('query parameters are percent-encoded as UTF-8; & joins them; existing ? is kept', () => {
    const writer = new RequestWriter('h');
    const line = str(
      writer
        .get('/s?fixed=1')
        .query('q', 'a b&c=d/é+~')
        .query('n', 42)
        .query('t', true)
        .query('emoji', '😀')
        .query('lone', '\ud800')
        .query('', '')
        .finish(),
    ).split('\r\n')[0];
    assert.equal(
      line,
      'GET /s?fixed=1&q=a%20b%26c%3Dd%2F%C3%A9%2B~&n=42&t=true&emoji=%F0%9F%98%80&lone=%EF%BF%BD&= HTTP/1.1',
    );
    const params = new URLSearchParams(line.split(' ')[1]!.split('?')[1]);
    assert.equal(params.get('q'), 'a b&c=d/é+~');
    assert.equal(params.get('emoji'), '😀');
  });

  test('path chars outside visible ASCII are percent-encoded; CTLs throw', () => {
    const writer = new RequestWriter('h');
    assert.equal(str(writer.get('/a b/é').finish()).split('\r\n')[0], 'GET /a%20b/%C3%A9 HTTP/1.1');
    for (const path of ['/a\r\nX: 1', '/a\n', '/\0', '/\x7f', '/\t']) {
      assert.throws(
        () => writer.get(path),
        { code: ErrorCode.HTTP_INVALID_HEADER },
        JSON.stringify(path),
      );
    }
    assert.throws(() => writer.setBasePath('/v1\r\n'), { code: ErrorCode.HTTP_INVALID_HEADER });
  });

  test('bodies set Content-Length; strings are UTF-8', () => {
    const writer = new RequestWriter('h');
    const post = writer
      .post('/o')
      .header('Content-Type', 'application/json')
      .body('{"s":"é😀"}')
      .finish();
    assert.equal(
      utf8(post),
      'POST /o HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{"s":"é😀"}',
    );
    const bin = writer
      .put('/b')
      .body(Uint8Array.of(0, 1, 2, 255))
      .finish();
    assert.equal(
      str(bin),
      'PUT /b HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\n\x00\x01\x02\xff',
    );
    assert.equal(
      str(writer.get('/g').body('').finish()),
      'GET /g HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n',
    );
  });

  test('POST, PUT and PATCH without a body send Content-Length: 0 (RFC 9110 §8.6); others none', () => {
    const writer = new RequestWriter('h');
    for (const m of ['post', 'put', 'patch'] as const) {
      assert.ok(str(writer[m]('/').finish()).endsWith('Content-Length: 0\r\n\r\n'), m);
    }
    for (const m of ['get', 'head', 'delete', 'options'] as const) {
      assert.ok(!str(writer[m]('/').finish()).includes('Content-Length'), m);
    }
    assert.ok(str(writer.request('POST', '/').finish()).includes('Content-Length: 0'));
    assert.ok(!str(writer.request('PURGE', '/').finish()).includes('Content-Length'));
  });

  test('finish() returns a view of a reused buffer; finishCopy() a copy', () => {
    const writer = new RequestWriter({ host: 'h', initialCapacity: 16 });
    const first = writer.get('/first').finish();
    const copy = writer.get('/first').finishCopy();
    const second = writer.get('/2').finish();
    assert.equal(first.buffer, second.buffer, 'same memory once grown');
    assert.notEqual(copy.buffer, second.buffer);
    assert.equal(str(copy), 'GET /first HTTP/1.1\r\nHost: h\r\n\r\n');
    assert.equal(str(second), 'GET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
  });

  test('the buffer grows for large bodies and many headers', () => {
    const writer = new RequestWriter({ host: 'h', initialCapacity: 8 });
    const bigBody = new Uint8Array(100_000).fill(0x61);
    let builder = writer.post('/big');
    for (let i = 0; i < 50; i++) builder = builder.header(`X-${i}`, 'v'.repeat(50));
    const out = builder.body(bigBody).finish();
    const text = str(out);
    assert.ok(text.endsWith('a'.repeat(1000)));
    assert.ok(text.includes('Content-Length: 100000\r\n\r\n'));
  });

  test('injection and invalid tokens throw ERR_HTTP_INVALID_HEADER', () => {
    const writer = new RequestWriter('h');
    const invalid = { code: ErrorCode.HTTP_INVALID_HEADER };
    assert.throws(() => writer.get('/').header('X', 'a\r\nInjected: yes'), invalid);
    assert.throws(() => writer.get('/').header('X\r\n', 'v'), invalid);
    assert.throws(() => writer.get('/').header('X', 'nul\0'), invalid);
    assert.throws(() => writer.get('/').header('Bad Name', 'v'), invalid);
    assert.throws(() => writer.request('GET /evil', '/'), invalid);
    assert.throws(() => writer.request('', '/'), invalid);
    assert.throws(() => writer.defaultHeader('X', 'a\nb'), invalid);
    assert.throws(() => new RequestWriter('evil.com\r\nX: 1'), invalid);
    assert.throws(() => new RequestWriter({ host: 'h', headers: [['X', '\r']] }), invalid);
    // A failed default header is not kept.
    assert.equal(str(writer.get('/').finish()), 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  });

  test('request targets are origin-form: a leading / is added; fragments and base queries throw', () => {
    const writer = new RequestWriter('h');
    const line = (b: Uint8Array): string => str(b).split('\r\n')[0]!;
    assert.equal(line(writer.get('ticker').finish()), 'GET /ticker HTTP/1.1');
    assert.equal(line(writer.get('?a=1').finish()), 'GET /?a=1 HTTP/1.1');
    assert.equal(line(writer.request('OPTIONS', '*').finish()), 'OPTIONS * HTTP/1.1');
    assert.equal(line(writer.get('http://h/x').finish()), 'GET http://h/x HTTP/1.1');
    const invalid = { code: ErrorCode.HTTP_INVALID_HEADER };
    assert.throws(() => writer.get('/a#f'), invalid);
    assert.throws(() => new RequestWriter({ host: 'h', basePath: '/api?k=1' }), invalid);
    assert.throws(() => new RequestWriter({ host: 'h', basePath: '/api#x' }), invalid);
  });

  test('the host must be uri-host [ ":" port ] (RFC 9112 §3.2)', () => {
    const invalid = { code: ErrorCode.HTTP_INVALID_HEADER };
    for (const host of ['a b', 'a/b', 'a?b', 'h:80x', '[::1']) {
      assert.throws(() => new RequestWriter(host), invalid, host);
    }
    for (const host of ['h', 'api.example.com:8443', '127.0.0.1', '[::1]:8080']) {
      assert.match(
        str(new RequestWriter(host).get('/').finish()),
        new RegExp(`Host: ${host.replace(/[[\]]/g, '\\$&')}\r\n`),
      );
    }
  });

  test('Host, Content-Length and Transfer-Encoding belong to the writer', () => {
    const writer = new RequestWriter('h');
    for (const name of ['Host', 'content-length', 'Transfer-Encoding']) {
      assert.throws(() => writer.get('/').header(name, '1'), { code: ErrorCode.INVALID_ARGUMENT });
      assert.throws(() => writer.defaultHeader(name, '1'), { code: ErrorCode.INVALID_ARGUMENT });
    }
    assert.throws(() => new RequestWriter({ host: 'h', headers: { HOST: 'x' } }), {
      code: ErrorCode.INVALID_ARGUMENT,
    });
  });

  test('misuse: query after header, builder calls without a request', () => {
    const writer = new RequestWriter('h');
    const misuse = { code: ErrorCode.INVALID_ARGUMENT };
    const builder = writer.get('/').header('A', '1');
    assert.throws(() => builder.query('a', 'b'), misuse);
    assert.throws(() => writer.get('/').body('x').query('a', 'b'), misuse);
    writer.get('/').finish();
    assert.throws(() => writer.finish(), misuse);
    assert.throws(() => writer.header('A', '1'), misuse);
    assert.throws(() => writer.query('a', '1'), misuse);
    assert.throws(() => new RequestWriter({ host: 'h', initialCapacity: 0 }), misuse);
  });

  test('starting a new request abandons an unfinished one', () => {
    const writer = new RequestWriter('h');
    writer.post('/abandoned').header('A', '1').body('zzz');
    assert.equal(str(writer.get('/x').finish()), 'GET /x HTTP/1.1\r\nHost: h\r\n\r\n');
  });
});
