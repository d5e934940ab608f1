/**
 * Interop with undici's WebSocket over HTTP/2 (RFC 8441), the client Node itself ships, as
 * installed here (undici 7.x on Node 20). It works, with three facts the tests pin down:
 *
 * - Over `wss://` it takes an `Agent({ allowH2: true })` dispatcher (ALPN `h2`) and sends an
 *   extended CONNECT that carries `sec-websocket-key`, and it requires `sec-websocket-accept` in
 *   the 200 although RFC 8441 §5 drops it (wirekit sends it when a key is present).
 * - Over `ws://` an `allowH2` Agent speaks HTTP/1.1 (no h2c); `H2CClient` (prior knowledge) is
 *   what gets RFC 8441 over cleartext. wirekit's port serves both.
 * - A default Agent opens a new HTTP/2 session for each WebSocket; with `connections: 1` (or a
 *   `Client`) they are streams of one session.
 * - undici never ends its side of the stream when the server's END_STREAM arrives (an HTTP/2
 *   stream is half-open, unlike its TCP socket), and it reports the close only when the stream
 *   is fully closed: the close event waits for wirekit's `closeTimeout` to reset the stream.
 *   The tests use a short `closeTimeout` for that reason and report what the stream saw.
 *
 * undici prints "WebSocket over HTTP2 is experimental" (an ExperimentalWarning) once per process.
 */
import assert from 'node:assert/strict';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { Agent, H2CClient, WebSocket as UndiciWebSocket } from 'undici';
import { serve, WebSocketServer } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { connectionLog } from '../http2/h2-fixtures.js';
import { wsUrlOf } from '../http2/raw-h2.js';
import { type Deferred, deferred, within } from '../node/helpers.js';

/** wirekit resets a closed stream undici keeps half-open after this long (see above). */
const CLOSE_TIMEOUT = 300;
const OPTIONS = { pingInterval: 0, idleTimeout: 0, closeTimeout: CLOSE_TIMEOUT } as const;

