/**
 * wirekit's client over HTTP/2 (RFC 8441): `connect(url, { http2 })` and the multiplexed
 * `Http2WebSocketSession`, against wirekit's own server and against a raw `node:http2` server
 * that shows exactly what the client sent (the extended CONNECT, its frames, END_STREAM,
 * GOAWAY). Also the refusals: a server that does not enable the connect protocol (RFC 8441 §3),
 * a non-200 answer, choices that were not offered, timeouts and aborts; and `http2: 'prefer'`
 * falling back to HTTP/1.1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { constants, createSecureServer } from 'node:http2';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { Http2WebSocketSession } from '../../src/node/transports/h2-client.js';
import { rejectUpgrade, serve, WebSocketServer } from '../../src/node/websocket-server.js';
import { RawPeer } from '../conformance/raw-peer.js';
import { OP } from '../conformance/wire-frame.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { within } from '../node/helpers.js';
import { isHttp2, testTransports } from '../transports/test-transports.js';
import { clientTls, connectionLog, h2LeftBehind, QUICK, takeH2Census } from './h2-fixtures.js';
import { H2_WAIT_MS, type H2Kind, type RawH2Server, rawH2Server, wsUrlOf } from './raw-h2.js';

/** The next message a connection iterates, as text. */
async function nextText<Data>(connection: Connection<Data>): Promise<string> {
  const result = await within(
    connection[Symbol.asyncIterator]().next(),
    10_000,
    'a message on the client',
  );
  assert.equal(result.done, false, 'the connection ended instead of delivering a message');
  return result.value.data.toString();
}

/** A raw server peer on the stream the raw server accepts next, once the client has it. */
async function acceptOn<T>(
  raw: RawH2Server,
  opening: Promise<T>,
): Promise<{ client: T; peer: RawPeer; headers: Record<string, unknown> }> {
  const accepted = await raw.nextStream();
  const client = await opening;
  return {
    client,
    peer: new RawPeer(accepted.stream, 'server', Buffer.alloc(0)),
    headers: accepted.headers,
  };
}

/** Resolves when the raw server's `index`-th session has closed. */
async function rawSessionClosed(raw: RawH2Server, index = 0): Promise<void> {
  const session = raw.sessions[index];
  assert.ok(session !== undefined, `the raw server has no session #${index}`);
  if (session.closed || session.destroyed) return;
  await within(
    once(session, 'close').then(() => {}),
    H2_WAIT_MS,
    'the client to close its session',
  );
}

/** A TCP listener that accepts and never says a word (no SETTINGS, no TLS). */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets: Socket[] = [];
  const server = createNetServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

