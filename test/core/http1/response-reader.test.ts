/**
 * ResponseReader against RFC 9112 §4, §6.3 and RFC 9110 §15: status lines, interim responses,
 * bodiless responses, close-delimited bodies, 101 and CONNECT handover, and rejections.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { ResponseReader } from '../../../src/core/http1/response-reader.js';
import {
  bytes,
  bytewise,
  errorOf,
  everySplit,
  type Recorded,
  readResponses,
  splitAt,
  str,
} from './helpers.js';

type ResponseRecord = Extract<Recorded, { type: 'response' | 'informational' }>;

function response(overrides: Partial<ResponseRecord>): Recorded {
  return {
    type: 'response',
    status: 200,
    reason: 'OK',
    version: '1.1',
    headers: [],
    framing: 'length',
    contentLength: null,
    keepAlive: true,
    ...overrides,
  };
}
const END: Recorded = { type: 'end', trailers: [] };
const body = (data: string): Recorded => ({ type: 'body', data });

function rejects(input: string, message: RegExp, code: string = ErrorCode.HTTP_PARSE): void {
  for (const chunks of [[bytes(input)], bytewise(bytes(input))]) {
    const error = errorOf(readResponses(chunks));
    assert.equal(error.code, code, input);
    assert.equal(error.status, 502, 'a gateway answers 502 to a bad response');
    assert.match(error.message, message, input);
  }
}

describe('ResponseReader: status line (RFC 9112 §4)', () => {
  test('a response with Content-Length', () => {
    assert.deepEqual(readResponses('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'), [
      response({ headers: [['Content-Length', '2']], contentLength: 2 }),
      body('ok'),
      END,
    ]);
  });

  test('reason phrases: with spaces and obs-text, empty, or missing', () => {
    const cl = 'Content-Length: 0\r\n\r\n';
    const reasons: [string, string][] = [
      ['HTTP/1.1 404 Not Found\r\n', 'Not Found'],
      ['HTTP/1.1 200 \xc7a va\t\r\n', '\xc7a va\t'],
      ['HTTP/1.1 200 \r\n', ''],
      ['HTTP/1.1 200\r\n', ''],
    ];
    for (const [line, reason] of reasons) {
      const events = readResponses(line + cl);
      assert.equal((events[0] as ResponseRecord).reason, reason, line);
      assert.equal(events[1]?.type, 'end');
    }
  });

  test('HTTP/1.0 responses', () => {
    const events = readResponses('HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx');
    assert.deepEqual(events, [
      response({
        version: '1.0',
        headers: [['Content-Length', '1']],
        contentLength: 1,
        keepAlive: false,
      }),
      body('x'),
      END,
      { type: 'closed' },
    ]);
  });

  const bad: [string, RegExp][] = [
    ['XTTP/1.1 200 OK', /status line/],
    ['HTTP/1.1200 OK', /status line/],
    ['HTTP/1.1  200 OK', /status code/],
    ['HTTP/1.1 20 OK', /status code/],
    ['HTTP/1.1 2000 OK', /status code/],
    ['HTTP/1.1 2x0 OK', /status code/],
    ['HTTP/1.1 099 Low', /status code/],
    ['HTTP/1.1 600 High', /status code/],
    ['HTTP/1.1 200 O\x01K', /reason phrase/],
    ['HTTP/1.1 200 OK\x7f', /reason phrase/],
    ['HTTP/1.x 200 OK', /HTTP-version/],
    ['HTTP/2.0 200 OK', /major version/],
    ['http/1.1 200 OK', /status line/],
  ];
  for (const [line, message] of bad) {
    test(`rejects ${JSON.stringify(line)}`, () =>
      rejects(`${line}\r\nContent-Length: 0\r\n\r\n`, message));
  }

  test('field errors are rejected as in requests', () => {
    rejects('HTTP/1.1 200 OK\r\nX : 1\r\n\r\n', /field name and the colon/);
    rejects('HTTP/1.1 200 OK\r\nX: 1\r\n folded\r\n\r\n', /obsolete line folding/);
    rejects('HTTP/1.1 200 OK\r\nX: a\x00\r\n\r\n', /field value/);
    rejects('HTTP/1.1 200 OK\nX: 1\n\n', /bare LF/);
    // RFC 9112 §2.2: a bare CR ending the status line cannot hide a field in it.
    rejects('HTTP/1.1 200 OK\rXContent-Length: 2\r\n\r\nhi', /bare CR/);
    rejects('HTTP/1.1 204\rX: 1\r\n\r\n', /bare CR/);
  });

  test('a field line starting with a bare CR cannot hide Transfer-Encoding (smuggling)', () => {
    // Read as the empty line, "\rTransfer-Encoding" would leave a close-delimited body whose
    // first bytes are chunk framing; the head is rejected whole, whatever the chunking.
    for (const input of [
      'HTTP/1.1 200 OK\r\nX: a\r\n\rTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\n\rContent-Length: 2\r\n\r\nhi',
    ]) {
      for (const chunks of everySplit(bytes(input))) {
        const events = readResponses(chunks, { eof: true });
        assert.equal(events.length, 1, JSON.stringify(input));
        const error = errorOf(events);
        assert.equal(error.code, ErrorCode.HTTP_PARSE);
        assert.equal(error.status, 502, 'a gateway answers 502 to a bad response');
        assert.match(error.message, /bare CR/);
      }
    }
  });
});

describe('ResponseReader: interim responses (RFC 9110 §15.2)', () => {
  test('100 Continue and 103 Early Hints, then the final response', () => {
    const events = readResponses(
      'HTTP/1.1 100 Continue\r\n\r\n' +
        'HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n' +
        'HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nx',
    );
    assert.deepEqual(events, [
      response({ type: 'informational', status: 100, reason: 'Continue', framing: 'none' }),
      response({
        type: 'informational',
        status: 103,
        reason: 'Early Hints',
        headers: [['Link', '</s.css>; rel=preload']],
        framing: 'none',
      }),
      response({
        status: 201,
        reason: 'Created',
        headers: [['Content-Length', '1']],
        contentLength: 1,
      }),
      body('x'),
      END,
    ]);
  });

  test('interim responses do not consume the expected method', () => {
    const events = readResponses(
      'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n',
      {
        methods: ['HEAD'],
      },
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['informational', 'response', 'end'],
    );
  });
});

describe('ResponseReader: 101 Switching Protocols and handover', () => {
  const switching =
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
  const frame = '\x81\x05Hello';

  test('101 ends HTTP: head, end, paused; the bytes after the head are handed over', () => {
    const events = readResponses(switching + frame);
    assert.deepEqual(events, [
      response({
        status: 101,
        reason: 'Switching Protocols',
        headers: [
          ['Upgrade', 'websocket'],
          ['Connection', 'Upgrade'],
        ],
        framing: 'none',
      }),
      END,
      { type: 'paused' },
      { type: 'remaining', data: frame },
    ]);
  });

  test('handover is the same for any chunking, including bytes arriving after the pause', () => {
    const input = bytes(switching + frame);
    const expected = readResponses(switching + frame);
    assert.deepEqual(readResponses(bytewise(input)), expected);
    assert.deepEqual(
      readResponses(splitAt(input, [switching.length - 2, switching.length + 1])),
      expected,
    );
  });

  test('takeRemaining returns a view when the bytes lie in one chunk', () => {
    const reader = new ResponseReader();
    const chunk = bytes(switching + frame);
    reader.receive(chunk);
    for (const type of ['head', 'end', 'paused']) assert.equal(reader.next().type, type);
    const rest = reader.takeRemaining();
    assert.equal(rest.buffer, chunk.buffer);
    assert.equal(str(rest), frame);
    assert.equal(reader.next().type, 'closed');
  });

  test('a 101 with a Content-Length still has no body (RFC 9112 §6.3 item 1)', () => {
    const events = readResponses(
      `HTTP/1.1 101 Switching Protocols\r\nContent-Length: 5\r\n\r\n${frame}`,
    );
    assert.deepEqual(events.slice(-1), [{ type: 'remaining', data: frame }]);
  });

  test('a 2xx response to CONNECT is a tunnel (RFC 9112 §6.3 item 2)', () => {
    const events = readResponses('HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x03', {
      methods: ['CONNECT'],
    });
    assert.deepEqual(events.slice(1), [
      END,
      { type: 'paused' },
      { type: 'remaining', data: '\x16\x03\x03' },
    ]);
    const refused = readResponses(
      'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 2\r\n\r\nnoHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n',
      { methods: ['CONNECT', 'GET'] },
    );
    assert.deepEqual(
      refused.map((e) => e.type),
      ['response', 'body', 'end', 'response', 'end'],
    );
  });
});

describe('ResponseReader: bodiless responses (RFC 9112 §6.3 item 1)', () => {
  test('a response to HEAD has no body, whatever its Content-Length says', () => {
    const events = readResponses(
      'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi',
      { methods: ['HEAD', 'GET'] },
    );
    assert.deepEqual(events, [
      response({ headers: [['Content-Length', '1000']], framing: 'none', contentLength: 1000 }),
      END,
      response({ headers: [['Content-Length', '2']], contentLength: 2 }),
      body('hi'),
      END,
    ]);
  });

  test('a HEAD response with chunked coding has no body either', () => {
    const events = readResponses(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
      { methods: ['HEAD', 'DELETE'] },
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['response', 'end', 'response', 'end'],
    );
  });

  test('204 and 304 have no body', () => {
    const events = readResponses(
      'HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n' +
        'HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n' +
        'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nz',
    );
    assert.deepEqual(
      events.map((e) =>
        e.type === 'response' ? `${e.status} ${e.framing}` : e.type === 'body' ? e.data : e.type,
      ),
      ['204 none', 'end', '304 none', 'end', '200 length', 'z', 'end'],
    );
  });
});

describe('ResponseReader: framing and persistence', () => {
  test('a body without length lasts until the connection closes (RFC 9112 §6.3 item 8)', () => {
    const events = readResponses([bytes('HTTP/1.1 200 OK\r\n\r\npart one, '), bytes('part two')], {
      eof: true,
    });
    assert.deepEqual(events, [
      response({ framing: 'close', keepAlive: false }),
      body('part one, part two'),
      END,
      { type: 'closed' },
    ]);
  });

  test('a close-delimited body may be empty', () => {
    assert.deepEqual(readResponses('HTTP/1.0 200 OK\r\n\r\n', { eof: true }).slice(1), [
      END,
      { type: 'closed' },
    ]);
  });

  test('a close-delimited body stops at maxBodyBytes, whatever the chunking', () => {
    const input = 'HTTP/1.1 200 OK\r\n\r\n0123456789';
    for (const chunks of [[bytes(input)], bytewise(bytes(input))]) {
      const events = readResponses(chunks, { maxBodyBytes: 4, eof: true });
      assert.deepEqual(events[1], body('0123'));
      assert.equal(errorOf(events).code, ErrorCode.HTTP_LIMIT);
    }
  });

  test('Transfer-Encoding whose final coding is not chunked: read until close (§6.3 item 4)', () => {
    const events = readResponses('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b', {
      eof: true,
    });
    assert.deepEqual(events.slice(1), [body('\x1f\x8b'), END, { type: 'closed' }]);
    assert.equal((events[0] as ResponseRecord).framing, 'close');
  });

  test('codings before chunked stay on the body; chunk framing is removed', () => {
    const events = readResponses(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n2\r\n\x1f\x8b\r\n0\r\n\r\n',
    );
    assert.deepEqual(events.slice(1), [body('\x1f\x8b'), END]);
  });

  test('a chunked response with trailers', () => {
    const events = readResponses(
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Checksum\r\n\r\n' +
        '4\r\nWiki\r\n5\r\npedia\r\n0\r\nX-Checksum: abc\r\n\r\n',
    );
    assert.deepEqual(events.slice(1), [
      body('Wikipedia'),
      { type: 'end', trailers: [['X-Checksum', 'abc']] },
    ]);
  });

  test('Connection: close ends reading after the response', () => {
    const events = readResponses(
      'HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n',
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['response', 'end', 'closed'],
    );
    assert.equal((events[0] as ResponseRecord).keepAlive, false);
  });

  test('HTTP/1.0 with keep-alive persists', () => {
    const events = readResponses(
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n',
    );
    assert.deepEqual(
      events.map((e) => e.type),
      ['response', 'end', 'response', 'end'],
    );
  });

  test('pipelined responses matched to expected methods in order', () => {
    const reader = new ResponseReader();
    reader.expect('GET');
    reader.expect('HEAD');
    reader.expect('POST');
    reader.receive(
      bytes(
        'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na' +
          'HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n' +
          'HTTP/1.1 201 Created\r\nContent-Length: 1\r\n\r\nb',
      ),
    );
    const kinds: string[] = [];
    for (let e = reader.next(); e.type !== 'need-data'; e = reader.next()) kinds.push(e.type);
    assert.deepEqual(kinds, ['head', 'body', 'end', 'head', 'end', 'head', 'body', 'end']);
  });

  test('EOF between responses: closed; inside: error', () => {
    assert.deepEqual(readResponses('', { eof: true }), [{ type: 'closed' }]);
    assert.match(
      errorOf(readResponses('HTTP/1.1 200 OK\r\n', { eof: true })).message,
      /before the head/,
    );
    assert.match(
      errorOf(readResponses('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nab', { eof: true }))
        .message,
      /before the body/,
    );
  });

  test('smuggling patterns are rejected in responses too', () => {
    rejects(
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n',
      /both Content-Length/,
    );
    rejects('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', /values differ/);
    rejects('HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n', /Content-Length is not/);
    rejects('HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n', /HTTP\/1\.0/);
    rejects('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n', /more than once/);
    rejects('HTTP/1.1 200 OK\r\nTransfer-Encoding: ,\r\n\r\n', /not a valid list/);
  });

  test('limits: head size, field count, body size', () => {
    const big = readResponses(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(100)}\r\n\r\n`, {
      maxHeadBytes: 64,
    });
    assert.equal(errorOf(big).code, ErrorCode.HTTP_LIMIT);
    const many = readResponses('HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', {
      maxHeaders: 2,
    });
    assert.match(errorOf(many).message, /maxHeaders/);
    const body = readResponses('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n', {
      maxBodyBytes: 99,
    });
    assert.match(errorOf(body).message, /maxBodyBytes/);
  });

  test('reset() forgets input and expected methods', () => {
    const reader = new ResponseReader();
    reader.expect('HEAD');
    reader.receive(bytes('HTTP/1.1 2'));
    reader.reset();
    reader.receive(bytes('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx'));
    const kinds: string[] = [];
    for (let e = reader.next(); e.type !== 'need-data'; e = reader.next()) kinds.push(e.type);
    assert.deepEqual(kinds, ['head', 'body', 'end'], 'GET semantics again: the body is read');
  });

  test('the raw head is available', () => {
    const reader = new ResponseReader();
    reader.receive(bytes('HTTP/1.1 204 No Content\r\nA: b\r\n\r\n'));
    const h = reader.next();
    assert.ok(h.type === 'head');
    assert.equal(str(h.raw), 'HTTP/1.1 204 No Content\r\nA: b\r\n\r\n');
    assert.equal(h.headers.get('a'), 'b');
  });
});
