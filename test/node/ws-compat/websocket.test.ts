/**
 * `wirekit/ws`'s `WebSocket`, written from ws's doc/ws.md ("Class: WebSocket"): the client's
 * options and handshake events, and the methods, attributes and events of both sides,
 * including their error paths (send after close, close codes, terminate, pause).
 */
import assert from 'node:assert/strict';
import { Agent, createServer, type IncomingMessage } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import WebSocketDefault, {
  type CloseEvent,
  type ErrorEvent,
  type MessageEvent,
  WebSocket,
  WebSocketServer,
} from '../../../src/node/ws-compat/index.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { closeHttp, listenLocal, tick } from '../helpers.js';
import { closeOf, next, nextConnection, openClient, startServer, stopServer } from './helpers.js';

/** An open client and its server-side peer. */
async function pair(
  options: Parameters<typeof startServer>[0] = {},
  clientOptions: ConstructorParameters<typeof WebSocket>[2] = {},
): Promise<{ wss: WebSocketServer; client: WebSocket; server: WebSocket; url: string }> {
  const { wss, url } = await startServer(options);
  const connected = nextConnection(wss);
  const client = await openClient(url, [], clientOptions);
  const [server] = await connected;
  return { wss, client, server, url };
}

describe('wirekit/ws WebSocket', () => {
  test('ready state constants, static and on instances; the default export is the class', async () => {
    assert.equal(WebSocketDefault, WebSocket);
    assert.deepEqual(
      [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED],
      [0, 1, 2, 3],
    );
    const { wss, client, server } = await pair();
    assert.deepEqual([client.CONNECTING, client.OPEN, client.CLOSING, client.CLOSED], [0, 1, 2, 3]);
    assert.equal(server.OPEN, 1);
    assert.equal(WebSocket.Server, WebSocketServer);
    assert.equal(WebSocket.WebSocketServer, WebSocketServer);
    assert.equal(WebSocket.WebSocket, WebSocket);
    assert.equal(typeof WebSocket.createWebSocketStream, 'function');
    client.terminate();
    await closeOf(client);
    await stopServer(wss);
  });

  test('client attributes: url, protocol, extensions, readyState through open and close', async () => {
    const { wss, url } = await startServer();
    const ws = new WebSocket(`${url}/path?q=1`, 'chat');
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    assert.equal(ws.url, `${url}/path?q=1`);
    await next(ws, 'open');
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.equal(ws.protocol, 'chat');
    assert.equal(ws.extensions, '');
    assert.equal(ws.binaryType, 'nodebuffer');
    ws.close(1000, 'bye');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    const { code, reason } = await closeOf(ws);
    assert.equal(code, 1000);
    assert.equal(typeof reason, 'string');
    assert.equal(ws.readyState, WebSocket.CLOSED);
    await stopServer(wss);
  });

  test('close(code, reason) reaches the peer as a Buffer reason; the initiator gets the echo', async () => {
    const { wss, client, server } = await pair();
    const serverClosed = next<[number, Buffer]>(server, 'close');
    const clientClosed = closeOf(client);
    client.close(4001, Buffer.from('done ✓'));
    const [code, reason] = await serverClosed;
    assert.equal(code, 4001);
    assert.ok(Buffer.isBuffer(reason));
    assert.equal(reason.toString(), 'done ✓');
    assert.equal((await clientClosed).code, 4001);
    await stopServer(wss);
  });

  test('close(): invalid codes throw a TypeError, long reasons a RangeError; closing twice is fine', async () => {
    const { wss, client } = await pair();
    for (const code of [999, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5]) {
      assert.throws(
        () => client.close(code),
        (error: Error & { code?: string }) =>
          error instanceof TypeError && error.code === 'ERR_WS_INVALID_CLOSE_CODE',
        String(code),
      );
    }
    assert.throws(() => client.close(1000, 'x'.repeat(124)), RangeError);
    client.close();
    client.close(1000);
    assert.equal((await closeOf(client)).code, 1005);
    client.close();
    await stopServer(wss);
  });

  test('send: cb after the data is written; string/Buffer/ArrayBuffer/view/number/array/Blob', async () => {
    const { wss, client, server } = await pair();
    const received: [string, boolean][] = [];
    server.on('message', (data, isBinary) => received.push([String(data), isBinary]));
    const written: (Error | undefined)[] = [];
    const cb = (error?: Error): void => {
      written.push(error);
    };
    client.send('text', cb);
    client.send(Buffer.from('buffer'), cb);
    client.send(new TextEncoder().encode('view').buffer, { binary: true }, cb);
    client.send(new Uint16Array([0x6976, 0x7765]), cb);
    client.send(42, cb);
    client.send([104, 105], cb);
    client.send(new Blob(['blob']), cb);
    client.send('after blob', { binary: true }, cb);
    client.send(Buffer.from('as text'), { binary: false }, cb);
    await until(() => received.length === 9 && written.length === 9);
    assert.deepEqual(written, Array(9).fill(undefined));
    assert.deepEqual(received, [
      ['text', false],
      ['buffer', true],
      ['view', true],
      ['view', true],
      ['42', false],
      ['hi', true],
      ['blob', true],
      ['after blob', true],
      ['as text', false],
    ]);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('send cb with a large message to a slow reader is called once the bytes are written', async () => {
    const { wss, client, server } = await pair({}, { maxBackpressure: Number.POSITIVE_INFINITY });
    server.pause();
    let written = false;
    const big = Buffer.alloc(8 * 1024 * 1024, 7);
    client.send(big, (error) => {
      assert.equal(error, undefined);
      written = true;
    });
    await tick();
    assert.equal(written, false, 'the kernel cannot take 8 MiB while the server does not read');
    assert.ok(client.bufferedAmount > 0);
    const message = next<[Buffer]>(server, 'message');
    server.resume();
    const [data] = await message;
    assert.equal(data.length, big.length);
    await until(() => written);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('send while CONNECTING throws; after close the cb gets an error and nothing throws', async () => {
    const { wss, url } = await startServer();
    const ws = new WebSocket(url);
    assert.throws(() => ws.send('early'), /readyState 0 \(CONNECTING\)/);
    assert.throws(() => ws.ping(), /CONNECTING/);
    assert.throws(() => ws.pong(), /CONNECTING/);
    await next(ws, 'open');
    ws.close();
    const errors: Error[] = [];
    ws.send('late', (error) => errors.push(error!));
    ws.ping('late', true, (error) => errors.push(error!));
    ws.pong((error) => errors.push(error!));
    ws.send('no callback');
    assert.ok(ws.bufferedAmount >= 'late'.length * 2 + 'no callback'.length);
    await closeOf(ws);
    ws.send('closed', (error) => errors.push(error!));
    await until(() => errors.length === 4);
    assert.match(errors[0]!.message, /readyState 2 \(CLOSING\)/);
    assert.match(errors[3]!.message, /readyState 3 \(CLOSED\)/);
    assert.equal((errors[0] as Error & { code?: string }).code, 'ERR_WS_NOT_OPEN');
    await stopServer(wss);
  });

  test("send cb after the peer's close gets an error, never a throw", async () => {
    const { wss, client, server } = await pair();
    const closed = closeOf(client);
    server.close(1001);
    await closed;
    const error = await new Promise<Error | undefined>((resolve) => client.send('x', resolve));
    assert.ok(error instanceof Error);
    await stopServer(wss);
  });

  test('ping and pong: events with data, automatic pong, callbacks, the 125-byte limit', async () => {
    const { wss, client, server } = await pair();
    const pinged = next<[Buffer]>(server, 'ping');
    const ponged = next<[Buffer]>(client, 'pong');
    let pingWritten = false;
    client.ping('hello', undefined, () => {
      pingWritten = true;
    });
    assert.equal((await pinged)[0].toString(), 'hello');
    assert.equal((await ponged)[0].toString(), 'hello', 'autoPong answered');
    await until(() => pingWritten);
    const unsolicited = next<[Buffer]>(client, 'pong');
    server.pong(Buffer.from([1, 2, 3]));
    assert.deepEqual([...(await unsolicited)[0]], [1, 2, 3]);
    assert.throws(
      () => client.ping(Buffer.alloc(126)),
      (error: Error & { code?: string }) =>
        error instanceof RangeError && error.code === 'ERR_WS_CONTROL_TOO_LARGE',
    );
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('autoPong: false leaves pings unanswered', async () => {
    const { wss, client, server } = await pair({ autoPong: false });
    let ponged = false;
    client.on('pong', () => {
      ponged = true;
    });
    const pinged = next(server, 'ping');
    client.ping();
    await pinged;
    // A message sent after the ping arrives after any pong would have.
    const echoed = next(client, 'message');
    server.send('after');
    await echoed;
    assert.equal(ponged, false);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('terminate(): both sides get 1006 and an empty reason', async () => {
    const { wss, client, server } = await pair();
    const serverClosed = closeOf(server);
    client.terminate();
    assert.equal(client.readyState, WebSocket.CLOSING);
    assert.deepEqual(await closeOf(client), { code: 1006, reason: '' });
    assert.equal((await serverClosed).code, 1006);
    await stopServer(wss);
  });

  test('pause() holds messages back until resume(); isPaused says so', async () => {
    const { wss, client, server } = await pair();
    const received: string[] = [];
    client.on('message', (data) => received.push(String(data)));
    client.pause();
    assert.equal(client.isPaused, true);
    let written = 0;
    for (let i = 0; i < 5; i++) server.send(`m${i}`, () => written++);
    await until(() => written === 5);
    for (let i = 0; i < 20; i++) await tick();
    assert.deepEqual(received, [], 'nothing is read while paused');
    client.resume();
    assert.equal(client.isPaused, false);
    await until(() => received.length === 5);
    assert.deepEqual(received, ['m0', 'm1', 'm2', 'm3', 'm4']);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('binaryType: nodebuffer, arraybuffer, fragments, blob; text is a Buffer with isBinary false', async () => {
    const { wss, client, server } = await pair();
    const payload = Buffer.from([0, 1, 2, 250]);
    const results: [unknown, boolean][] = [];
    client.on('message', (data, isBinary) => results.push([data, isBinary]));
    for (const type of ['nodebuffer', 'arraybuffer', 'fragments', 'blob'] as const) {
      client.binaryType = type;
      const before = results.length;
      server.send(payload);
      server.send('text ✓');
      await until(() => results.length === before + 2);
    }
    client.binaryType = 'bogus' as 'blob';
    assert.equal(client.binaryType, 'blob');
    const [nodebuffer, text, arraybuffer, , fragments, , blob] = results;
    assert.ok(Buffer.isBuffer(nodebuffer![0]));
    assert.deepEqual([...(nodebuffer![0] as Buffer)], [...payload]);
    assert.ok(Buffer.isBuffer(text![0]));
    assert.equal(text![1], false);
    assert.equal(String(text![0]), 'text ✓');
    assert.ok(arraybuffer![0] instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(arraybuffer![0] as ArrayBuffer)], [...payload]);
    assert.ok(Array.isArray(fragments![0]));
    assert.deepEqual([...Buffer.concat(fragments![0] as Buffer[])], [...payload]);
    assert.ok(blob![0] instanceof Blob);
    assert.deepEqual([...new Uint8Array(await (blob![0] as Blob).arrayBuffer())], [...payload]);
    for (const [, isBinary] of results.filter((_, i) => i % 2 === 0)) assert.equal(isBinary, true);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test("fragments: send with fin false continues the message, in the first fragment's kind", async () => {
    const { wss, client, server } = await pair();
    const message = next<[Buffer, boolean]>(server, 'message');
    client.send('one ', { fin: false });
    client.ping();
    client.send(Buffer.from('two '), { fin: false });
    client.send('three', { fin: true, binary: true });
    const [data, isBinary] = await message;
    assert.equal(data.toString(), 'one two three');
    assert.equal(isBinary, false);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('received messages are safe to keep while more arrive', async () => {
    const { wss, client, server } = await pair();
    const kept: Buffer[] = [];
    client.on('message', (data) => kept.push(data as Buffer));
    const expected: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      const data = Buffer.alloc(100 + (i % 50), i);
      expected.push(data);
      server.send(data);
    }
    await until(() => kept.length === 200);
    for (let i = 0; i < 200; i++) assert.deepEqual(kept[i], expected[i], `message ${i}`);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('EventTarget emulation: onopen/onmessage/onclose/onerror and add/removeEventListener', async () => {
    const { wss, url } = await startServer();
    wss.on('connection', (ws) => {
      ws.send('text');
      ws.send(Buffer.from([9]));
      ws.close(4000, 'why');
    });
    const ws = new WebSocket(url);
    const seen: string[] = [];
    let closeEvent: CloseEvent | undefined;
    ws.onopen = (event) => seen.push(`open:${event.type}:${event.target === ws}`);
    ws.onmessage = (event: MessageEvent) =>
      seen.push(`message:${typeof event.data === 'string' ? event.data : 'binary'}`);
    const onceListener = (): void => {
      seen.push('once');
    };
    ws.addEventListener('message', onceListener, { once: true });
    const removed = (): void => {
      seen.push('removed');
    };
    ws.addEventListener('message', removed);
    ws.addEventListener('message', removed);
    ws.removeEventListener('message', removed);
    ws.addEventListener('close', {
      handleEvent: (event: CloseEvent) => {
        closeEvent = event;
      },
    });
    assert.equal(typeof ws.onopen, 'function');
    await closeOf(ws);
    assert.deepEqual(seen, ['open:open:true', 'message:text', 'once', 'message:binary']);
    assert.equal(closeEvent?.code, 4000);
    assert.equal(closeEvent?.reason, 'why');
    assert.equal(closeEvent?.wasClean, true);
    ws.onmessage = null;
    assert.equal(ws.onmessage, null);

    const failing = new WebSocket('ws://127.0.0.1:1');
    const errorEvent = new Promise<ErrorEvent>((resolve) => {
      failing.onerror = resolve;
    });
    assert.match((await errorEvent).message, /ECONNREFUSED/);
    await stopServer(wss);
  });

  test('client options: headers, origin, protocolVersion, invalid URL and subprotocols', async () => {
    const { wss, url } = await startServer();
    const connected = nextConnection(wss);
    const ws = await openClient(url, undefined, {
      headers: { Authorization: 'Bearer t' },
      origin: 'https://app.example',
      protocols: ['p1'],
    });
    const [, request] = (await connected) as [WebSocket, IncomingMessage];
    assert.equal(request.headers.authorization, 'Bearer t');
    assert.equal(request.headers.origin, 'https://app.example');
    assert.equal(request.headers['sec-websocket-protocol'], 'p1');
    assert.equal(request.headers['sec-websocket-version'], '13');
    assert.equal(ws.protocol, 'p1');
    ws.terminate();
    await closeOf(ws);
    assert.throws(() => new WebSocket(url, [], { protocolVersion: 7 }), RangeError);
    assert.throws(() => new WebSocket('not a url'), SyntaxError);
    assert.throws(() => new WebSocket('ftp://127.0.0.1/'), SyntaxError);
    assert.throws(() => new WebSocket(`${url}/#frag`), SyntaxError);
    assert.throws(() => new WebSocket(url, ['a', 'a']), SyntaxError);
    assert.throws(() => new WebSocket(url, ['bad protocol']), SyntaxError);
    await stopServer(wss);
  });

  test("'unexpected-response' gets the request and response; without a listener, an error", async () => {
    const http = createServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer' });
      res.end('no');
    });
    http.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 2\r\n\r\nno',
      );
    });
    const port = await listenLocal(http);
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    const [request, response] = await next<[unknown, IncomingMessage]>(ws, 'unexpected-response');
    assert.equal(response.statusCode, 401);
    assert.equal(response.headers['www-authenticate'], 'Bearer');
    assert.equal(typeof (request as { getHeader?: unknown }).getHeader, 'function');
    // Still CONNECTING: terminate() fails the attempt with an error, as in ws.
    ws.on('error', () => {});
    ws.terminate();
    await closeOf(ws);

    const plain = new WebSocket(`ws://127.0.0.1:${port}`);
    const closed = closeOf(plain);
    const [error] = await next<[Error]>(plain, 'error');
    assert.equal(error.message, 'Unexpected server response: 401');
    assert.equal((await closed).code, 1006);
    await closeHttp(http);
  });

  test('handshakeTimeout: a server that never answers fails the handshake', async () => {
    const http = createServer();
    const held: Duplex[] = [];
    http.on('upgrade', (_req: IncomingMessage, socket: Duplex) => {
      held.push(socket); // never answered
    });
    const port = await listenLocal(http);
    const ws = new WebSocket(`ws://127.0.0.1:${port}`, { handshakeTimeout: 100 });
    const closed = closeOf(ws);
    const [error] = await next<[Error]>(ws, 'error');
    assert.equal(error.message, 'Opening handshake has timed out');
    assert.equal((await closed).code, 1006);
    for (const socket of held) socket.destroy();
    await closeHttp(http);
  });

  test('close() and terminate() while CONNECTING fail the attempt', async () => {
    const { wss, url } = await startServer();
    for (const method of ['close', 'terminate'] as const) {
      const ws = new WebSocket(url);
      const closed = closeOf(ws);
      const failed = next<[Error]>(ws, 'error');
      ws[method]();
      assert.match((await failed)[0].message, /closed before the connection was established/);
      assert.equal((await closed).code, 1006);
    }
    await stopServer(wss);
  });

  test('followRedirects: 3xx with a Location is followed with a redirect event; maxRedirects bounds it', async () => {
    const { wss, url } = await startServer();
    const http = createServer();
    http.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
      const target = req.url === '/loop' ? '/loop' : `${url}/landed`;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${target}\r\nContent-Length: 0\r\n\r\n`);
    });
    const port = await listenLocal(http);
    const connected = nextConnection(wss);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/start`, { followRedirects: true });
    const [redirectUrl] = await next<[string]>(ws, 'redirect');
    assert.equal(redirectUrl, `${url}/landed`);
    await next(ws, 'open');
    assert.equal(ws.url, `${url}/landed`);
    assert.equal(((await connected)[1] as IncomingMessage).url, '/landed');
    ws.terminate();
    await closeOf(ws);

    const looping = new WebSocket(`ws://127.0.0.1:${port}/loop`, {
      followRedirects: true,
      maxRedirects: 2,
    });
    const closed = closeOf(looping);
    assert.equal((await next<[Error]>(looping, 'error'))[0].message, 'Maximum redirects exceeded');
    await closed;
    // Without followRedirects, a 302 is an unexpected response.
    const stay = new WebSocket(`ws://127.0.0.1:${port}/start`);
    const stayClosed = closeOf(stay);
    assert.match((await next<[Error]>(stay, 'error'))[0].message, /302/);
    await stayClosed;
    await closeHttp(http);
    await stopServer(wss);
  });

  test("'upgrade' shows the 101 response; an agent given is used for the request", async () => {
    const { wss, url } = await startServer();
    const agent = new Agent();
    let created = 0;
    const createConnection = agent.createConnection.bind(agent);
    agent.createConnection = ((...args: Parameters<typeof createConnection>) => {
      created++;
      return createConnection(...args);
    }) as typeof agent.createConnection;
    const ws = new WebSocket(url, { agent });
    const opened = next(ws, 'open');
    const [response] = await next<[IncomingMessage]>(ws, 'upgrade');
    assert.equal(response.statusCode, 101);
    assert.equal(response.headers.upgrade, 'websocket');
    await opened;
    assert.equal(created, 1);
    ws.terminate();
    await closeOf(ws);
    agent.destroy();
    await stopServer(wss);
  });

  test('wss: TLS with ca, and rejectUnauthorized: false', async () => {
    const { key, cert } = testCertificate();
    const https = createHttpsServer({ key, cert });
    const port = await listenLocal(https);
    const wss = new WebSocketServer({ server: https });
    wss.on('connection', (ws) => ws.on('message', (data) => ws.send(data)));
    for (const options of [{ ca: cert }, { rejectUnauthorized: false }]) {
      const ws = await openClient(`wss://127.0.0.1:${port}`, [], options);
      const echoed = next<[Buffer]>(ws, 'message');
      ws.send('over tls');
      assert.equal(String((await echoed)[0]), 'over tls');
      ws.close();
      await closeOf(ws);
    }
    const untrusted = new WebSocket(`wss://127.0.0.1:${port}`);
    const closed = closeOf(untrusted);
    const [error] = await next<[Error & { code?: string }]>(untrusted, 'error');
    assert.match(String(error.code), /SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
    await closed;
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await closeHttp(https);
  });

  test('perMessageDeflate on the client (default on) is negotiated with a deflating server', async () => {
    const { wss, client, server } = await pair({ perMessageDeflate: true });
    assert.equal(client.extensions, 'permessage-deflate');
    const off = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, {
      perMessageDeflate: false,
    });
    await next(off, 'open');
    assert.equal(off.extensions, '');
    server.on('message', (data) => server.send(data));
    const echoed = next<[Buffer]>(client, 'message');
    client.send('z'.repeat(5000));
    assert.equal(String((await echoed)[0]), 'z'.repeat(5000));
    off.terminate();
    client.terminate();
    await Promise.all([closeOf(off), closeOf(client)]);
    await stopServer(wss);
  });

  test('maxPayload on the client: a larger message from the server fails with 1009', async () => {
    const { wss, client, server } = await pair({}, { maxPayload: 100 });
    const failed = next<[Error & { code?: string }]>(client, 'error');
    const clientClosed = closeOf(client);
    const serverClosed = closeOf(server);
    server.send(Buffer.alloc(101));
    assert.equal((await failed)[0].code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    assert.equal((await clientClosed).code, 1006);
    assert.equal((await serverClosed).code, 1009);
    await stopServer(wss);
  });

  test('ws+unix: connects over a UNIX domain socket', async () => {
    const http = createServer();
    const wss = new WebSocketServer({ server: http });
    wss.on('connection', (ws, request) => ws.send(request.url ?? ''));
    const path = `/tmp/wirekit-ws-compat-${process.pid}.sock`;
    await new Promise<void>((resolve) => http.listen(path, resolve));
    const ws = new WebSocket(`ws+unix:${path}:/over/unix?x=1`);
    const [data] = await next<[Buffer]>(ws, 'message');
    assert.equal(String(data), '/over/unix?x=1');
    ws.close();
    await closeOf(ws);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await closeHttp(http);
  });
});

/** Resolve once `condition()` holds, checking each turn of the event loop (bounded). */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(condition(), 'condition not met in time');
}
