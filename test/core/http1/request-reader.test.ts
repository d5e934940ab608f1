/**
 * RequestReader against RFC 9112 / RFC 9110: request lines, fields, framing, persistence,
 * upgrades and the handover of trailing bytes, limits, and every rejection with its code and
 * status.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { RequestReader } from '../../../src/core/http1/request-reader.js';
import {
  bytes,
  bytewise,
  errorOf,
  everySplit,
  type Recorded,
  readRequests,
  splitAt,
  str,
} from './helpers.js';

const GET = 'GET / HTTP/1.1\r\nHost: a\r\n\r\n';

function head(overrides: Partial<Extract<Recorded, { type: 'head' }>>): Recorded {
  return {
    type: 'head',
    method: 'GET',
    target: '/',
    version: '1.1',
    headers: [['Host', 'a']],
    framing: 'none',
    contentLength: null,
    keepAlive: true,
    upgrade: false,
    expectContinue: false,
    ...overrides,
  };
}
const END: Recorded = { type: 'end', trailers: [] };
const body = (data: string): Recorded => ({ type: 'body', data });

/** Asserts that `input` is rejected with `code` and `status`, and the message matches. */
function rejects(
  input: string,
  status: number,
  message: RegExp,
  code: string = ErrorCode.HTTP_PARSE,
): void {
  for (const chunks of [[bytes(input)], bytewise(bytes(input))]) {
    const error = errorOf(readRequests(chunks));
    assert.equal(error.code, code, input);
    assert.equal(error.status, status, input);
    assert.match(error.message, message, input);
  }
}

describe('RequestReader: request line (RFC 9112 §3)', () => {
  test('a GET without body: head then end', () => {
    assert.deepEqual(readRequests(GET), [head({}), END]);
  });

  test('method, target and version are read; standard methods are shared strings', () => {
    const events = readRequests('DELETE /a/b?c=d%20e HTTP/1.1\r\nHost: a\r\n\r\n');
    assert.deepEqual(events[0], head({ method: 'DELETE', target: '/a/b?c=d%20e' }));
  });

  test('an extension method (any token) is accepted, case preserved', () => {
    const events = readRequests(
      'PURGE /x HTTP/1.1\r\nHost: a\r\n\r\nm-search * HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.deepEqual(events, [
      head({ method: 'PURGE', target: '/x' }),
      END,
      head({ method: 'm-search', target: '*' }),
      END,
    ]);
  });

  test('authority-form and absolute-form targets (RFC 9112 §3.2.2, §3.2.3)', () => {
    const events = readRequests(
      'GET http://example.com/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n' +
        'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n',
    );
    assert.equal((events[0] as { target: string }).target, 'http://example.com/x?y');
    assert.equal((events[2] as { target: string }).target, '*');
  });

  test('HTTP/1.0 and HTTP/1.x (x > 1, read as 1.1 per RFC 9110 §6.2)', () => {
    assert.deepEqual(readRequests('GET / HTTP/1.0\r\n\r\n'), [
      head({ version: '1.0', headers: [], keepAlive: false }),
      END,
      { type: 'closed' },
    ]);
    assert.deepEqual(readRequests('GET / HTTP/1.2\r\nHost: a\r\n\r\n'), [head({}), END]);
  });

  test('empty lines before the request line are skipped (RFC 9112 §2.2)', () => {
    assert.deepEqual(readRequests(`\r\n\r\n${GET}`), [head({}), END]);
    assert.deepEqual(readRequests([bytes('\r'), bytes('\n'), bytes(GET)]), [head({}), END]);
  });

  test('the first byte must start a method: junk is rejected without waiting for a line', () => {
    // A TLS ClientHello sent to a plain-text port.
    const events = readRequests([Uint8Array.of(0x16, 0x03, 0x01, 0x02, 0x00)]);
    assert.equal(errorOf(events).status, 400);
    assert.match(errorOf(events).message, /method/);
  });

  const badLines: [string, number, RegExp][] = [
    ['G@T / HTTP/1.1', 400, /method is not a token/],
    ['GET\t/ HTTP/1.1', 400, /method is not a token/],
    ['GET  / HTTP/1.1', 400, /request line must be/],
    ['GET / HTTP/1.1 ', 400, /HTTP-version/],
    ['GET /', 400, /request line must be/],
    ['GET', 400, /request line must be/],
    ['GET /a\x7fb HTTP/1.1', 400, /request-target/],
    ['GET /\xe9 HTTP/1.1', 400, /request-target/],
    ['GET /a\x00 HTTP/1.1', 400, /request-target/],
    ['GET / HTTP/1.x', 400, /HTTP-version/],
    ['GET / http/1.1', 400, /HTTP-version/],
    ['GET / HTTP/11', 400, /HTTP-version/],
    ['GET / HTTP/1.10', 400, /HTTP-version/],
    ['GET / HTTP/1', 400, /HTTP-version/],
    ['GET / HTTP/2.0', 505, /major version/],
    ['GET / HTTP/0.9', 505, /major version/],
  ];
  for (const [line, status, message] of badLines) {
    test(`rejects ${JSON.stringify(line)} with ${status}`, () => {
      rejects(`${line}\r\nHost: a\r\n\r\n`, status, message);
    });
  }
});

