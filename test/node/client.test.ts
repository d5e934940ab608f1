/**
 * The client, `connect(url, options)`: a round trip over every transport of the list, wss://
 * certificates (trusted CA, default CAs, servername, rejectUnauthorized), headers and
 * subprotocols on the wire, and every way a connect fails — refused, timeouts, non-101
 * answers, a wrong accept key — each as a `WirekitError` with its stable code. Misbehaving
 * servers are raw `net` servers that answer exact bytes. The close handshake and
 * `closeTimeout` are in close.test.ts.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  Socket,
} from 'node:net';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import { serve } from '../../src/node/websocket-server.js';
import { acceptFor } from '../helpers/raw-handshake.js';
import { testTransport, testTransports } from '../transports/test-transports.js';
import { recorder, testNothingLeftOpen, until } from './helpers.js';

/**
 * A raw TCP server on 127.0.0.1 that calls `answer` with each complete request head (or, with
 * `silent`, accepts and never reads or writes). Closes its sockets when closed.
 */
async function rawServer(
  answer: ((head: string, socket: Socket) => void) | 'silent',
): Promise<{ port: number; requests: string[]; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const requests: string[] = [];
  const server: NetServer = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (answer === 'silent') return;
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.slice(0, end);
      buffer = buffer.slice(end + 4);
      requests.push(head);
      answer(head, socket);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The value of header `name` in a raw request head. */
function field(head: string, name: string): string | undefined {
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (line.slice(0, colon).toLowerCase() === name.toLowerCase())
      return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** The rejection of `promise`, failing if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<WirekitError> {
  const error = await promise.then(
    () => assert.fail('expected the connect to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WirekitError, `not a WirekitError: ${String(error)}`);
  return error;
}

describe('connect over every transport; wss:// certificates', { timeout: 30_000 }, () => {
  for (const transport of testTransports()) {
    test(`over ${transport.name}: connects, exchanges a message and closes cleanly`, async (t) => {
      const server = await transport.listen({
        handler: {
          message(ws, data) {
            ws.send(`echo:${data.toString()}`);
          },
        },
      });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: client.handler,
      });
      assert.equal(ws.readyState, ReadyState.OPEN);
      assert.equal(ws.remoteAddress, '127.0.0.1');
      ws.send('ping');
      await until(() => client.messages().length === 1, 'the echo');
      assert.equal(client.messages()[0]!.data.toString(), 'echo:ping');
      ws.close(1000, 'bye');
      const closed = await client.closed;
      assert.equal(closed.code, 1000);
      assert.equal(closed.wasClean, true);
    });
  }

  test('wss:// with the default CAs fails: ERR_CONNECTION_LOST caused by the TLS error', async (t) => {
    const tls = testTransport('tls');
    const server = await serve({ ...tls.serve, handler: {} });
    t.after(() => server.close());
    const error = await rejection(connect(tls.url(server.address!.port)));
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    const cause = error.cause as NodeJS.ErrnoException;
    assert.ok(cause instanceof Error, 'the TLS error is the cause');
    assert.match(String(cause.code), /CERT/, `cause code ${cause.code}`);
    assert.equal(server.connections.size, 0);
  });

  test('wss:// checks the servername against the certificate', async (t) => {
    const tls = testTransport('tls');
    const server = await serve({ ...tls.serve, handler: {} });
    t.after(() => server.close());
    const port = server.address!.port;
    const error = await rejection(
      connect(tls.url(port), { tls: { ca: tls.connect.tls!.ca!, servername: 'example.com' } }),
    );
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
    // `localhost` is in the certificate.
    const ws = await connect(tls.url(port), {
      tls: { ca: tls.connect.tls!.ca!, servername: 'localhost' },
    });
    assert.equal(ws.readyState, ReadyState.OPEN);
    ws.close();
  });

  test('wss:// with rejectUnauthorized: false accepts the self-signed certificate', async (t) => {
    const tls = testTransport('tls');
    const server = await serve({ ...tls.serve, handler: {} });
    t.after(() => server.close());
    const ws = await connect(tls.url(server.address!.port), {
      tls: { rejectUnauthorized: false },
    });
    assert.equal(ws.readyState, ReadyState.OPEN);
    ws.close();
  });
});

describe('connect: the request on the wire', { timeout: 30_000 }, () => {
  test('custom headers (record and pairs), origin and subprotocols reach the server', async (t) => {
    const seen: { user?: string; trace?: string; origin?: string; protocols: string[] }[] = [];
    const server = await serve({
      port: 0,
      selectProtocol: (protocols) => protocols.at(-1),
      handler: {
        upgrade(request) {
          seen.push({
            ...(request.headers.get('x-user') === undefined
              ? {}
              : { user: request.headers.get('x-user')! }),
            ...(request.headers.get('x-trace') === undefined
              ? {}
              : { trace: request.headers.get('x-trace')! }),
            ...(request.origin === undefined ? {} : { origin: request.origin }),
            protocols: [...request.protocols],
          });
        },
      },
    });
    t.after(() => server.close());
    const url = `ws://127.0.0.1:${server.address!.port}/`;
    const a = await connect(url, {
      headers: { 'X-User': 'carol', 'X-Trace': 'abc' },
      protocols: ['v1', 'v2'],
      origin: 'https://app.example',
    });
    const b = await connect(url, { headers: [['X-User', 'dave']] });
    assert.deepEqual(seen, [
      { user: 'carol', trace: 'abc', origin: 'https://app.example', protocols: ['v1', 'v2'] },
      { user: 'dave', protocols: [] },
    ]);
    assert.equal(a.protocol, 'v2');
    assert.equal(b.protocol, '');
    a.close();
    b.close();
  });

  test('the request head is an RFC 6455 §4.1 upgrade with a fresh 16-byte key', async (t) => {
    const raw = await rawServer((_head, socket) => socket.destroy());
    t.after(() => raw.close());
    for (let i = 0; i < 2; i++)
      await connect(`ws://127.0.0.1:${raw.port}/path?q=1`).catch(() => undefined);
    assert.equal(raw.requests.length, 2);
    const [first, second] = raw.requests as [string, string];
    assert.equal(first.split('\r\n')[0], 'GET /path?q=1 HTTP/1.1');
    assert.equal(field(first, 'host'), `127.0.0.1:${raw.port}`);
    assert.equal(field(first, 'upgrade'), 'websocket');
    assert.equal(field(first, 'connection'), 'Upgrade');
    assert.equal(field(first, 'sec-websocket-version'), '13');
    const key = field(first, 'sec-websocket-key')!;
    assert.equal(Buffer.from(key, 'base64').length, 16);
    assert.notEqual(field(second, 'sec-websocket-key'), key, 'a new key per connection');
  });

  test('a header value with CR/LF throws before any socket is opened', () => {
    assert.throws(
      () => connect('ws://127.0.0.1:1/', { headers: { 'X-Evil': 'a\r\nInjected: 1' } }),
      (error: unknown) =>
        error instanceof WirekitError && error.code === ErrorCode.HTTP_INVALID_HEADER,
    );
  });

  test('a URL that is not ws:, wss:, http: or https:, or has a fragment, throws', () => {
    for (const url of ['ftp://127.0.0.1/', 'ws://127.0.0.1/#frag', 'not a url'])
      assert.throws(
        () => connect(url),
        (error: unknown) =>
          error instanceof WirekitError && error.code === ErrorCode.INVALID_ARGUMENT,
        url,
      );
  });

  test('noDelay is on by default (setNoDelay(true) on both sockets), off when the client asks', async (t) => {
    const server = await serve({ port: 0, handler: {} });
    t.after(() => server.close());
    const port = server.address!.port;
    // Record setNoDelay calls by side: the client's socket has the server as its remote end.
    const calls: unknown[] = [];
    const serverCalls: unknown[] = [];
    const original = Socket.prototype.setNoDelay;
    t.mock.method(Socket.prototype, 'setNoDelay', function (this: Socket, noDelay?: boolean) {
      if (this.remotePort === port) calls.push(noDelay);
      else if (this.localPort === port) serverCalls.push(noDelay);
      return original.call(this, noDelay);
    });
    const fast = await connect(`ws://127.0.0.1:${port}/`);
    assert.ok(calls.length > 0, 'setNoDelay was called on the client socket');
    assert.ok(serverCalls.length > 0, 'and on the server socket (server default too)');
    assert.ok(
      calls.every((c) => c === true || c === undefined),
      'always to turn Nagle off',
    );
    calls.length = 0;
    const slow = await connect(`ws://127.0.0.1:${port}/`, { noDelay: false });
    assert.deepEqual(calls, []);
    fast.close();
    slow.close();
  });
});

describe('connect failures', { timeout: 30_000 }, () => {
  test('connection refused → ERR_CONNECTION_LOST with cause ECONNREFUSED', async () => {
    // A port that was just free: listen, note it, close.
    const probe = createNetServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await rejection(connect(`ws://127.0.0.1:${port}/`));
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  });

  test('a server that accepts TCP but never answers → ERR_TIMEOUT (handshakeTimeout)', async (t) => {
    const raw = await rawServer('silent');
    t.after(() => raw.close());
    const error = await rejection(
      connect(`ws://127.0.0.1:${raw.port}/`, { handshakeTimeout: 200 }),
    );
    assert.equal(error.code, ErrorCode.TIMEOUT);
    assert.match(error.message, /handshake/);
  });

  test('wss:// to a server that never speaks TLS → ERR_TIMEOUT (connectTimeout)', async (t) => {
    const raw = await rawServer('silent');
    t.after(() => raw.close());
    const error = await rejection(
      connect(`wss://127.0.0.1:${raw.port}/`, { connectTimeout: 200, handshakeTimeout: 60_000 }),
    );
    assert.equal(error.code, ErrorCode.TIMEOUT);
    assert.match(error.message, /connect/);
  });

  test('a non-101 answer → ERR_WS_HANDSHAKE with the status and a body snippet', async (t) => {
    const body = 'Forbidden: token expired';
    const raw = await rawServer((_head, socket) => {
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    });
    t.after(() => raw.close());
    const error = await rejection(connect(`ws://127.0.0.1:${raw.port}/`));
    assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
    assert.equal(error.status, 403);
    assert.match(error.message, /403/);
    assert.match(error.message, /Forbidden/);
    assert.match(error.message, /token expired/);
  });

  test('a non-101 answer whose body ends at close, and one with a long body', async (t) => {
    const long = 'x'.repeat(64 * 1024);
    const raw = await rawServer((head, socket) => {
      if (head.startsWith('GET /long'))
        socket.end(`HTTP/1.1 502 Bad Gateway\r\nContent-Length: ${long.length}\r\n\r\n${long}`);
      else socket.end('HTTP/1.1 503 Service Unavailable\r\n\r\nback soon');
    });
    t.after(() => raw.close());
    const closeDelimited = await rejection(connect(`ws://127.0.0.1:${raw.port}/`));
    assert.equal(closeDelimited.status, 503);
    assert.match(closeDelimited.message, /back soon/);
    const longBody = await rejection(connect(`ws://127.0.0.1:${raw.port}/long`));
    assert.equal(longBody.status, 502);
    assert.ok(longBody.message.length < 2_000, 'only a snippet of the body is quoted');
  });

  test('a wrong Sec-WebSocket-Accept → ERR_WS_HANDSHAKE', async (t) => {
    const raw = await rawServer((_head, socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor('AAAAAAAAAAAAAAAAAAAAAA==')}\r\n\r\n`,
      );
    });
    t.after(() => raw.close());
    const error = await rejection(connect(`ws://127.0.0.1:${raw.port}/`));
    assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
    assert.match(error.message, /Sec-WebSocket-Accept/);
  });

  test('a subprotocol the client did not offer → ERR_WS_HANDSHAKE', async (t) => {
    const raw = await rawServer((head, socket) => {
      const key = field(head, 'sec-websocket-key')!;
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n`,
      );
    });
    t.after(() => raw.close());
    const error = await rejection(connect(`ws://127.0.0.1:${raw.port}/`, { protocols: ['chat'] }));
    assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
    assert.match(error.message, /mqtt/);
  });

  test('a correct 101 from a raw server, with a frame in the same write, opens', async (t) => {
    const raw = await rawServer((head, socket) => {
      const key = field(head, 'sec-websocket-key')!;
      const frame = Buffer.from([0x81, 0x02, 0x68, 0x69]); // text "hi", unmasked
      socket.write(
        Buffer.concat([
          Buffer.from(
            `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
          ),
          frame,
        ]),
      );
    });
    t.after(() => raw.close());
    const client = recorder();
    const ws = await connect(`ws://127.0.0.1:${raw.port}/`, { handler: client.handler });
    await until(() => client.messages().length === 1, 'the frame sent with the 101');
    assert.equal(client.messages()[0]!.data.toString(), 'hi');
    ws.terminate();
  });
});

describe('connect options', { timeout: 30_000 }, () => {
  test('`data` becomes connection.data', async (t) => {
    const server = await serve({ port: 0, handler: {} });
    t.after(() => server.close());
    const ws = await connect(`ws://127.0.0.1:${server.address!.port}/`, {
      data: { room: 'lobby' },
    });
    assert.deepEqual(ws.data, { room: 'lobby' });
    ws.close();
  });

  test('an AbortSignal ends a connect in progress with ERR_ABORTED', async (t) => {
    const raw = await rawServer('silent');
    t.after(() => raw.close());
    const controller = new AbortController();
    const attempt = connect(`ws://127.0.0.1:${raw.port}/`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 20);
    const error = await rejection(attempt);
    assert.equal(error.code, ErrorCode.ABORTED);
    // An already aborted signal fails without connecting.
    const before = raw.requests.length;
    const early = await rejection(
      connect(`ws://127.0.0.1:${raw.port}/`, { signal: AbortSignal.abort() }),
    );
    assert.equal(early.code, ErrorCode.ABORTED);
    assert.equal(raw.requests.length, before);
  });
});

describe('async iteration', { timeout: 30_000 }, () => {
  test('for await yields every message in order and ends when the connection closes', async (t) => {
    const server = await serve({
      port: 0,
      handler: {
        open(ws) {
          ws.send('a');
          ws.send(Buffer.from([1]));
          ws.send('c');
          ws.close(1000, 'that is all');
        },
      },
    });
    t.after(() => server.close());
    const ws = await connect(`ws://127.0.0.1:${server.address!.port}/`);
    const got: [string, boolean][] = [];
    for await (const { data, isBinary } of ws) got.push([data.toString('hex'), isBinary]);
    assert.deepEqual(got, [
      ['61', false],
      ['01', true],
      ['63', false],
    ]);
    assert.equal(ws.readyState, ReadyState.CLOSED);
  });

  test('5,000 messages queued before the first read all arrive in order (reading pauses and resumes)', async (t) => {
    const COUNT = 5_000;
    const server = await serve({
      port: 0,
      handler: {
        open(ws) {
          for (let i = 0; i < COUNT; i++) ws.send(`m${i}`);
          ws.close(1000);
        },
      },
    });
    t.after(() => server.close());
    const ws = await connect(`ws://127.0.0.1:${server.address!.port}/`);
    // Let the whole burst arrive (or pause the socket) before reading anything.
    await new Promise((resolve) => setTimeout(resolve, 100));
    let count = 0;
    for await (const { data } of ws) {
      if (data.toString() !== `m${count}`) assert.fail(`message ${count} is ${data.toString()}`);
      count++;
      if (count % 1_000 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(count, COUNT);
    assert.equal(ws.readyState, ReadyState.CLOSED);
  });

  test('leaving the loop early closes the connection with 1000', async (t) => {
    const serverSide = recorder({
      open(ws) {
        for (let i = 0; i < 5; i++) ws.send(`m${i}`);
      },
    });
    const server = await serve({ port: 0, handler: serverSide.handler });
    t.after(() => server.close());
    const ws = await connect(`ws://127.0.0.1:${server.address!.port}/`);
    const got: string[] = [];
    for await (const { data } of ws) {
      got.push(data.toString());
      if (got.length === 2) break;
    }
    assert.deepEqual(got, ['m0', 'm1']);
    const closed = await serverSide.closed;
    assert.equal(closed.code, 1000);
    assert.equal(closed.wasClean, true);
  });
});

testNothingLeftOpen();
