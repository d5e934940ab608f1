/**
 * The chunked transfer coding (RFC 9112 §7.1): sizes, extensions, trailers, and every way a
 * peer can break it, through the readers and on the decoder directly.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import {
  CHUNK_DATA,
  CHUNK_ERROR,
  CHUNK_NEED_MORE,
  CHUNK_TRAILERS,
  ChunkedDecoder,
} from '../../../src/core/http1/chunked-decoder.js';
import { bytes, errorOf, everySplit, type Recorded, readRequests, str } from './helpers.js';

const HEAD = 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n';

/** Events after the head for a chunked body, read whole and in every split (must agree). */
function chunked(encoded: string, options: Parameters<typeof readRequests>[1] = {}): Recorded[] {
  const whole = readRequests(HEAD + encoded, options);
  for (const chunks of everySplit(bytes(HEAD + encoded))) {
    assert.deepEqual(readRequests(chunks, options), whole, 'every split gives the same events');
  }
  assert.equal(whole[0]?.type, 'head');
  return whole.slice(1);
}

function fails(
  encoded: string,
  message: RegExp,
  status = 400,
  options: Parameters<typeof readRequests>[1] = {},
): Recorded[] {
  const events = chunked(encoded, options);
  const error = errorOf(events);
  assert.match(error.message, message);
  assert.equal(error.status, status);
  assert.equal(error.code, status === 400 ? ErrorCode.HTTP_PARSE : ErrorCode.HTTP_LIMIT);
  return events;
}

const END: Recorded = { type: 'end', trailers: [] };

describe('chunked: valid bodies', () => {
  test('chunks are concatenated; zero-length body', () => {
    assert.deepEqual(chunked('4\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n'), [
      { type: 'body', data: 'Wikipedia in\r\n\r\nchunks.' },
      END,
    ]);
    assert.deepEqual(chunked('0\r\n\r\n'), [END]);
  });

  test('hex digits in either case, with leading zeros', () => {
    assert.deepEqual(chunked(`a\r\n${'x'.repeat(10)}\r\n0A\r\n${'y'.repeat(10)}\r\n000\r\n\r\n`), [
      { type: 'body', data: 'x'.repeat(10) + 'y'.repeat(10) },
      END,
    ]);
  });

  test('chunk extensions are ignored (RFC 9112 §7.1.1)', () => {
    assert.deepEqual(
      chunked('5;name=value;flag;q="a;b, c"\r\nhello\r\n5 ; x = y\r\nworld\r\n0;last\r\n\r\n'),
      [{ type: 'body', data: 'helloworld' }, END],
    );
  });

  test('chunk extensions in every form of their grammar are accepted (RFC 9112 §7.1.1)', () => {
    for (const ext of [
      ';a=b',
      ' ; a = "q\\"x"',
      ';a;b=c',
      ';a',
      '\t;\ta\t=\t"b"\t;\tc',
      ';a=""',
      ';a="x;y=z, \\\\\\\t\xe9\t"',
      ";!#$%&'*+-.^_`|~09AZaz=!#$%&'*+-.^_`|~09AZaz",
    ]) {
      assert.deepEqual(
        chunked(`5${ext}\r\nhello\r\n0${ext}\r\n\r\n`),
        [{ type: 'body', data: 'hello' }, END],
        JSON.stringify(ext),
      );
    }
  });

  test('trailer fields are kept apart from the head (RFC 9112 §7.1.2)', () => {
    assert.deepEqual(chunked('1\r\nx\r\n0\r\nExpires: never\r\nX-Sum:  7 \r\n\r\n'), [
      { type: 'body', data: 'x' },
      {
        type: 'end',
        trailers: [
          ['Expires', 'never'],
          ['X-Sum', '7'],
        ],
      },
    ]);
  });

  test('a chunk size up to 2^53-1 is read (then limited by maxBodyBytes)', () => {
    const events = readRequests(`${HEAD}1fffffffffffff\r\nabc`, {
      maxBodyBytes: Number.POSITIVE_INFINITY,
    });
    assert.deepEqual(events.slice(1), [{ type: 'body', data: 'abc' }]);
  });

  test('the next message follows the trailers', () => {
    const events = readRequests(`${HEAD}0\r\nA: 1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n`);
    assert.deepEqual(
      events.map((e) => e.type),
      ['head', 'end', 'head', 'end'],
    );
  });
});