describe('RequestReader: line endings (RFC 9112 §2.2, strict CRLF)', () => {
  test('a bare LF ending a line is rejected', () => {
    rejects('GET / HTTP/1.1\nHost: a\n\n', 400, /bare LF/);
    rejects('GET / HTTP/1.1\r\nHost: a\n\r\n', 400, /bare LF/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\n\n', 400, /bare LF/);
  });

  test('a bare LF before the request line is rejected', () => {
    rejects(`\n${GET}`, 400, /bare LF/);
  });

  test('a bare CR is rejected', () => {
    rejects('GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n', 400, /bare CR/);
    rejects(`\rGET / HTTP/1.1\r\nHost: a\r\n\r\n`, 400, /bare CR/);
  });

  test('a bare CR ending the request line cannot hide a field in it (smuggling)', () => {
    // A front end that splits lines on a lone CR would see a field "XContent-Length" and no
    // body; the reader must not take "Content-Length: 5" from the same bytes.
    rejects('GET / HTTP/1.1\rXContent-Length: 5\r\nHost: a\r\n\r\nhello', 400, /bare CR/);
    rejects('GET / HTTP/1.0\rXContent-Length: 0\r\n\r\n', 400, /bare CR/);
  });

  test('a field line starting with a bare CR does not end the head (smuggling)', () => {
    // Read as the empty line, "\rX: y" would drop Content-Length and make "hello" the next
    // request; the head is rejected whole, whatever the chunking, and nothing is read of it.
    for (const input of [
      'POST / HTTP/1.1\r\nHost: a\r\n\rX: y\r\nContent-Length: 5\r\n\r\nhello',
      'POST / HTTP/1.1\r\n\rContent-Length: 5\r\nHost: a\r\n\r\nhello',
      'POST / HTTP/1.1\r\nHost: a\r\n\r\rTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET / HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n',
    ]) {
      for (const chunks of everySplit(bytes(input))) {
        const events = readRequests(chunks);
        assert.equal(events.length, 1, JSON.stringify(input));
        const error = errorOf(events);
        assert.equal(error.code, ErrorCode.HTTP_PARSE);
        assert.equal(error.status, 400);
        assert.match(error.message, /bare CR/);
      }
    }
  });
});

describe('RequestReader: field lines (RFC 9112 §5, RFC 9110 §5)', () => {
  test('values are trimmed of OWS; empty values are kept; names keep their case', () => {
    const events = readRequests(
      'GET / HTTP/1.1\r\nHost:a\r\nX-Empty:\r\nX-Pad: \t v a l \t \r\nX-OBS: caf\xe9\r\n\r\n',
    );
    assert.deepEqual((events[0] as { headers: unknown }).headers, [
      ['Host', 'a'],
      ['X-Empty', ''],
      ['X-Pad', 'v a l'],
      ['X-OBS', 'caf\xe9'],
    ]);
  });

  test('whitespace before the first field line is rejected (RFC 9112 §2.2)', () => {
    rejects('GET / HTTP/1.1\r\n Host: a\r\n\r\n', 400, /start line and the first header/);
  });

  test('obs-fold is rejected (RFC 9112 §5.2)', () => {
    rejects('GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n 2\r\n\r\n', 400, /obsolete line folding/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\t2\r\n\r\n', 400, /obsolete line folding/);
  });

  test('whitespace between field name and colon is rejected (RFC 9112 §5.1)', () => {
    rejects('GET / HTTP/1.1\r\nHost : a\r\n\r\n', 400, /field name and the colon/);
    rejects('GET / HTTP/1.1\r\nHost\t: a\r\n\r\n', 400, /field name and the colon/);
  });

  test('field names must be tokens (RFC 9110 §5.1)', () => {
    rejects('GET / HTTP/1.1\r\nHo@st: a\r\n\r\n', 400, /field name/);
    rejects('GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n', 400, /field name/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n', 400, /field name/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\nX\xe9: 1\r\n\r\n', 400, /field name/);
  });

  test('CR, LF, NUL and other controls in values are rejected (RFC 9110 §5.5)', () => {
    rejects('GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n', 400, /field value/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\nX: a\x01b\r\n\r\n', 400, /field value/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\nX: a\x7fb\r\n\r\n', 400, /field value/);
  });

  test('Host: required once in HTTP/1.1, at most once in 1.0 (RFC 9112 §3.2)', () => {
    rejects('GET / HTTP/1.1\r\nX: 1\r\n\r\n', 400, /without a Host/);
    rejects('GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n', 400, /more than one Host/);
    rejects('GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n', 400, /more than one Host/);
    assert.deepEqual(
      readRequests('GET / HTTP/1.1\r\nHost:\r\n\r\n')[0],
      head({ headers: [['Host', '']] }),
    );
  });

  test('Host: an invalid value is rejected (RFC 9112 §3.2, RFC 3986 §3.2.2)', () => {
    for (const value of ['a b', 'a/b', 'a?b', 'a@b', 'a:8x', '[::1', '[]', 'a:1:2', 'a#b']) {
      rejects(`GET / HTTP/1.1\r\nHost: ${value}\r\n\r\n`, 400, /Host field value/);
    }
    for (const value of [
      'example.com',
      'example.com:8080',
      'a:',
      '127.0.0.1:9001',
      '[::1]:443',
      '[v1.x]',
      'xn--n3h.example',
      'a%20b',
      "a!$&'()*+,;=b",
    ]) {
      const [event] = readRequests(`GET / HTTP/1.1\r\nHost: ${value}\r\n\r\n`);
      assert.equal((event as { type: string }).type, 'head', value);
    }
  });

  test('a head spanning chunks is parsed the same (copied once)', () => {
    const input = bytes('GET /x HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\r\n');
    const expected = [
      head({
        target: '/x',
        headers: [
          ['Host', 'a'],
          ['X-A', '1'],
        ],
      }),
      END,
    ];
    assert.deepEqual(readRequests(bytewise(input)), expected);
    assert.deepEqual(readRequests(splitAt(input, [5, 20, 30])), expected);
  });
});

describe('RequestReader: message body length (RFC 9112 §6)', () => {
  test('Content-Length body', () => {
    assert.deepEqual(
      readRequests('POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello'),
      [
        head({
          method: 'POST',
          target: '/p',
          headers: [
            ['Host', 'a'],
            ['Content-Length', '5'],
          ],
          framing: 'length',
          contentLength: 5,
        }),
        body('hello'),
        END,
      ],
    );
  });

  test('Content-Length: 0 has no body event', () => {
    const events = readRequests('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(
      events.map((e) => e.type),
      ['head', 'end'],
    );
  });

  test('body events are views of the received chunk (zero copy)', () => {
    const reader = new RequestReader();
    const chunk = bytes('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel');
    reader.receive(chunk);
    assert.equal(reader.next().type, 'head');
    const first = reader.next();
    assert.ok(first.type === 'body');
    assert.equal(first.data.buffer, chunk.buffer);
    assert.equal(first.data.byteOffset, chunk.length - 3);
    assert.equal(reader.next().type, 'need-data');
    const rest = bytes('lo');
    reader.receive(rest);
    const second = reader.next();
    assert.ok(second.type === 'body');
    assert.equal(second.data, rest, 'a whole chunk of body is returned as is');
    assert.equal(reader.next().type, 'end');
  });

  test('duplicate identical Content-Length lines and lists are accepted (RFC 9112 §6.3)', () => {
    for (const fieldLines of [
      'Content-Length: 3\r\nContent-Length: 3',
      'Content-Length: 3, 3',
      'Content-Length: 3 ,3',
    ]) {
      const events = readRequests(`POST / HTTP/1.1\r\nHost: a\r\n${fieldLines}\r\n\r\nabc`);
      assert.deepEqual(events.slice(1), [body('abc'), END], fieldLines);
      assert.equal((events[0] as { contentLength: number }).contentLength, 3);
    }
  });

  test('differing Content-Length values are rejected (request smuggling)', () => {
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
      400,
      /values differ/,
    );
    rejects('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd', 400, /values differ/);
  });

  for (const value of ['abc', '-1', '+5', '5a', '', '0x10', '1 2', '1,', ',1', '5;']) {
    test(`Content-Length ${JSON.stringify(value)} is rejected`, () => {
      rejects(
        `POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ${value}\r\n\r\n`,
        400,
        /Content-Length is not/,
      );
    });
  }

  test('Content-Length past 2^53-1 is rejected; 2^53-1 is a number (then over the limit)', () => {
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740992\r\n\r\n',
      400,
      /exceeds 2\^53-1/,
    );
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n',
      400,
      /exceeds/,
    );
    const events = readRequests(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9007199254740991\r\n\r\n',
      {
        maxBodyBytes: Number.POSITIVE_INFINITY,
      },
    );
    assert.equal((events[0] as { contentLength: number }).contentLength, Number.MAX_SAFE_INTEGER);
  });

  test('Content-Length and Transfer-Encoding together are rejected (RFC 9112 §6.1)', () => {
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      400,
      /both Content-Length and Transfer-Encoding/,
    );
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
      400,
      /both Content-Length and Transfer-Encoding/,
    );
  });

  test('Transfer-Encoding: chunked, any case, over one or several lines', () => {
    for (const te of ['chunked', 'Chunked', 'CHUNKED', ' , chunked ,']) {
      const events = readRequests(
        `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\n1\r\nx\r\n0\r\n\r\n`,
      );
      assert.deepEqual(events.slice(1), [body('x'), END], te);
      assert.equal((events[0] as { framing: string }).framing, 'chunked');
    }
  });

  test('Transfer-Encoding whose final coding is not chunked: 400 (RFC 9112 §6.3 item 4)', () => {
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n',
      400,
      /final coding is not chunked/,
    );
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n',
      400,
      /final coding is not chunked/,
    );
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n',
      400,
      /final coding is not chunked/,
    );
  });

  test('an unknown coding before chunked: 501 (RFC 9112 §6.1)', () => {
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n',
      501,
      /not implemented/,
    );
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n',
      501,
      /not implemented/,
    );
  });

  test('chunked twice, chunked with parameters, malformed lists: 400', () => {
    rejects(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n',
      400,
      /more than once/,
    );
    for (const te of ['', ' , ', 'chunked;q=1', 'ch@nked', 'chunked x', '"chunked"']) {
      rejects(
        `POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ${te}\r\n\r\n`,
        400,
        /not a valid list/,
      );
    }
  });

  test('Transfer-Encoding in HTTP/1.0 is rejected (RFC 9112 §6.1)', () => {
    rejects('POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, /HTTP\/1\.0/);
  });
});

