/**
 * Headless Chromium ↔ wirekit over HTTP/3 (RFC 9220). Chromium opens a WebSocket over HTTP/3
 * only on a QUIC session it already holds for the origin, one whose SETTINGS carried
 * SETTINGS_ENABLE_CONNECT_PROTOCOL = 1, and whose pool key (network anonymization key, privacy
 * mode) the WebSocket's request shares; it never dials QUIC for a WebSocket. So the page comes
 * from wirekit over HTTP/3 with a 200 (an error page has an opaque origin, and its WebSockets
 * get a transient key and go over TCP), then opens three WebSockets to the same origin.
 *
 * Shown from the server side: every handshake arrives as an extended CONNECT on a request stream
 * of the QUIC connection that served the page (same peer address and UDP port; wirekit offers
 * no migration), the listener holds exactly one QUIC connection, messages echo on all three and
 * each closes cleanly. Chromium is Debian's; the test fails (never skips) without it.
 */
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Http3Listener, serveHttp3 } from '../../src/node/http3/h3-server.js';
import { WebSocketServer } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { type ConnectionLog, type ConnectionRecord, connectionLog } from '../http2/h2-fixtures.js';
import { within } from '../node/helpers.js';
import { launchChromiumQuic, testChromiumInstalled } from './chromium.js';

const PAGE_CALL_MS = 60_000;
const SOCKETS = 3;
const MESSAGES = 5;

/** What the page reports for one of its WebSockets. */
interface SocketResult {
  readonly url: string;
  readonly echoesOk: boolean;
  readonly close: { readonly code: number; readonly reason: string; readonly wasClean: boolean };
}

/** What the page reports for the whole run. */
interface PageResult {
  /** The page's own protocol, from the Navigation Timing entry (`h3` expected). */
  readonly pageProtocol: string;
  readonly sockets: readonly SocketResult[];
}

/** Plain browser JavaScript: open `count` WebSockets at once, echo on each, close each once all
 * of them echoed (so that all are open at the same moment). */
const PAGE_SCRIPT = `
'use strict';
function bounded(promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error('page timed out waiting for ' + what)), 30000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
async function open(url, index, messages) {
  const ws = new WebSocket(url);
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
    const text = 'socket ' + index + ' message ' + k + ' over h3 ✓';
    sent.push(text);
    ws.send(text);
  }
  await bounded(new Promise((resolve) => {
    wake = () => { if (received.length >= sent.length) resolve(); };
    wake();
  }), 'echoes on ' + url);
  return { ws, url, index, closed, echoesOk: sent.every((m, i) => m === received[i]) };
}
window.openSockets = async (base, count, messages) => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const open_ = await Promise.all(
    Array.from({ length: count }, (_, i) => open(base + '/ws/' + i, i, messages)));
  window.allOpen = true;
  await bounded(new Promise((resolve) => { window.release = resolve; }), 'the test');
  const sockets = [];
  for (const s of open_) {
    s.ws.close(1000, 'page done ' + s.index);
    sockets.push({ url: s.url, echoesOk: s.echoesOk, close: await bounded(s.closed, 'close') });
  }
  return { pageProtocol: navigation ? navigation.nextHopProtocol : '', sockets };
};
`;