describe('chunked: rejections', () => {
  for (const [encoded, why] of [
    ['g\r\n', 'non-hex size'],
    ['\r\n', 'empty size'],
    ['-1\r\n', 'negative size'],
    [' 5\r\nhello\r\n', 'leading whitespace'],
    ['0x5\r\nhello\r\n', '0x prefix'],
    ['5\nhello\r\n', 'bare LF after the size'],
  ] as const) {
    test(`bad chunk size: ${why}`, () => {
      fails(encoded, /chunk size is not hexadecimal/);
    });
  }

  test('hex overflow past 2^53-1 (RFC 9112 §7.1)', () => {
    fails('20000000000000\r\n', /exceeds 2\^53-1/);
    fails('ffffffffffffffffffffffff\r\n', /exceeds 2\^53-1/);
  });

  test('bad chunk extensions', () => {
    fails('5 x\r\nhello\r\n', /chunk extension/);
    fails('5;a\x01\r\nhello\r\n', /chunk extension/);
    fails('5;a\nhello\r\n', /chunk extension/);
    fails('5;a\x00b\r\nhello\r\n', /chunk extension/);
  });

  test('chunk extensions that break the grammar are rejected (RFC 9112 §7.1.1)', () => {
    for (const [ext, why] of [
      [';', 'no name after ";"'],
      [';;a', 'empty element'],
      [' ;', 'no name after BWS ";"'],
      [';=b', 'no name before "="'],
      [';a=', 'no value after "="'],
      [';a= ', 'no value after BWS'],
      [';a=b;', 'no name after a trailing ";"'],
      [';a b', 'two names without ";"'],
      [';a=b c', 'text after a value'],
      [';a ', 'BWS before CRLF'],
      [';a="b" ', 'BWS after a quoted value before CRLF'],
      [';a@b', 'name not a token'],
      [';a=b@c', 'token value with a non-tchar'],
      [';a=b"', 'DQUOTE in a token value'],
      [';a="b"c', 'text after the closing DQUOTE'],
      [';a="b', 'unterminated quoted-string'],
      [';a="b\\', 'quoted-pair cut by CRLF'],
      [';a="b\x01"', 'CTL inside a quoted-string'],
      [';a="b\x7f"', 'DEL inside a quoted-string'],
      [';a="b\\\x00"', 'quoted-pair with NUL'],
      [';a="b\rc"', 'bare CR inside a quoted-string'],
      [';a="b\nc"', 'bare LF inside a quoted-string'],
      [';a\x7f', 'DEL after a name'],
      [';\xe9', 'obs-text as a name'],
    ] as const) {
      for (const encoded of [`2${ext}\r\nhi\r\n0\r\n\r\n`, `0${ext}\r\n\r\n`]) {
        const events = chunked(encoded);
        assert.equal(events.length, 1, why);
        assert.equal(errorOf(events).status, 400, why);
        assert.match(errorOf(events).message, /chunk extension/, why);
      }
    }
  });

  test('chunk extension bytes count against maxChunkLineBytes, quoted ones too (413)', () => {
    const limit = { maxChunkLineBytes: 16 };
    fails(`5;a="${'x'.repeat(20)}"\r\nhello\r\n0\r\n\r\n`, /chunk-size line/, 413, limit);
    // An open quoted-string is not buffered past the limit waiting for its end.
    fails(`5;a="${'x'.repeat(20)}`, /chunk-size line/, 413, limit);
    fails(`5;a${' '.repeat(20)}=b\r\nhello\r\n`, /chunk-size line/, 413, limit);
    assert.deepEqual(chunked(`5;a="${'x'.repeat(10)}"\r\nhello\r\n0\r\n\r\n`, limit), [
      { type: 'body', data: 'hello' },
      END,
    ]);
  });

  test('whitespace after the size is allowed only before a chunk extension (RFC 9112 §7.1)', () => {
    fails('5 \r\nhello\r\n', /chunk extension/);
    fails('5\t\r\nhello\r\n', /chunk extension/);
  });

  test('CR not followed by LF on the size line', () => {
    fails('5\r\rhello\r\n', /bare CR/);
  });

  test('chunk data not followed by CRLF', () => {
    const events = fails('5\r\nhelloX\r\n0\r\n\r\n', /not followed by CRLF/);
    assert.deepEqual(
      events[0],
      { type: 'body', data: 'hello' },
      'the data before the error was delivered',
    );
    fails('5\r\nhello\rX0\r\n\r\n', /not followed by CRLF/);
    fails('5\r\nhello\n0\r\n\r\n', /not followed by CRLF/);
  });

  test('a chunk-size line over maxChunkLineBytes is 413', () => {
    fails(`5;${'a'.repeat(20)}\r\nhello\r\n0\r\n\r\n`, /chunk-size line/, 413, {
      maxChunkLineBytes: 16,
    });
    fails(`${'0'.repeat(20)}5\r\nhello\r\n0\r\n\r\n`, /chunk-size line/, 413, {
      maxChunkLineBytes: 16,
    });
    fails(`5${' '.repeat(20)}\r\nhello\r\n0\r\n\r\n`, /chunk-size line/, 413, {
      maxChunkLineBytes: 16,
    });
    assert.deepEqual(
      chunked(`5;${'a'.repeat(14)}\r\nhello\r\n0\r\n\r\n`, { maxChunkLineBytes: 16 }),
      [{ type: 'body', data: 'hello' }, END],
    );
  });

  test('the decoded size is limited before the data is read (413)', () => {
    const events = fails('3\r\nabc\r\n8\r\nabcdefgh\r\n0\r\n\r\n', /maxBodyBytes/, 413, {
      maxBodyBytes: 10,
    });
    assert.deepEqual(events, [{ type: 'body', data: 'abc' }, events[1]]);
    assert.deepEqual(
      chunked('3\r\nabc\r\n7\r\nabcdefg\r\n0\r\n\r\n', { maxBodyBytes: 10 }).length,
      2,
    );
  });

  test('trailer errors and limits', () => {
    fails('0\r\nX: 1\r\n folded\r\n\r\n', /obsolete line folding/);
    fails('0\r\n folded\r\n\r\n', /obsolete line folding/);
    fails('0\r\nX : 1\r\n\r\n', /colon/);
    fails('0\r\nX: 1\n\r\n', /bare LF/);
    fails('0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n', /trailer fields than maxHeaders/, 431, {
      maxHeaders: 2,
    });
    fails(`0\r\nA: ${'x'.repeat(100)}\r\n\r\n`, /trailer section larger/, 431, {
      maxHeadBytes: 64,
    });
  });

  test('a trailer line starting with a bare CR does not end the trailers (RFC 9112 §2.2)', () => {
    for (const trailers of ['\rX: y\r\n\r\n', 'A: 1\r\n\rX: y\r\n\r\n', '\r\r\n\r\n']) {
      const events = fails(`1\r\nx\r\n0\r\n${trailers}${HEAD}`, /bare CR/);
      assert.deepEqual(events, [{ type: 'body', data: 'x' }, events[1]], 'no end, no next head');
    }
  });
});