describe('RequestReader: persistence (RFC 9112 §9.3) and pipelining', () => {
  test('pipelined requests in one chunk', () => {
    const input =
      'GET /1 HTTP/1.1\r\nHost: a\r\n\r\n' +
      'POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi' +
      'POST /3 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nyo\r\n0\r\n\r\n' +
      'GET /4 HTTP/1.1\r\nHost: a\r\n\r\n';
    const events = readRequests(input);
    assert.deepEqual(
      events.map((e) => (e.type === 'head' ? e.target : e.type === 'body' ? e.data : e.type)),
      ['/1', 'end', '/2', 'hi', 'end', '/3', 'yo', 'end', '/4', 'end'],
    );
  });

  test('Connection: close ends reading; later bytes are ignored', () => {
    const events = readRequests(`GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${GET}`);
    assert.deepEqual(events, [
      head({
        headers: [
          ['Host', 'a'],
          ['Connection', 'close'],
        ],
        keepAlive: false,
      }),
      END,
      { type: 'closed' },
    ]);
  });

  test('close wins over keep-alive; tokens are case-insensitive list elements', () => {
    const events = readRequests(
      'GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n\r\n',
    );
    assert.equal((events[0] as { keepAlive: boolean }).keepAlive, false);
    const notClose = readRequests('GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n');
    assert.equal((notClose[0] as { keepAlive: boolean }).keepAlive, true);
  });

  test('HTTP/1.0 persists only with keep-alive', () => {
    const events = readRequests(
      'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /2 HTTP/1.0\r\n\r\n',
    );
    assert.deepEqual(
      events.map((e) => (e.type === 'head' ? `${e.target} ${e.keepAlive}` : e.type)),
      ['/ true', 'end', '/2 false', 'end', 'closed'],
    );
  });

  test('EOF between requests: closed; in a head or body: error', () => {
    assert.deepEqual(readRequests(GET, { eof: true }), [head({}), END, { type: 'closed' }]);
    assert.deepEqual(readRequests(`${GET}\r\n`, { eof: true }), [
      head({}),
      END,
      { type: 'closed' },
    ]);
    const inHead = errorOf(readRequests('GET / HTTP/1.1\r\nHo', { eof: true }));
    assert.match(inHead.message, /before the head was complete/);
    const inBody = readRequests('POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhel', {
      eof: true,
    });
    assert.equal(inBody[1]?.type, 'body');
    assert.match(errorOf(inBody).message, /before the body was complete/);
    const inChunked = readRequests(
      'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab',
      {
        eof: true,
      },
    );
    assert.match(errorOf(inChunked).message, /before the body was complete/);
  });

  test('Expect: 100-continue in HTTP/1.1 only (RFC 9110 §10.1.1)', () => {
    const yes = readRequests(
      'PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n',
    );
    assert.equal((yes[0] as { expectContinue: boolean }).expectContinue, true);
    const old = readRequests('PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n');
    assert.equal((old[0] as { expectContinue: boolean }).expectContinue, false);
  });
});

