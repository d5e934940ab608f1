/**
 * `wirekit/ws`'s `WebSocketServer`, written from ws's doc/ws.md ("Class: WebSocketServer"):
 * each option, event and method, and the refusals it answers with.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { WebSocket, WebSocketServer } from '../../../src/node/ws-compat/index.js';
import {
  closeHttp,
  listenLocal,
  rawExchange,
  rawSocket,
  SAMPLE_ACCEPT,
  upgradeRequest,
} from '../helpers.js';
import { closeOf, next, nextConnection, openClient, startServer, stopServer } from './helpers.js';

/** The status line and header block of a raw HTTP answer. */
function statusOf(answer: string): number {
  return Number(answer.slice(9, 12));
}

/** A client's handshake failure: its `'error'` then `'close'` (1006). */
async function refusal(url: string, protocols?: string[]): Promise<Error> {
  const ws = new WebSocket(url, protocols);
  const closed = closeOf(ws);
  const [error] = await next<[Error]>(ws, 'error');
  assert.equal((await closed).code, 1006);
  return error;
}

describe('wirekit/ws WebSocketServer', () => {
  test('port and host: listens, address(), listening event and callback, 426 for plain requests', async () => {
    let called = 0;
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', backlog: 16 }, () => called++);
    await next(wss, 'listening');
    assert.equal(called, 1);
    const address = wss.address() as AddressInfo;
    assert.equal(address.address, '127.0.0.1');
    assert.ok(address.port > 0);
    const answer = await rawExchange(
      address.port,
      'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    );
    assert.equal(statusOf(answer), 426);
    await stopServer(wss);
  });

  test('exactly one of port, server and noServer, else a TypeError', () => {
    assert.throws(() => new WebSocketServer({}), TypeError);
    assert.throws(() => new WebSocketServer({ port: 0, noServer: true }), TypeError);
    assert.throws(
      () => new WebSocketServer({ server: createServer(), noServer: true }),
      (error: Error & { code?: string }) =>
        error instanceof TypeError && error.code === 'ERR_INVALID_ARGUMENT',
    );
  });

  test("'error' forwards the listener's error (port in use)", async () => {
    const { wss, url } = await startServer();
    const port = Number(new URL(url).port);
    const second = new WebSocketServer({ port, host: '127.0.0.1' });
    const [error] = await next<[Error & { code?: string }]>(second, 'error');
    assert.equal(error.code, 'EADDRINUSE');
    second.close();
    await stopServer(wss);
  });

  test('connection gets the WebSocket and the http.IncomingMessage; messages echo', async () => {
    const { wss, url } = await startServer();
    const connected = nextConnection(wss);
    const client = await openClient(`${url}/chat?room=1`, [], { headers: { 'x-token': 'abc' } });
    const [ws, request] = (await connected) as [WebSocket, IncomingMessage];
    assert.ok(ws instanceof WebSocket);
    assert.equal(request.url, '/chat?room=1');
    assert.equal(request.headers['x-token'], 'abc');
    assert.equal(ws.url, undefined, 'server clients have no url');
    assert.equal(ws.readyState, WebSocket.OPEN);
    assert.ok(ws._socket !== null);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    client.send('ping me');
    const [data, isBinary] = await next<[Buffer, boolean]>(client, 'message');
    assert.equal(data.toString(), 'ping me');
    assert.equal(isBinary, false);
    client.close();
    await closeOf(client);
    await stopServer(wss);
  });

  test('server option: upgrades of an existing http server, which keeps serving requests', async () => {
    const http = createServer((_req, res) => res.end('page'));
    const port = await listenLocal(http);
    const wss = new WebSocketServer({ server: http });
    const listening = next(wss, 'listening');
    http.emit('listening');
    await listening;
    assert.equal((wss.address() as AddressInfo).port, port);
    const connected = nextConnection(wss);
    const client = await openClient(`ws://127.0.0.1:${port}`);
    await connected;
    const page = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(await page.text(), 'page');
    client.terminate();
    await closeOf(client);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    await closeHttp(http);
  });

  test('noServer + handleUpgrade on an existing http server, two servers by path', async () => {
    const a = new WebSocketServer({ noServer: true });
    const b = new WebSocketServer({ noServer: true });
    assert.throws(() => a.address(), /noServer/);
    const http = createServer();
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const target = req.url === '/a' ? a : b;
      target.handleUpgrade(req, socket, head, (ws, request) =>
        target.emit('connection', ws, request),
      );
    });
    const port = await listenLocal(http);
    a.on('connection', (ws) => ws.send('from a'));
    b.on('connection', (ws) => ws.send('from b'));
    const clientA = new WebSocket(`ws://127.0.0.1:${port}/a`);
    const clientB = new WebSocket(`ws://127.0.0.1:${port}/b`);
    const [fromA] = await next<[Buffer]>(clientA, 'message');
    const [fromB] = await next<[Buffer]>(clientB, 'message');
    assert.equal(fromA.toString(), 'from a');
    assert.equal(fromB.toString(), 'from b');
    assert.equal(a.clients?.size, 1);
    clientA.close();
    clientB.close();
    await Promise.all([closeOf(clientA), closeOf(clientB)]);
    await Promise.all([stopServer(a), stopServer(b)]);
    await closeHttp(http);
  });

  test('path: another path gets 400, as in ws; shouldHandle can be overridden', async () => {
    const { wss, url } = await startServer({ path: '/ws' });
    const error = await refusal(`${url}/other`);
    assert.match(error.message, /Unexpected server response: 400/);
    const ok = await openClient(`${url}/ws?x=1`);
    ok.terminate();
    await closeOf(ok);
    wss.shouldHandle = (request) => request.url === '/custom';
    assert.match((await refusal(`${url}/ws`)).message, /400/);
    const custom = await openClient(`${url}/custom`);
    custom.terminate();
    await closeOf(custom);
    await stopServer(wss);
  });

  test('verifyClient (sync): false refuses with 401; info has origin, secure and req', async () => {
    const seen: { origin: string | undefined; secure: boolean; url: string | undefined }[] = [];
    const { wss, url } = await startServer({
      verifyClient: (info: {
        origin: string | undefined;
        secure: boolean;
        req: IncomingMessage;
      }) => {
        seen.push({ origin: info.origin, secure: info.secure, url: info.req.url });
        return info.req.url === '/yes';
      },
    });
    const error = await refusal(`${url}/no`);
    assert.match(error.message, /Unexpected server response: 401/);
    const ok = await openClient(`${url}/yes`, [], { origin: 'https://example.com' });
    assert.deepEqual(seen, [
      { origin: undefined, secure: false, url: '/no' },
      { origin: 'https://example.com', secure: false, url: '/yes' },
    ]);
    ok.close();
    await closeOf(ok);
    await stopServer(wss);
  });

  test('verifyClient (async): the callback refuses with its code, body and fields, or accepts', async () => {
    const { wss, url } = await startServer({
      verifyClient: (
        info: { req: IncomingMessage },
        done: (ok: boolean, ...rest: never[]) => void,
      ) => {
        setImmediate(() => {
          if (info.req.url === '/ok') done(true);
          else
            (done as (ok: boolean, code: number, message: string, headers: object) => void)(
              false,
              403,
              'go away',
              { 'Retry-After': 120 },
            );
        });
      },
    });
    const port = Number(new URL(url).port);
    const answer = await rawExchange(port, upgradeRequest({ target: '/nope' }));
    assert.equal(statusOf(answer), 403);
    assert.match(answer, /\r\nRetry-After: 120\r\n/i);
    assert.ok(answer.endsWith('\r\n\r\ngo away'));
    // Without a code: 401.
    const ok = await openClient(`${url}/ok`);
    ok.close();
    await closeOf(ok);
    await stopServer(wss);
  });

  test('handleProtocols chooses; without it the first offered is used; false chooses none', async () => {
    const { wss, url } = await startServer();
    const first = await openClient(url, ['one', 'two']);
    assert.equal(first.protocol, 'one');
    first.terminate();
    await closeOf(first);

    let seen: [Set<string>, string | undefined] | undefined;
    // Set after construction, as graphql-ws does: read at each upgrade.
    (wss.options as { handleProtocols?: unknown }).handleProtocols = (
      protocols: Set<string>,
      request: IncomingMessage,
    ) => {
      seen = [protocols, request.url];
      return protocols.has('two') ? 'two' : false;
    };
    const chosen = await openClient(`${url}/p`, ['one', 'two']);
    assert.equal(chosen.protocol, 'two');
    assert.deepEqual([...seen![0]], ['one', 'two']);
    assert.equal(seen![1], '/p');
    chosen.terminate();
    await closeOf(chosen);
    // The client asked for a subprotocol and got none: ws's client fails the handshake.
    const none = await refusal(url, ['three']);
    assert.match(none.message, /Server sent no subprotocol/);
    await stopServer(wss);
  });

  test('clientTracking: clients holds open connections; off, there is no clients set', async () => {
    const { wss, url } = await startServer();
    const client = await openClient(url);
    assert.equal(wss.clients?.size, 1);
    const [server] = [...wss.clients!];
    client.close();
    await Promise.all([closeOf(client), closeOf(server!)]);
    assert.equal(wss.clients?.size, 0);
    await stopServer(wss);

    const untracked = await startServer({ clientTracking: false });
    assert.equal(untracked.wss.clients, undefined);
    const other = await openClient(untracked.url);
    other.terminate();
    await closeOf(other);
    await stopServer(untracked.wss);
  });

  test("'headers' shows the 101's lines before they are written, and pushed lines are sent", async () => {
    const { wss, url } = await startServer();
    let lines: string[] = [];
    wss.on('headers', (headers, request) => {
      lines = [...headers];
      assert.equal(request.url, '/h');
      headers.push('Set-Cookie: session=1');
    });
    const client = new WebSocket(`${url}/h`);
    const opened = next(client, 'open');
    const [response] = await next<[IncomingMessage]>(client, 'upgrade');
    assert.equal(response.headers['set-cookie']?.[0], 'session=1');
    assert.equal(lines[0], 'HTTP/1.1 101 Switching Protocols');
    assert.ok(lines.includes('Upgrade: websocket'));
    await opened;
    client.terminate();
    await closeOf(client);
    await stopServer(wss);
  });

  test("'wsClientError' gets a malformed request and answers it; without a listener, ws's 4xx", async () => {
    const { wss, url } = await startServer();
    const port = Number(new URL(url).port);
    const bad = upgradeRequest({ overrides: { 'Sec-WebSocket-Key': 'not-a-key' } });
    const plain = await rawExchange(port, bad);
    assert.equal(statusOf(plain), 400);

    const seen = next<[Error, Duplex, IncomingMessage]>(wss, 'wsClientError');
    wss.on('wsClientError', (_error, socket) => {
      socket.end('HTTP/1.1 418 I am a teapot\r\nConnection: close\r\n\r\n');
    });
    const answer = await rawExchange(port, bad);
    const [error, , request] = await seen;
    assert.match(error.message, /Sec-WebSocket-Key/);
    assert.equal(request.headers['sec-websocket-key'], 'not-a-key');
    assert.equal(statusOf(answer), 418);
    await stopServer(wss);
  });

  test('a valid raw request is accepted with the right accept key', async () => {
    const { wss, url } = await startServer();
    const socket = await rawSocket(Number(new URL(url).port));
    const received = new Promise<string>((resolve) =>
      socket.once('data', (chunk: Buffer) => resolve(chunk.toString('latin1'))),
    );
    socket.write(upgradeRequest());
    const head = await received;
    assert.match(head, /^HTTP\/1\.1 101/);
    assert.ok(head.includes(`Sec-WebSocket-Accept: ${SAMPLE_ACCEPT}`));
    socket.destroy();
    await stopServer(wss);
  });

  test("maxPayload: a larger message closes with 1009 for the peer; the server emits ws's error", async () => {
    const { wss, url } = await startServer({ maxPayload: 1024 });
    const connected = nextConnection(wss);
    const client = await openClient(url);
    const [server] = await connected;
    const serverError = next<[Error & { code?: string }]>(server, 'error');
    const serverClose = closeOf(server);
    const clientClose = closeOf(client);
    client.send(Buffer.alloc(2048));
    const [error] = await serverError;
    assert.ok(error instanceof RangeError);
    assert.equal(error.code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    assert.equal((await serverClose).code, 1006);
    assert.equal((await clientClose).code, 1009);
    await stopServer(wss);
  });

  test('perMessageDeflate: off by default on the server, negotiated when set', async () => {
    const plain = await startServer();
    const a = await openClient(plain.url);
    assert.equal(a.extensions, '');
    a.terminate();
    await closeOf(a);
    await stopServer(plain.wss);

    const deflating = await startServer({ perMessageDeflate: { threshold: 0 } });
    const connected = nextConnection(deflating.wss);
    const b = await openClient(deflating.url);
    const [server] = await connected;
    assert.equal(b.extensions, 'permessage-deflate');
    assert.equal(server.extensions, 'permessage-deflate');
    server.on('message', (data, isBinary) => server.send(data, { binary: isBinary }));
    const text = 'compressible '.repeat(500);
    b.send(text);
    const [echo] = await next<[Buffer]>(b, 'message');
    assert.equal(echo.toString(), text);
    b.close();
    await closeOf(b);
    await stopServer(deflating.wss);
  });

  test('close(): stops accepting, keeps open connections, close event once they are gone', async () => {
    const { wss, url } = await startServer();
    const client = await openClient(url);
    let closed = false;
    wss.close(() => {
      closed = true;
    });
    // ws 8: existing connections are not closed by server.close().
    client.send('still open');
    assert.equal(client.readyState, WebSocket.OPEN);
    assert.equal(closed, false);
    client.close();
    await closeOf(client);
    await within(() => closed);
    // Closing again: the callback gets an error.
    const [error] = await new Promise<[Error | undefined]>((resolve) =>
      wss.close((e) => resolve([e])),
    );
    assert.match(String(error?.message), /not running/);
  });

  test('handleUpgrade after close() answers 503; twice on one socket throws', async () => {
    const wss = new WebSocketServer({ noServer: true });
    const http = createServer();
    const port = await listenLocal(http);
    let thrown: unknown;
    http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      wss.handleUpgrade(req, socket, head, () => {
        try {
          wss.handleUpgrade(req, socket, head, () => {});
        } catch (error) {
          thrown = error;
        }
      });
    });
    const client = await openClient(`ws://127.0.0.1:${port}`);
    assert.match(String((thrown as Error).message), /more than once/);
    client.terminate();
    await closeOf(client);
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    const answer = await rawExchange(port, upgradeRequest());
    assert.equal(statusOf(answer), 503);
    await closeHttp(http);
  });

  test('the WebSocket option picks the class of the connections', async () => {
    class Tagged extends WebSocket {
      readonly tag = 'mine';
    }
    const { wss, url } = await startServer({ WebSocket: Tagged });
    const connected = nextConnection(wss);
    const client = await openClient(url);
    const [server] = await connected;
    assert.ok(server instanceof Tagged);
    assert.equal((server as Tagged).tag, 'mine');
    client.terminate();
    await closeOf(client);
    await stopServer(wss);
  });

  test('socket errors during the handshake do not crash the server', async () => {
    const { wss, url } = await startServer({
      verifyClient: (_info: unknown, done: (ok: boolean) => void) =>
        setTimeout(() => done(true), 50),
    });
    const socket = await rawSocket(Number(new URL(url).port));
    socket.write(upgradeRequest());
    socket.resetAndDestroy();
    const ok = await openClient(url);
    ok.terminate();
    await closeOf(ok);
    await stopServer(wss);
  });
});

/** Resolve once `condition()` holds, polling each turn; fail after a bound. */
async function within(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(condition(), 'condition not met in time');
}