/** What an undici WebSocket reported. */
interface UndiciClose {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** An undici WebSocket with its messages and close as promises. */
interface UndiciPeer {
  readonly ws: UndiciWebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<UndiciClose>;
  /** The next message (text as string, binary as Buffer). */
  next(): Promise<string | Buffer>;
}

function openUndici(
  url: string,
  dispatcher: Agent | H2CClient,
  protocols: string[] = [],
): UndiciPeer {
  const ws = new UndiciWebSocket(url, { dispatcher, protocols });
  ws.binaryType = 'arraybuffer';
  const opened = deferred<void>();
  const closed = deferred<UndiciClose>();
  const inbox: (string | Buffer)[] = [];
  const waiting: Deferred<string | Buffer>[] = [];
  ws.addEventListener('open', () => opened.resolve());
  ws.addEventListener('error', (event) =>
    opened.reject(new Error(`undici error: ${String((event as { message?: string }).message)}`)),
  );
  ws.addEventListener('message', (event) => {
    const data = event.data as string | ArrayBuffer;
    const value = typeof data === 'string' ? data : Buffer.from(data);
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter.resolve(value);
    else inbox.push(value);
  });
  ws.addEventListener('close', (event) => {
    closed.resolve({ code: event.code, reason: event.reason, wasClean: event.wasClean });
    opened.reject(new Error(`closed before open (${event.code})`));
  });
  opened.promise.catch(() => {});
  return {
    ws,
    opened: within(opened.promise, 10_000, 'undici to open'),
    closed: within(closed.promise, 10_000, 'undici to report the close'),
    next() {
      const queued = inbox.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      const waiter = deferred<string | Buffer>();
      waiting.push(waiter);
      return within(waiter.promise, 10_000, 'a message in undici');
    },
  };
}

describe('undici WebSocket over HTTP/2 ↔ wirekit server', { timeout: 60_000 }, () => {
  test('wss:// with Agent({ allowH2: true }): an extended CONNECT with a key, echo both ways, subprotocol, close from undici with code and reason', async (t) => {
    const log = connectionLog();
    const server = await serve({
      port: 0,
      http2: true,
      tls: testCertificate(),
      ...OPTIONS,
      selectProtocol: (offered) => offered.find((p) => p === 'chat.v2'),
      handler: log.handler,
    });
    t.after(() => server.close());
    const dispatcher = new Agent({ allowH2: true, connect: { ca: testCertificate().cert } });
    t.after(() => dispatcher.close());
    const peer = openUndici(wsUrlOf('h2', server.address!.port, '/undici?x=1'), dispatcher, [
      'chat.v1',
      'chat.v2',
    ]);
    await peer.opened;
    assert.equal(peer.ws.protocol, 'chat.v2');
    const record = await log.recordFor('/undici?x=1');
    assert.equal(record.request.method, 'CONNECT', 'undici used RFC 8441, not HTTP/1.1');
    assert.equal(record.request.headers.get(':protocol'), 'websocket');
    assert.ok(record.request.headers.get('sec-websocket-key'), 'undici sends a key over h2');

    peer.ws.send('text from undici ✓');
    assert.equal(await peer.next(), 'text from undici ✓');
    peer.ws.send(new Uint8Array([0, 1, 2, 253, 254, 255]));
    assert.deepEqual([...((await peer.next()) as Buffer)], [0, 1, 2, 253, 254, 255]);
    const large = Buffer.alloc(1024 * 1024, 0x61);
    peer.ws.send(large);
    assert.ok(large.equals((await peer.next()) as Buffer), 'a 1 MiB message came back intact');

    peer.ws.close(4000, 'undici says bye');
    assert.deepEqual(await log.closeOf('/undici?x=1'), {
      code: 4000,
      reason: 'undici says bye',
      wasClean: true,
    });
    const closed = await peer.closed;
    assert.equal(closed.code, 4000);
    assert.equal(closed.wasClean, true);
  });

  test('permessage-deflate: undici’s offer is agreed over the stream and compressed messages round-trip', async (t) => {
    const log = connectionLog();
    const server = await serve({
      port: 0,
      http2: true,
      tls: testCertificate(),
      ...OPTIONS,
      deflate: true,
      handler: log.handler,
    });
    t.after(() => server.close());
    const dispatcher = new Agent({ allowH2: true, connect: { ca: testCertificate().cert } });
    t.after(() => dispatcher.close());
    const peer = openUndici(wsUrlOf('h2', server.address!.port, '/deflate'), dispatcher);
    await peer.opened;
    assert.match(peer.ws.extensions, /^permessage-deflate/);
    const record = await log.recordFor('/deflate');
    assert.equal(record.connection?.extensions, peer.ws.extensions);
    const text = 'a compressible sentence, again and again; '.repeat(5_000);
    peer.ws.send(text);
    assert.equal(await peer.next(), text);
    peer.ws.close(1000);
    assert.equal((await peer.closed).code, 1000);
    assert.equal((await log.closeOf('/deflate')).wasClean, true);
  });

  test('three undici WebSockets through one Agent (connections: 1) are three streams of one HTTP/2 session; a server close reaches undici with its code and reason', async (t) => {
    const log = connectionLog();
    const wss = new WebSocketServer({ ...OPTIONS, handler: log.handler });
    const h2 = createSecureServer(testCertificate());
    let sessions = 0;
    h2.on('session', () => sessions++);
    wss.attachHttp2(h2);
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    const port = (h2.address() as AddressInfo).port;
    t.after(async () => {
      await wss.close();
      await new Promise<void>((resolve) => h2.close(() => resolve()));
    });
    // A default Agent opens one session per WebSocket here; one connection per origin makes
    // undici multiplex them.
    const dispatcher = new Agent({
      allowH2: true,
      connections: 1,
      connect: { ca: testCertificate().cert },
    });
    t.after(() => dispatcher.close());
    const peers: UndiciPeer[] = [];
    for (const path of ['/a', '/b', '/c']) {
      const peer = openUndici(wsUrlOf('h2', port, path), dispatcher);
      await peer.opened;
      peers.push(peer);
    }
    assert.equal(sessions, 1, 'one HTTP/2 session carries the three WebSockets');
    for (const [i, peer] of peers.entries()) peer.ws.send(`to ${i}`);
    for (const [i, peer] of peers.entries()) assert.equal(await peer.next(), `to ${i}`);

    (await log.recordFor('/b')).connection?.close(4001, 'server says bye');
    const serverSaw = await log.closeOf('/b');
    const serverClosedAt = performance.now();
    const closed = await peers[1]!.closed;
    assert.deepEqual(closed, { code: 4001, reason: 'server says bye', wasClean: true });
    assert.deepEqual(serverSaw, { code: 4001, reason: '', wasClean: true });
    t.diagnostic(
      `undici reported the close ${Math.round(performance.now() - serverClosedAt)} ms after the close handshake (closeTimeout ${CLOSE_TIMEOUT} ms): it waits for the stream to be reset`,
    );
    // The session and the other two WebSockets are unaffected.
    peers[0]!.ws.send('still a');
    assert.equal(await peers[0]!.next(), 'still a');
    peers[2]!.ws.send('still c');
    assert.equal(await peers[2]!.next(), 'still c');
    for (const peer of [peers[0]!, peers[2]!]) {
      peer.ws.close(1000);
      assert.equal((await peer.closed).code, 1000);
    }
    assert.equal(sessions, 1);
  });

  test('ws:// with H2CClient (prior knowledge): RFC 8441 over cleartext; an allowH2 Agent over ws:// speaks HTTP/1.1 to the same port', async (t) => {
    const log = connectionLog();
    const server = await serve({ port: 0, http2: true, ...OPTIONS, handler: log.handler });
    t.after(() => server.close());
    const port = server.address!.port;

    const h2c = new H2CClient(`http://127.0.0.1:${port}`);
    t.after(() => h2c.close());
    const overH2c = openUndici(wsUrlOf('h2c', port, '/h2c'), h2c);
    await overH2c.opened;
    assert.equal((await log.recordFor('/h2c')).request.method, 'CONNECT');
    overH2c.ws.send('over h2c');
    assert.equal(await overH2c.next(), 'over h2c');

    const agent = new Agent({ allowH2: true });
    t.after(() => agent.close());
    const overH1 = openUndici(wsUrlOf('h2c', port, '/h1'), agent);
    await overH1.opened;
    assert.equal(
      (await log.recordFor('/h1')).request.method,
      'GET',
      'undici has no h2c without H2CClient: a classic upgrade',
    );
    overH1.ws.send('over HTTP/1.1');
    assert.equal(await overH1.next(), 'over HTTP/1.1');

    for (const peer of [overH2c, overH1]) {
      peer.ws.close(1000);
      assert.equal((await peer.closed).code, 1000);
    }
    assert.equal((await log.closeOf('/h2c')).wasClean, true);
    assert.equal((await log.closeOf('/h1')).wasClean, true);
  });
});