describe('RequestReader: upgrade and handover (RFC 9110 §7.8)', () => {
  const upgrade =
    'GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: keep-alive, Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
  const frames = '\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58';

  test('an upgrade request pauses after its end; takeRemaining returns what followed', () => {
    const events = readRequests(upgrade + frames);
    assert.equal((events[0] as { upgrade: boolean }).upgrade, true);
    assert.deepEqual(events.slice(1), [
      END,
      { type: 'paused' },
      { type: 'remaining', data: frames },
    ]);
  });

  test('the remaining bytes are a view of the chunk when they lie in it', () => {
    const reader = new RequestReader();
    const chunk = bytes(upgrade + frames);
    reader.receive(chunk);
    assert.equal(reader.next().type, 'head');
    assert.equal(reader.next().type, 'end');
    assert.equal(reader.next().type, 'paused');
    assert.equal(reader.next().type, 'paused', 'stays paused');
    const rest = reader.takeRemaining();
    assert.equal(rest.buffer, chunk.buffer);
    assert.equal(str(rest), frames);
    assert.equal(reader.next().type, 'closed');
    assert.throws(() => reader.receive(bytes('x')), { code: ErrorCode.INVALID_ARGUMENT });
  });

  test('bytes arriving in several chunks, during and after the pause, are all handed over', () => {
    const input = bytes(upgrade + frames);
    assert.deepEqual(readRequests(bytewise(input)).slice(-2), [
      { type: 'paused' },
      { type: 'remaining', data: frames },
    ]);
    assert.deepEqual(
      readRequests(splitAt(input, [upgrade.length - 1, upgrade.length + 2])).slice(-1),
      [{ type: 'remaining', data: frames }],
    );
  });

  test('an upgrade with nothing after it hands over an empty array', () => {
    assert.deepEqual(readRequests(upgrade).slice(-1), [{ type: 'remaining', data: '' }]);
  });

  test('Upgrade without the upgrade connection option, or in HTTP/1.0, is not an upgrade', () => {
    const noOption = readRequests(`GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n${GET}`);
    assert.equal((noOption[0] as { upgrade: boolean }).upgrade, false);
    assert.deepEqual(
      noOption.map((e) => e.type),
      ['head', 'end', 'head', 'end'],
    );
    const old = readRequests('GET / HTTP/1.0\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n');
    assert.equal((old[0] as { upgrade: boolean }).upgrade, false);
  });

  test('resume() after a declined upgrade reads the next request', () => {
    const reader = new RequestReader();
    reader.receive(bytes(upgrade + GET));
    assert.equal(reader.next().type, 'head');
    assert.equal(reader.next().type, 'end');
    assert.equal(reader.next().type, 'paused');
    reader.resume();
    const next = reader.next();
    assert.ok(next.type === 'head');
    assert.equal(next.target, '/');
    assert.throws(() => reader.resume(), { code: ErrorCode.INVALID_ARGUMENT });
  });

  test('CONNECT pauses like an upgrade (RFC 9110 §9.3.6)', () => {
    const events = readRequests(
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n\x16\x03\x01',
    );
    assert.deepEqual(events.slice(1), [
      END,
      { type: 'paused' },
      { type: 'remaining', data: '\x16\x03\x01' },
    ]);
  });

  test('CONNECT with Transfer-Encoding or Content-Length > 0 is refused (RFC 9110 §9.3.6)', () => {
    // The bytes after a CONNECT head are the tunnel's; a peer that framed them as a body would
    // cut the stream elsewhere.
    const connect = 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n';
    for (const framing of [
      'Content-Length: 10\r\n',
      'Transfer-Encoding: chunked\r\n',
      'Transfer-Encoding: gzip, chunked\r\n',
    ]) {
      for (const chunks of everySplit(bytes(`${connect}${framing}\r\n0123456789`))) {
        const events = readRequests(chunks);
        assert.equal(events.length, 1, framing);
        const error = errorOf(events);
        assert.equal(error.status, 400);
        assert.match(error.message, /CONNECT .*RFC 9110 §9\.3\.6/);
      }
    }
  });

  test('CONNECT with Content-Length: 0 has no body; the bytes after the head are the tunnel', () => {
    const input = bytes(
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nContent-Length: 0\r\n\r\n' +
        '\x16\x03\x01',
    );
    for (const chunks of everySplit(input)) {
      assert.deepEqual(readRequests(chunks), [
        head({
          method: 'CONNECT',
          target: 'example.com:443',
          headers: [
            ['Host', 'example.com:443'],
            ['Content-Length', '0'],
          ],
          contentLength: 0,
        }),
        END,
        { type: 'paused' },
        { type: 'remaining', data: '\x16\x03\x01' },
      ]);
    }
  });
});

