/**
 * writeRequestHead / writeResponseHead: exact bytes, caller memory with offsets, the copying
 * variants, and header-injection rejection (RFC 9110 §5.5, §5.6.2; RFC 9112 §3.2).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { RequestReader } from '../../../src/core/http1/request-reader.js';
import {
  encodeRequestHead,
  encodeResponseHead,
  writeRequestHead,
  writeResponseHead,
} from '../../../src/core/http1/write-head.js';
import { bytes, str } from './helpers.js';

const injection = { code: ErrorCode.HTTP_INVALID_HEADER };

describe('writeRequestHead', () => {
  test('writes the request line, fields and the empty line at an offset; returns the length', () => {
    const dst = new Uint8Array(100).fill(0x2e);
    const n = writeRequestHead(dst, 3, {
      method: 'GET',
      target: '/a?b=c',
      headers: [
        ['Host', 'example.com'],
        ['X-A', '1'],
      ],
    });
    const expected = 'GET /a?b=c HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\n\r\n';
    assert.equal(n, expected.length);
    assert.equal(str(dst.subarray(3, 3 + n)), expected);
    assert.equal(str(dst.subarray(0, 3)), '...', 'bytes before the offset are untouched');
    assert.equal(dst[3 + n], 0x2e, 'bytes after are untouched');
  });

  test('HTTP/1.0, no headers; objects with array values; Map and HeaderList sources', () => {
    assert.equal(
      str(encodeRequestHead({ method: 'GET', target: '/', version: '1.0' })),
      'GET / HTTP/1.0\r\n\r\n',
    );
    assert.equal(
      str(
        encodeRequestHead({
          method: 'GET',
          target: '/',
          headers: { Host: 'a', Accept: ['x', 'y'] },
        }),
      ),
      'GET / HTTP/1.1\r\nHost: a\r\nAccept: x\r\nAccept: y\r\n\r\n',
    );
    assert.equal(
      str(encodeRequestHead({ method: 'GET', target: '/', headers: new Map([['Host', 'm']]) })),
      'GET / HTTP/1.1\r\nHost: m\r\n\r\n',
    );
    const reader = new RequestReader();
    reader.receive(bytes('GET / HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n'));
    const head = reader.next();
    assert.ok(head.type === 'head');
    assert.equal(
      str(encodeRequestHead({ method: 'PUT', target: '/p', headers: head.headers })),
      'PUT /p HTTP/1.1\r\nHost: a\r\nX-Y: z\r\n\r\n',
    );
  });

  test('encodeRequestHead grows past its scratch size, even with a one-shot iterable', () => {
    function* many(): Generator<[string, string]> {
      for (let i = 0; i < 200; i++) yield [`X-${i}`, 'v'.repeat(20)];
    }
    const head = str(encodeRequestHead({ method: 'GET', target: '/', headers: many() }));
    assert.equal(head.split('\r\n').length, 1 + 200 + 2);
    assert.ok(head.includes('X-199: vvvvvvvvvvvvvvvvvvvv\r\n\r\n'));
  });

  test('a destination too small throws ERR_BUFFER_TOO_SMALL', () => {
    assert.throws(() => writeRequestHead(new Uint8Array(10), 0, { method: 'GET', target: '/' }), {
      code: ErrorCode.BUFFER_TOO_SMALL,
    });
    assert.throws(() => writeRequestHead(new Uint8Array(18), 1, { method: 'GET', target: '/' }), {
      code: ErrorCode.BUFFER_TOO_SMALL,
    });
    assert.equal(writeRequestHead(new Uint8Array(18), 0, { method: 'GET', target: '/' }), 18);
  });

  test('header injection and invalid tokens throw ERR_HTTP_INVALID_HEADER', () => {
    const dst = new Uint8Array(256);
    const cases: [string, string, [string, string][]][] = [
      ['GET', '/', [['X', 'a\r\nInjected: 1']]],
      ['GET', '/', [['X', 'a\nb']]],
      ['GET', '/', [['X', 'a\rb']]],
      ['GET', '/', [['X', 'a\0b']]],
      ['GET', '/', [['X', 'a\x01b']]],
      ['GET', '/', [['X', '\u0100']]],
      ['GET', '/', [['X\r\nY', 'v']]],
      ['GET', '/', [['X Y', 'v']]],
      ['GET', '/', [['X:', 'v']]],
      ['GET', '/', [['', 'v']]],
      ['GET', '/', [['Ünicode', 'v']]],
      ['GE T', '/', []],
      ['GET\r\n', '/', []],
      ['', '/', []],
      ['GET', '/a b', []],
      ['GET', '/a\r\nX: 1', []],
      ['GET', '/\0', []],
      ['GET', '/é', []],
      ['GET', '', []],
    ];
    for (const [method, target, headers] of cases) {
      assert.throws(
        () => writeRequestHead(dst, 0, { method, target, headers }),
        injection,
        `${method} ${target} ${headers}`,
      );
    }
  });

  test('HTAB, obs-text (up to U+00FF) and empty values are allowed', () => {
    const head = encodeRequestHead({
      method: 'GET',
      target: '/',
      headers: [
        ['X', 'a\tb \xe9'],
        ['Y', ''],
      ],
    });
    assert.equal(str(head), 'GET / HTTP/1.1\r\nX: a\tb \xe9\r\nY: \r\n\r\n');
  });
});

describe('writeResponseHead', () => {
  test('status line with the standard reason, or a given one', () => {
    const dst = new Uint8Array(128);
    const n = writeResponseHead(dst, 0, {
      status: 101,
      headers: { Upgrade: 'websocket', Connection: 'Upgrade' },
    });
    assert.equal(
      str(dst.subarray(0, n)),
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
    );
    assert.equal(
      str(encodeResponseHead({ status: 200, reason: 'Fine' })),
      'HTTP/1.1 200 Fine\r\n\r\n',
    );
    assert.equal(str(encodeResponseHead({ status: 299 })), 'HTTP/1.1 299 \r\n\r\n');
    assert.equal(
      str(encodeResponseHead({ status: 404, version: '1.0' })),
      'HTTP/1.0 404 Not Found\r\n\r\n',
    );
    assert.equal(
      str(encodeResponseHead({ status: 431 })),
      'HTTP/1.1 431 Request Header Fields Too Large\r\n\r\n',
    );
  });

  test('a status outside 100..599 throws ERR_INVALID_ARGUMENT', () => {
    for (const status of [99, 600, 200.5, Number.NaN]) {
      assert.throws(() => encodeResponseHead({ status }), { code: ErrorCode.INVALID_ARGUMENT });
    }
  });

  test('CR/LF in the reason or fields throw ERR_HTTP_INVALID_HEADER', () => {
    assert.throws(() => encodeResponseHead({ status: 200, reason: 'OK\r\nX: 1' }), injection);
    assert.throws(
      () => encodeResponseHead({ status: 200, headers: { 'Set-Cookie': 'a\r\n\r\n<html>' } }),
      injection,
    );
    assert.throws(
      () => encodeResponseHead({ status: 200, headers: { 'Bad Name': 'x' } }),
      injection,
    );
  });

  test('the error message names the offending part', () => {
    assert.throws(
      () => encodeResponseHead({ status: 200, headers: { X: 'a\nb' } }),
      /header value "a\\nb"/,
    );
  });
});