const PAGE_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>wirekit over HTTP/3</title></head>
<body><p>wirekit over HTTP/3</p><script>${PAGE_SCRIPT}</script></body>
</html>
`;

/** The peer address and UDP port of the QUIC connection that carries a request stream. */
function carrierOf(stream: ServerHttp2Stream): string {
  const socket = (
    stream.session as unknown as { socket: { remoteAddress: string; remotePort: number } }
  ).socket;
  return `${socket.remoteAddress}:${socket.remotePort}`;
}

/** SHA-256 of the certificate's SubjectPublicKeyInfo, base64 (Chromium's SPKI pin format). */
function spkiHash(certPem: string): string {
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

testChromiumInstalled();

describe('headless Chromium ↔ wirekit over HTTP/3 (RFC 9220)', { timeout: 180_000 }, () => {
  const tls = testCertificate();
  let browser: Browser | undefined;
  let listener: Http3Listener | undefined;
  let wss: WebSocketServer<ConnectionRecord> | undefined;
  const log: ConnectionLog = connectionLog();
  /** `METHOD path` of every request stream, with the connection that carried it. */
  const requests: { readonly line: string; readonly carrier: string }[] = [];

  before(async () => {
    const server = new WebSocketServer<ConnectionRecord>({
      pingInterval: 0,
      idleTimeout: 0,
      closeTimeout: 2_000,
      handler: log.handler,
    });
    wss = server;
    listener = await serveHttp3(
      (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
        requests.push({
          line: `${headers[':method']} ${headers[':path']}`,
          carrier: carrierOf(stream),
        });
        if (server.handleStream(stream, headers)) return true;
        // The page itself (and a 404 for anything else, e.g. the favicon).
        stream.resume();
        if (headers[':path'] !== '/') {
          stream.respond({ ':status': 404 }, { endStream: true });
          return true;
        }
        stream.respond({ ':status': 200, 'content-type': 'text/html; charset=utf-8' });
        stream.end(Buffer.from(PAGE_HTML));
        return true;
      },
      { ...tls, host: '127.0.0.1', port: 0 },
    );
    browser = await launchChromiumQuic(`127.0.0.1:${listener.port}`, spkiHash(tls.cert));
  });

  after(async () => {
    await browser?.close();
    await wss?.close();
    await listener?.close();
  });

  test(`a page over HTTP/3 opens ${SOCKETS} WebSockets as extended CONNECT streams of its one QUIC connection`, async (t) => {
    assert.ok(browser !== undefined && listener !== undefined, 'setup failed');
    const origin = `https://127.0.0.1:${listener.port}`;
    const page: Page = await browser.newPage();
    t.after(() => page.close());
    const response = await page.goto(`${origin}/`, { timeout: 30_000 });
    assert.equal(response?.status(), 200);
    const run = within(
      page.evaluate<PageResult>(
        `openSockets(${JSON.stringify(`wss://127.0.0.1:${listener.port}`)}, ${SOCKETS}, ${MESSAGES})`,
      ),
      PAGE_CALL_MS,
      "the page's openSockets",
    );
    await within(
      page.waitForFunction('window.allOpen === true', undefined, { timeout: 30_000 }),
      PAGE_CALL_MS,
      'all sockets open',
    );
    // While every WebSocket is open, the server holds one QUIC connection.
    const held = listener.connections;
    await page.evaluate('window.release()');
    const result = await run;

    assert.equal(result.pageProtocol, 'h3', 'the page came over HTTP/3');
    assert.equal(held, 1, 'one QUIC connection while all WebSockets were open');

    const page0 = requests.find((r) => r.line === 'GET /');
    assert.ok(page0 !== undefined, `requests: ${JSON.stringify(requests)}`);
    const connects = requests.filter((r) => r.line.startsWith('CONNECT '));
    assert.deepEqual(
      connects.map((r) => r.line).sort(),
      Array.from({ length: SOCKETS }, (_, i) => `CONNECT /ws/${i}`),
    );
    for (const c of connects)
      assert.equal(c.carrier, page0.carrier, `${c.line} rode the page's QUIC connection`);

    assert.equal(result.sockets.length, SOCKETS);
    for (const [i, socket] of result.sockets.entries()) {
      assert.equal(socket.echoesOk, true, `echoes on ${socket.url}`);
      assert.deepEqual(
        socket.close,
        { code: 1000, reason: `page done ${i}`, wasClean: true },
        socket.url,
      );
      const record = await log.recordFor(`/ws/${i}`);
      // RFC 9220 §3: an extended CONNECT with :protocol websocket, not an HTTP/1.1 upgrade.
      assert.equal(record.request.method, 'CONNECT');
      assert.equal(record.request.headers.get(':protocol'), 'websocket');
      assert.equal(record.messages.length, MESSAGES);
      assert.deepEqual(await log.closeOf(`/ws/${i}`), {
        code: 1000,
        reason: `page done ${i}`,
        wasClean: true,
      });
    }
    t.diagnostic(`requests: ${requests.map((r) => `${r.line} via ${r.carrier}`).join('; ')}`);
  });
});