describe('RequestReader: limits', () => {
  const withFields = (n: number): string => {
    let s = 'GET / HTTP/1.1\r\nHost: a\r\n';
    for (let i = 1; i < n; i++) s += `X-${i}: ${i}\r\n`;
    return `${s}\r\n`;
  };

  test('maxHeaders: exactly the limit passes, one more is 431', () => {
    assert.equal(readRequests(withFields(10), { maxHeaders: 10 })[0]?.type, 'head');
    const error = errorOf(readRequests(withFields(11), { maxHeaders: 10 }));
    assert.equal(error.code, ErrorCode.HTTP_LIMIT);
    assert.equal(error.status, 431);
  });

  test('maxHeadBytes: exactly the limit passes, one more is 431', () => {
    assert.equal(readRequests(GET, { maxHeadBytes: GET.length })[0]?.type, 'head');
    for (const chunks of [[bytes(GET)], bytewise(bytes(GET))]) {
      const error = errorOf(readRequests(chunks, { maxHeadBytes: GET.length - 1 }));
      assert.equal(error.code, ErrorCode.HTTP_LIMIT);
      assert.equal(error.status, 431);
    }
  });

  test('the limit is enforced before the head ends: an endless head fails, not buffers', () => {
    const reader = new RequestReader({ maxHeadBytes: 1024 });
    reader.receive(bytes('GET / HTTP/1.1\r\nX: '));
    let event = reader.next();
    for (let i = 0; i < 100 && event.type === 'need-data'; i++) {
      reader.receive(new Uint8Array(64).fill(0x61));
      event = reader.next();
    }
    assert.ok(event.type === 'error');
    assert.equal(event.error.status, 431);
    assert.ok(reader.bufferedBytes <= 1024 + 64);
  });

  test('a request line longer than maxHeadBytes is 414 (RFC 9110 §15.5.15)', () => {
    const error = errorOf(
      readRequests(`GET /${'a'.repeat(100)} HTTP/1.1\r\nHost: a\r\n\r\n`, { maxHeadBytes: 64 }),
    );
    assert.equal(error.status, 414);
    assert.equal(error.code, ErrorCode.HTTP_LIMIT);
  });

  test('Content-Length over maxBodyBytes is 413 at the head, before any body', () => {
    const events = readRequests(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world',
      {
        maxBodyBytes: 10,
      },
    );
    assert.equal(events.length, 1);
    assert.equal(errorOf(events).status, 413);
    assert.equal(errorOf(events).code, ErrorCode.HTTP_LIMIT);
    const atLimit = readRequests(
      'POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhelloworld',
      {
        maxBodyBytes: 10,
      },
    );
    assert.deepEqual(atLimit.slice(1), [body('helloworld'), END]);
  });

  test('empty lines before the request line count toward maxHeadBytes', () => {
    const error = errorOf(readRequests(`${'\r\n'.repeat(40)}${GET}`, { maxHeadBytes: 64 }));
    assert.equal(error.status, 431);
  });

  test('invalid limit options throw ERR_INVALID_ARGUMENT', () => {
    for (const options of [
      { maxHeadBytes: 0 },
      { maxHeaders: -1 },
      { maxBodyBytes: 1.5 },
      { maxChunkLineBytes: Number.NaN },
    ]) {
      assert.throws(
        () => new RequestReader(options),
        (e: unknown) => e instanceof WirekitError && e.code === ErrorCode.INVALID_ARGUMENT,
      );
    }
  });
});

