/**
 * Every HTTP entry of fuzz/KNOWN-DIFFERENCES.md, with its example: the difference is still
 * there (wirekit and llhttp disagree) and the fuzz target's rule of the same id recognises it.
 * When llhttp or wirekit changes so that an example agrees, the entry is stale.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { llhttpEvents } from '../../fuzz/oracles/llhttp.js';
import { explainHttpDifference } from '../../fuzz/targets/http-differences.js';
import { httpDisagreement, NO_LIMITS, wirekitHttp } from '../../fuzz/targets/http-driver.js';

const H = 'Host: a\r\n';
const CHUNKED = `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`;

/** [id, request?, input] */
const EXAMPLES: [string, boolean, string][] = [
  ['host', true, 'GET / HTTP/1.1\r\n\r\n'],
  ['host', true, `GET / HTTP/1.1\r\n${H}${H}\r\n`],
  ['http09', true, 'GET /\r\n\r\n'],
  ['bare-lf', true, `\nGET / HTTP/1.1\r\n${H}\r\n`],
  ['bare-cr', false, '\rHTTP/1.1 101\r\n\r\n'],
  ['cr-before-eof', true, '\r'],
  ['cr-before-eof', false, 'HTTP/1.1 200\r\r\r\n'],
  ['request-line-spaces', true, 'GET /  HTTP/1.0\r\n\r\n'],
  ['target-form', true, `GET */ HTTP/1.1\r\n${H}\r\n`],
  ['target-form', true, `CONNECT a HTTP/1.1\r\n${H}\r\n`],
  ['reason-ctl', false, 'HTTP/1.1 200 \u0000\r\nContent-Length: 0\r\n\r\n'],
  ['status-range', false, 'HTTP/1.1 604 \r\nContent-Length: 0\r\n\r\n'],
  ['chunk-ext-name', true, `${CHUNKED}5;;=""\r\nhello\r\n0\r\n\r\n`],
  ['chunk-size-overflow', true, `${CHUNKED}ffffffffffffff\r\nx`],
  [
    'unknown-coding',
    true,
    `POST / HTTP/1.1\r\n${H}Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n`,
  ],
  ['te-http10', true, 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
  ['empty-transfer-encoding', false, 'HTTP/1.1 200 \r\nTransfer-Encoding:\r\n\r\nbody'],
  ['method', true, 'T / HTTP/1.0\r\n\r\n'],
  ['absolute-form', true, `GET m:/ HTTP/1.1\r\n${H}\r\n`],
  ['chunk-ext-bws', true, `${CHUNKED}1 ;a\r\nx\r\n0\r\n\r\n`],
  ['chunk-ext-bws', true, `${CHUNKED}5;a="" ;b\r\nhello\r\n0\r\n\r\n`],
  [
    'content-length-list',
    true,
    `POST / HTTP/1.1\r\n${H}Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello`,
  ],
  ['content-length-list', false, 'HTTP/1.1 200 \r\nContent-Length: 2\t\r\n\r\nhi'],
  ['major-version', false, 'HTTP/1.1 100\r\n\r\nHTTP/2.0 200\r\nContent-Length: 0\r\n\r\n'],
  ['minor-version', false, 'HTTP/1.2 200 \r\nContent-Length: 0\r\n\r\n'],
  ['trailer-fields', true, `${CHUNKED}0\r\nTransfer-Encoding: h\r\n\r\n`],
  [
    'trailer-fields',
    false,
    'HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nConnection: close\r\n\r\nHTTP/1.1 204\r\n\r\n',
  ],
  ['interim-persistence', false, 'HTTP/1.0 100\r\n\r\nHTTP/1.1 204\r\n\r\n'],
  ['te-list-syntax', true, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n`],
  ['te-list-syntax', true, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked,\r\n\r\n0\r\n\r\n`],
  ['te-list-syntax', false, 'HTTP/1.1 200\r\nTransfer-Encoding: chunked\t\r\n\r\n2\r\r'],
  [
    'chunked-twice',
    false,
    'HTTP/1.1 200\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ],
  ['te-and-cl', false, 'HTTP/1.1 200\r\nTransfer-Encoding:\r\nContent-Length: 2\r\n\r\nhi'],
  ['connect-content', true, `CONNECT a:1 HTTP/1.1\r\n${H}Transfer-Encoding:\r\n\r\n`],
  [
    'connection-list-syntax',
    true,
    'GET / HTTP/1.1\r\nHost:\r\nUpgrade:w\r\nConnection:Upgrade\t\r\n\r\n\u0000',
  ],
  [
    'upgrade-http10',
    true,
    'GET / HTTP/1.0\r\nConnection: keep-alive, Upgrade\r\nUpgrade: t\r\n\r\n',
  ],
];

describe('fuzz/KNOWN-DIFFERENCES.md: HTTP/1.1 vs llhttp', () => {
  for (const [id, request, text] of EXAMPLES) {
    test(`${id}: ${JSON.stringify(text).slice(0, 70)}`, () => {
      const stream = new Uint8Array(Buffer.from(text, 'latin1'));
      const wirekit = wirekitHttp(request, [stream], [], NO_LIMITS);
      let shown = false;
      for (const settled of [false, true]) {
        const w = settled ? wirekit.eof : wirekit.open;
        const l = llhttpEvents(request, stream, [], settled);
        if (httpDisagreement(w, l, settled) === null) continue;
        shown = true;
        assert.equal(explainHttpDifference(stream, w, l), id, `${w.reason} / ${l.reason}`);
      }
      assert.ok(shown, 'wirekit and llhttp agree on the example: the entry is stale');
    });
  }
});