for (const transport of testTransports().filter(isHttp2)) {
  const kind = transport.name;
  describe(`wirekit client over ${kind}`, { timeout: 60_000 }, () => {
    test('connect({ http2: true }) sends an RFC 8441 extended CONNECT and runs its own session, closed with the WebSocket', async (t) => {
      const before = takeH2Census();
      const raw = await rawH2Server(kind, {
        answer: () => ({ ':status': 200, 'sec-websocket-protocol': 'chat.v2' }),
      });
      t.after(() => raw.close());
      const { client, peer, headers } = await acceptOn(
        raw,
        connect(wsUrlOf(kind, raw.port, '/feed?symbol=BTC'), {
          ...QUICK,
          http2: true,
          tls: clientTls(),
          protocols: ['chat.v1', 'chat.v2'],
          origin: 'https://app.example',
          headers: { Authorization: 'Bearer t0ken' },
        }),
      );
      // RFC 8441 §4–§5: CONNECT, :protocol, the target URI's parts, version 13; no key, no
      // Upgrade/Connection (connection-specific fields are forbidden in HTTP/2, RFC 9113 §8.2.2).
      assert.equal(headers[':method'], 'CONNECT');
      assert.equal(headers[':protocol'], 'websocket');
      assert.equal(headers[':scheme'], kind === 'h2' ? 'https' : 'http');
      assert.equal(headers[':path'], '/feed?symbol=BTC');
      assert.equal(headers[':authority'], `127.0.0.1:${raw.port}`);
      assert.equal(headers['sec-websocket-version'], '13');
      assert.equal(headers['sec-websocket-protocol'], 'chat.v1, chat.v2');
      assert.equal(headers.origin, 'https://app.example');
      assert.equal(headers.authorization, 'Bearer t0ken');
      for (const name of ['sec-websocket-key', 'upgrade', 'connection', 'host'])
        assert.equal(headers[name], undefined, `no ${name} field`);
      assert.equal(client.protocol, 'chat.v2');
      assert.equal(raw.sessions.length, 1);

      // Frames both ways: the client masks (RFC 6455 §5.1, checked by the raw peer).
      client.send('from the client');
      await peer.expectMessage(OP.TEXT, 'from the client');
      peer.send({ opcode: OP.BINARY, payload: Buffer.from([1, 2, 3]) });
      const message = await within(client[Symbol.asyncIterator]().next(), 10_000, 'a message');
      assert.deepEqual([...(message.value?.data ?? [])], [1, 2, 3]);
      assert.equal(message.value?.isBinary, true);

      // The client closes: close frame, our answer and END_STREAM, then its session goes.
      client.close(1000, 'done');
      await peer.expectClose(1000, { endsConnection: false });
      peer.closeWith(1000);
      await peer.expectEnd();
      await rawSessionClosed(raw);
      await raw.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('connect({ http2: true }) against wirekit: echo, permessage-deflate agreed over the stream, the server sees CONNECT', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({
        ...QUICK,
        deflate: true,
        handler: log.handler,
      });
      t.after(() => server.close());
      const client = await connect(wsUrlOf(kind, server.address!.port, '/z'), {
        ...QUICK,
        http2: true,
        deflate: true,
        tls: clientTls(),
      });
      assert.match(client.extensions, /^permessage-deflate/);
      const record = await log.recordFor('/z');
      assert.equal(record.request.method, 'CONNECT');
      assert.equal(record.connection?.extensions, client.extensions);
      const big = 'compressible '.repeat(20_000);
      client.send(big);
      assert.equal(await nextText(client), big);
      client.close(1000);
      assert.deepEqual(await log.closeOf('/z'), { code: 1000, reason: '', wasClean: true });
    });

    test('Http2WebSocketSession: three WebSockets are three streams of one session; closing one ends its stream, not the session; close() ends the rest with 1001 and a GOAWAY', async (t) => {
      const before = takeH2Census();
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      const opened = [];
      for (const path of ['/one', '/two', '/three'])
        opened.push(await acceptOn(raw, session.openWebSocket(path, QUICK)));
      assert.equal(raw.sessions.length, 1, 'one session carries all three');
      assert.deepEqual(
        opened.map((o) => o.headers[':path']),
        ['/one', '/two', '/three'],
      );
      assert.equal(session.size, 3);

      // Each stream carries its own WebSocket.
      opened.forEach(({ client }, i) => {
        client.send(`message ${i}`);
      });
      for (const [i, { peer }] of opened.entries())
        await peer.expectMessage(OP.TEXT, `message ${i}`);

      // Closing /two: its stream ends; the session and the others stay.
      const two = opened[1]!;
      two.client.close(1000, 'two done');
      await two.peer.expectClose(1000, { endsConnection: false });
      two.peer.closeWith(1000);
      await two.peer.expectEnd();
      await within(
        (async () => {
          while (session.size !== 2) await new Promise((r) => setTimeout(r, 5));
        })(),
        10_000,
        'the session to forget /two',
      );
      assert.equal(session.closed, false);
      const one = opened[0]!;
      one.peer.send({ opcode: OP.TEXT, payload: 'still one' });
      assert.equal(await nextText(one.client), 'still one');

      // close(): the rest get 1001, then the session ends.
      const closing = session.close();
      for (const { peer } of [opened[0]!, opened[2]!]) {
        await peer.expectClose(1001, { endsConnection: false });
        peer.closeWith(1001);
        await peer.expectEnd();
      }
      await within(closing, H2_WAIT_MS, 'session.close()');
      assert.equal(session.closed, true);
      await rawSessionClosed(raw);
      await raw.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('a server that does not enable the connect protocol: ERR_WS_HANDSHAKE, and no :protocol is ever sent (RFC 8441 §3)', async (t) => {
      const raw = await rawH2Server(kind, { enableConnectProtocol: false });
      t.after(() => raw.close());
      const url = wsUrlOf(kind, raw.port);
      await assert.rejects(
        Http2WebSocketSession.connect(url, { tls: clientTls() }),
        (error: Error & { code?: string }) => {
          assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
          assert.match(error.message, /SETTINGS_ENABLE_CONNECT_PROTOCOL/);
          return true;
        },
      );
      await assert.rejects(connect(url, { http2: true, tls: clientTls() }), {
        code: ErrorCode.WS_HANDSHAKE,
      });
      assert.equal(raw.connects, 0, 'the client never sent an extended CONNECT');
    });

    test("http2: 'prefer' falls back to HTTP/1.1 on a server that speaks only HTTP/1.1; http2: true does not", async (t) => {
      const log = connectionLog();
      const server = await serve({
        port: 0,
        ...(kind === 'h2' ? { tls: testCertificate() } : {}),
        ...QUICK,
        handler: log.handler,
      });
      t.after(() => server.close());
      const url = wsUrlOf(kind, server.address!.port, '/fallback');
      await assert.rejects(
        connect(url, { ...QUICK, http2: true, tls: clientTls() }),
        (error: Error & { code?: string }) => {
          assert.ok(
            error.code === ErrorCode.WS_HANDSHAKE || error.code === ErrorCode.CONNECTION_LOST,
            `${error.code}: ${error.message}`,
          );
          return true;
        },
      );
      const client = await connect(url, { ...QUICK, http2: 'prefer', tls: clientTls() });
      assert.equal((await log.recordFor('/fallback')).request.method, 'GET');
      client.send('over HTTP/1.1 after all');
      assert.equal(await nextText(client), 'over HTTP/1.1 after all');
      client.close(1000);
      assert.equal((await log.closeOf('/fallback')).wasClean, true);
    });

    test('the server refuses one WebSocket (403): ERR_WS_HANDSHAKE with the status; the session opens the next one', async (t) => {
      const log = connectionLog({
        upgrade(request) {
          if (request.path === '/private') throw rejectUpgrade(403, 'not for you');
        },
      });
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, server.address!.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      await assert.rejects(
        session.openWebSocket('/private', QUICK),
        (error: Error & { code?: string; status?: number }) => {
          assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
          assert.equal(error.status, 403);
          return true;
        },
      );
      const client = await session.openWebSocket('/public', QUICK);
      client.send('public');
      assert.equal(await nextText(client), 'public');
      assert.equal(session.size, 1);
      await session.close();
      assert.deepEqual(await log.closeOf('/public'), {
        code: 1001,
        reason: 'session closing',
        wasClean: true,
      });
    });

    test('a 200 with a subprotocol or an extension that was not offered fails the WebSocket (RFC 6455 §4.1)', async (t) => {
      const raw = await rawH2Server(kind, {
        answer: (headers) =>
          headers[':path'] === '/protocol'
            ? { ':status': 200, 'sec-websocket-protocol': 'never.offered' }
            : { ':status': 200, 'sec-websocket-extensions': 'x-made-up' },
      });
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      await assert.rejects(session.openWebSocket('/protocol', { protocols: ['chat'] }), {
        code: ErrorCode.WS_HANDSHAKE,
      });
      await assert.rejects(session.openWebSocket('/extension'), { code: ErrorCode.WS_HANDSHAKE });
      assert.equal(session.size, 0);
      assert.equal(session.closed, false);
    });

    test("a refusal's body is quoted in the error as over HTTP/1.1: cut at 256 bytes without waiting for the rest, what arrived before a reset, nothing for an empty body (RFC 8441 §5)", async (t) => {
      const raw = await rawH2Server(kind, { answer: () => undefined });
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());

      // A long body that never ends: the error comes once 256 bytes are in.
      const long = session.openWebSocket('/long');
      const longStream = (await raw.nextStream()).stream;
      longStream.respond({ ':status': 403, 'content-type': 'text/plain' });
      longStream.write(`${'a'.repeat(200)}${'b'.repeat(100)}`);
      const error = await long.then(
        () => assert.fail('the WebSocket should have been refused'),
        (e: unknown) => e as Error & { code?: string; status?: number },
      );
      assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
      assert.equal(error.status, 403);
      const quoted = JSON.stringify(`${'a'.repeat(200)}${'b'.repeat(56)}`);
      assert.ok(
        error.message.endsWith(`instead of 200: ${quoted}`),
        `the first 256 bytes quoted: ${error.message}`,
      );

      // Reset halfway through the body: still the refusal with its status (not a lost stream),
      // quoting whatever of the body was read before the reset.
      const reset = session.openWebSocket('/reset');
      const resetStream = (await raw.nextStream()).stream;
      resetStream.respond({ ':status': 401, 'www-authenticate': 'Bearer' });
      resetStream.write('token expi', () => resetStream.close(constants.NGHTTP2_INTERNAL_ERROR));
      await assert.rejects(reset, (e: Error & { code?: string; status?: number }) => {
        assert.equal(e.code, ErrorCode.WS_HANDSHAKE);
        assert.equal(e.status, 401);
        assert.match(e.message, /401 to the WebSocket CONNECT instead of 200(: "token expi")?$/);
        return true;
      });

      // No body: the status alone.
      const empty = session.openWebSocket('/empty');
      (await raw.nextStream()).stream.respond({ ':status': 404 }, { endStream: true });
      await assert.rejects(empty, (e: Error & { code?: string; status?: number }) => {
        assert.equal(e.code, ErrorCode.WS_HANDSHAKE);
        assert.equal(e.status, 404);
        assert.match(e.message, /404 to the WebSocket CONNECT instead of 200$/);
        return true;
      });
      assert.equal(session.size, 0);
      assert.equal(session.closed, false, 'a refused stream leaves the session open');
    });

    test('timeouts and aborts: no SETTINGS within connectTimeout, no answer within handshakeTimeout, an AbortSignal', async (t) => {
      const silent = await silentServer();
      t.after(() => silent.close());
      await assert.rejects(
        Http2WebSocketSession.connect(wsUrlOf(kind, silent.port), {
          tls: clientTls(),
          connectTimeout: 200,
        }),
        { code: ErrorCode.TIMEOUT },
      );
      await assert.rejects(
        Http2WebSocketSession.connect(wsUrlOf(kind, silent.port), {
          tls: clientTls(),
          signal: AbortSignal.abort(),
        }),
        { code: ErrorCode.ABORTED },
      );

      const raw = await rawH2Server(kind, {
        answer: (headers) => (headers[':path'] === '/mute' ? undefined : { ':status': 200 }),
      });
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      await assert.rejects(session.openWebSocket('/mute', { handshakeTimeout: 200 }), {
        code: ErrorCode.TIMEOUT,
      });
      const aborter = new AbortController();
      const aborted = session.openWebSocket('/mute', { signal: aborter.signal });
      const timedOut = await raw.nextStream();
      const cancelled = await raw.nextStream();
      aborter.abort();
      await assert.rejects(aborted, { code: ErrorCode.ABORTED });
      // Both requests were given up: RST_STREAM(CANCEL), not NO_ERROR (RFC 9113 §8.7).
      for (const { stream } of [timedOut, cancelled]) {
        if (!stream.closed)
          await within(
            once(stream, 'close').then(() => {}),
            H2_WAIT_MS,
            'RST_STREAM',
          );
        assert.equal(stream.rstCode, constants.NGHTTP2_CANCEL);
      }
      // The session is fine after both.
      const { client, peer } = await acceptOn(raw, session.openWebSocket('/fine', QUICK));
      client.send('fine');
      await peer.expectMessage(OP.TEXT, 'fine');
      assert.equal(session.size, 1);
    });

    test('extra headers: repeated names are joined (cookie with "; "); fields HTTP/2 forbids and bad URLs throw before any I/O', async (t) => {
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const { client, headers } = await acceptOn(
        raw,
        connect(wsUrlOf(kind, raw.port, '/h'), {
          ...QUICK,
          http2: true,
          tls: clientTls(),
          headers: [
            ['Cookie', 'a=1'],
            ['cookie', 'b=2'],
            ['X-Tag', 'one'],
            ['x-tag', 'two'],
          ],
        }),
      );
      assert.equal(headers.cookie, 'a=1; b=2');
      assert.equal(headers['x-tag'], 'one, two');
      client.close();
      const connects = raw.connects;
      for (const [header, code] of [
        [['Connection', 'keep-alive'], ErrorCode.INVALID_ARGUMENT],
        [['Upgrade', 'websocket'], ErrorCode.INVALID_ARGUMENT],
        [['TE', 'gzip'], ErrorCode.INVALID_ARGUMENT],
        [['X-Evil', 'a\r\nb: c'], ErrorCode.HTTP_INVALID_HEADER],
        [['Bad Name', 'v'], ErrorCode.HTTP_INVALID_HEADER],
      ] as const) {
        assert.throws(
          () =>
            connect(wsUrlOf(kind, raw.port), { http2: true, tls: clientTls(), headers: [header] }),
          { code },
          header[0],
        );
      }
      assert.throws(() => connect('ftp://127.0.0.1/', { http2: true }), {
        code: ErrorCode.INVALID_ARGUMENT,
      });
      assert.equal(raw.connects, connects, 'no request was sent for the refused calls');
    });

    test('session settings reach the server (initialWindowSize, maxConcurrentStreams)', async (t) => {
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
        settings: { initialWindowSize: 1 << 20, maxConcurrentStreams: 7 },
      });
      t.after(() => session.close());
      const serverSide = raw.sessions[0]!;
      await within(
        (async () => {
          while (serverSide.remoteSettings.initialWindowSize !== 1 << 20)
            await new Promise((r) => setTimeout(r, 5));
        })(),
        10_000,
        'the client SETTINGS on the server',
      );
      assert.equal(serverSide.remoteSettings.maxConcurrentStreams, 7);
    });
  });
}

test("h2 with allowHTTP1: http2: 'prefer' falls back to HTTP/1.1 when the HTTP/2 side does not enable the connect protocol", async (t) => {
  const kind: H2Kind = 'h2';
  const log = connectionLog();
  const wss = new WebSocketServer({ ...QUICK, handler: log.handler });
  // An HTTP/2 server that never enables the connect protocol, with classic upgrades on HTTP/1.1.
  const server = createSecureServer({ ...testCertificate(), allowHTTP1: true });
  wss.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  t.after(async () => {
    await wss.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = wsUrlOf(kind, port, '/both');
  await assert.rejects(connect(url, { ...QUICK, http2: true, tls: clientTls() }), {
    code: ErrorCode.WS_HANDSHAKE,
  });
  const client = await connect(url, { ...QUICK, http2: 'prefer', tls: clientTls() });
  const record = await log.recordFor('/both');
  assert.equal(record.request.method, 'GET');
  client.send('fell back');
  assert.equal(await nextText(client), 'fell back');
  client.close(1000);
  assert.equal((await log.closeOf('/both')).wasClean, true);
});