describe('RequestReader: state', () => {
  test('an error is sticky', () => {
    const reader = new RequestReader();
    reader.receive(bytes('B@D / HTTP/1.1\r\nHost: a\r\n\r\n'));
    const first = reader.next();
    assert.ok(first.type === 'error');
    assert.equal(reader.next(), first);
    const buffered = reader.bufferedBytes;
    reader.receive(bytes(GET));
    assert.equal(reader.bufferedBytes, buffered, 'input after an error is dropped');
    assert.equal(reader.next(), first);
  });

  test('receive after receiveEof throws; reset() makes the reader new', () => {
    const reader = new RequestReader();
    reader.receive(bytes('GET / HT'));
    reader.receiveEof();
    assert.throws(() => reader.receive(bytes('x')), { code: ErrorCode.INVALID_ARGUMENT });
    assert.equal(reader.next().type, 'error');
    reader.reset();
    assert.equal(reader.bufferedBytes, 0);
    reader.receive(bytes(GET));
    assert.equal(reader.next().type, 'head');
  });

  test('raw and targetBytes are views of the head', () => {
    const reader = new RequestReader();
    const chunk = bytes(`\r\n${GET}`);
    reader.receive(chunk);
    const h = reader.next();
    assert.ok(h.type === 'head');
    assert.equal(str(h.raw), GET);
    assert.equal(h.raw.buffer, chunk.buffer);
    assert.equal(str(h.targetBytes), '/');
  });

  test('bufferedBytes counts what is received and not consumed', () => {
    const reader = new RequestReader();
    reader.receive(bytes('GET / HTTP/1.1\r\n'));
    reader.receive(bytes('Host: a\r\n'));
    assert.equal(reader.next().type, 'need-data');
    assert.equal(reader.bufferedBytes, 25);
    reader.receive(bytes('\r\nxy'));
    assert.equal(reader.next().type, 'head');
    assert.equal(reader.bufferedBytes, 2);
  });
});
