/**
 * Headless Chromium ↔ wirekit over HTTP/2 (RFC 8441): the page is served by wirekit's own
 * server (`serve({ http2: true, tls, http2Stream })`, a non-CONNECT stream), so the origin
 * already has an HTTP/2 session that advertises SETTINGS_ENABLE_CONNECT_PROTOCOL; the page then
 * opens three WebSockets to the same origin, which Chromium sends as extended CONNECT streams
 * of that one session. Observed from the server side only: the upgrade hook's requests
 * (method CONNECT), and the page's session, whose `'stream'` events the test watches from
 * inside `http2Stream`. Messages flow on all three, they close cleanly, and once more with
 * permessage-deflate on.
 *
 * Chromium is Debian's, installed by `.ci/run`; the test fails (never skips) without it.
 */
import assert from 'node:assert/strict';
import type { Http2Session, IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { serve, type WebSocketServer } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { type ConnectionLog, type ConnectionRecord, connectionLog } from '../http2/h2-fixtures.js';
import { within } from '../node/helpers.js';
import { launchChromium, testChromiumInstalled } from './chromium.js';

const PAGE_CALL_MS = 60_000;
const SOCKETS = 3;
const MESSAGES = 5;

/** What the page reports for one of its WebSockets. */
interface SocketResult {
  readonly url: string;
  readonly extensions: string;
  readonly echoesOk: boolean;
  readonly close: { readonly code: number; readonly reason: string; readonly wasClean: boolean };
}

/** What the page reports for the whole run. */
interface PageResult {
  /** The page's own protocol, from the Navigation Timing entry (`h2` expected). */
  readonly pageProtocol: string;
  readonly sockets: readonly SocketResult[];
}

/** Plain browser JavaScript: open `count` WebSockets at once, echo on each, close each. */
const PAGE_SCRIPT = `
'use strict';
function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('page timed out waiting for ' + what)), 30000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
function same(a, b) {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  const x = new Uint8Array(a), y = new Uint8Array(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
async function one(url, index, messages, large) {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  const received = [];
  let wake;
  ws.addEventListener('message', (event) => { received.push(event.data); if (wake) wake(); });
  const closed = new Promise((resolve) => ws.addEventListener('close', (event) =>
    resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean })));
  await bounded(new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve, { once: true });
    closed.then((c) => reject(new Error('closed before open: ' + c.code)));
  }), 'open ' + url);
  const sent = [];
  for (let k = 0; k < messages; k++) {
    const text = 'socket ' + index + ' message ' + k + ' ✓ ' + large.repeat(k === 0 ? 1 : 0);
    const bytes = Uint8Array.from({ length: 64 + k }, (_, i) => (i * 7 + index + k) & 0xff).buffer;
    sent.push(text, bytes);
    ws.send(text);
    ws.send(bytes);
  }
  await bounded(new Promise((resolve) => {
    wake = () => { if (received.length >= sent.length) resolve(); };
    wake();
  }), 'echoes on ' + url);
  const echoesOk = sent.every((m, i) => same(m, received[i]));
  ws.close(1000, 'page done ' + index);
  const close = await bounded(closed, 'close of ' + url);
  return { url, extensions: ws.extensions, echoesOk, close };
}
window.threeSockets = async (base, count, messages, large) => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const sockets = await Promise.all(
    Array.from({ length: count }, (_, i) => one(base + '/ws/' + i, i, messages, large)));
  return { pageProtocol: navigation ? navigation.nextHopProtocol : '', sockets };
};
`;

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>wirekit over HTTP/2</title></head>
<body><p>wirekit over HTTP/2</p><script>${PAGE_SCRIPT}</script></body>
</html>
`;

/** What the test sees of the server's HTTP/2 sessions through `http2Stream`. */
interface SessionWatch {
  /** Sessions that carried a page request, in order. */
  readonly pageSessions: Http2Session[];
  /** Per watched session: the `:path` of every CONNECT stream it carried. */
  readonly connects: Map<Http2Session, string[]>;
  /** Non-CONNECT requests served (`GET /`, `GET /favicon.ico`). */
  readonly requests: string[];
}

/** Serve the page on non-CONNECT streams, and start watching the session that asked for it. */
function pageStreams(
  watch: SessionWatch,
): (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => void {
  return (stream, headers) => {
    const session = stream.session;
    if (session !== undefined && !watch.connects.has(session)) {
      watch.pageSessions.push(session);
      const paths: string[] = [];
      watch.connects.set(session, paths);
      session.on('stream', (_stream: ServerHttp2Stream, h: IncomingHttpHeaders) => {
        if (h[':method'] === 'CONNECT') paths.push(String(h[':path']));
      });
    }
    watch.requests.push(`${headers[':method']} ${headers[':path']}`);
    if (headers[':path'] !== '/') {
      stream.respond({ ':status': 404 });
      stream.end();
      return;
    }
    stream.respond({
      ':status': 200,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
    });
    stream.end(PAGE_HTML);
  };
}

testChromiumInstalled();

describe('headless Chromium ↔ wirekit over HTTP/2 (RFC 8441)', { timeout: 180_000 }, () => {
  let browser: Browser | undefined;

  before(async () => {
    browser = await launchChromium();
  });

  after(async () => {
    await browser?.close();
  });

  for (const deflate of [false, true]) {
    test(`a page over HTTPS/2 opens ${SOCKETS} WebSockets as streams of its one session${deflate ? ', with permessage-deflate' : ''}`, async (t) => {
      assert.ok(browser !== undefined, 'Chromium did not launch');
      const watch: SessionWatch = { pageSessions: [], connects: new Map(), requests: [] };
      const log: ConnectionLog = connectionLog();
      const server: WebSocketServer<ConnectionRecord> = await serve({
        port: 0,
        http2: true,
        tls: testCertificate(),
        pingInterval: 0,
        idleTimeout: 0,
        closeTimeout: 2_000,
        deflate,
        handler: log.handler,
        http2Stream: pageStreams(watch),
      });
      t.after(() => server.close());
      const origin = `https://127.0.0.1:${server.address!.port}`;
      const page: Page = await browser.newPage({ ignoreHTTPSErrors: true });
      t.after(() => page.close());
      await page.goto(`${origin}/`, { timeout: 30_000 });
      // Compressible filler on each socket's first text message, so deflate has work to do.
      const large = deflate ? 'wirekit '.repeat(4_000) : '';
      const result = await within(
        page.evaluate<PageResult>(
          `threeSockets(${JSON.stringify(`wss://127.0.0.1:${server.address!.port}`)}, ${SOCKETS}, ${MESSAGES}, ${JSON.stringify(large)})`,
        ),
        PAGE_CALL_MS,
        "the page's threeSockets",
      );

      // The page came over HTTP/2, from this server.
      assert.equal(result.pageProtocol, 'h2');
      assert.ok(watch.requests.includes('GET /'), `page requests: ${watch.requests.join(', ')}`);

      // The page's side: every echo matched and every close was clean, with its code.
      assert.equal(result.sockets.length, SOCKETS);
      for (const [i, socket] of result.sockets.entries()) {
        assert.equal(socket.echoesOk, true, `echoes on ${socket.url}`);
        // wirekit's answer echoes the page's code and reason (§5.5.1).
        assert.deepEqual(
          socket.close,
          { code: 1000, reason: `page done ${i}`, wasClean: true },
          socket.url,
        );
        if (deflate) assert.match(socket.extensions, /^permessage-deflate/, socket.url);
        else assert.equal(socket.extensions, '', socket.url);
        const record = await log.recordFor(`/ws/${i}`);
        // RFC 8441: an extended CONNECT, not an HTTP/1.1 upgrade.
        assert.equal(record.request.method, 'CONNECT', `/ws/${i} came as a CONNECT stream`);
        assert.equal(record.request.headers.get(':protocol'), 'websocket');
        assert.equal(record.connection?.extensions, socket.extensions);
        assert.equal(record.messages.length, 2 * MESSAGES);
        assert.deepEqual(await log.closeOf(`/ws/${i}`), {
          code: 1000,
          reason: `page done ${i}`,
          wasClean: true,
        });
      }

      // The server's side: all three CONNECTs were streams of the session that served the page.
      const carriers = [...watch.connects.entries()].filter(([, paths]) => paths.length > 0);
      assert.equal(carriers.length, 1, 'exactly one session carried WebSockets');
      const [carrier, paths] = carriers[0]!;
      assert.equal(carrier, watch.pageSessions[0], 'it is the session that served the page');
      assert.deepEqual(
        [...paths].sort(),
        Array.from({ length: SOCKETS }, (_, i) => `/ws/${i}`),
      );
      t.diagnostic(
        `Chromium's offer: ${(await log.recordFor('/ws/0')).request.headers.get('sec-websocket-extensions')}; agreed: ${JSON.stringify(result.sockets[0]?.extensions)}`,
      );
    });
  }
});