describe('ChunkedDecoder directly', () => {
  test('reports data ranges in the input, then the trailer start', () => {
    const input = bytes('5;ext=1\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n');
    const decoder = new ChunkedDecoder(100, 64);
    let pos = decoder.decode(input, 0);
    assert.equal(decoder.result, CHUNK_DATA);
    assert.equal(str(input.subarray(decoder.dataStart, decoder.dataEnd)), 'hello');
    pos = decoder.decode(input, pos);
    assert.equal(decoder.result, CHUNK_DATA);
    assert.equal(str(input.subarray(decoder.dataStart, decoder.dataEnd)), 'abc');
    pos = decoder.decode(input, pos);
    assert.equal(decoder.result, CHUNK_TRAILERS);
    assert.equal(str(input.subarray(pos)), '\r\n');
    assert.equal(decoder.total, 8);
  });

  test('resumes across inputs and reports partial data', () => {
    const decoder = new ChunkedDecoder(100, 64);
    const a = bytes('1');
    assert.equal(decoder.decode(a, 0), 1);
    assert.equal(decoder.result, CHUNK_NEED_MORE);
    const b = bytes('0\r\n0123');
    const pos = decoder.decode(b, 0);
    assert.equal(decoder.result, CHUNK_DATA);
    assert.equal(str(b.subarray(decoder.dataStart, decoder.dataEnd)), '0123');
    assert.equal(pos, b.length);
    const c = bytes('456789abcdef\r\n');
    decoder.decode(c, 0);
    assert.equal(str(c.subarray(decoder.dataStart, decoder.dataEnd)), '456789abcdef');
  });

  test('reset starts a new body; failures are reported', () => {
    const decoder = new ChunkedDecoder(100, 64);
    decoder.decode(bytes('z'), 0);
    assert.equal(decoder.result, CHUNK_ERROR);
    assert.match(decoder.failure?.reason ?? '', /hexadecimal/);
    decoder.reset();
    decoder.decode(bytes('0\r\n'), 0);
    assert.equal(decoder.result, CHUNK_TRAILERS);
    assert.equal(decoder.failure, null);
  });
});
