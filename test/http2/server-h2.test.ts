/**
 * wirekit's server over HTTP/2 (RFC 8441), seen from a raw `node:http2` client: one port for
 * HTTP/1.1 upgrades and extended CONNECT (ALPN with TLS, the connection preface without),
 * several WebSockets as streams of one session, the same handler hooks as over HTTP/1.1, other
 * streams left to `http2Stream`, and `attachHttp2` on an existing `http2` server.
 */
import assert from 'node:assert/strict';
import {
  type ClientHttp2Session,
  createServer as createH2cServer,
  createSecureServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
  type ServerHttp2Stream,
} from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import { rejectUpgrade, WebSocketServer } from '../../src/node/websocket-server.js';
import { closeBody, encodeFrame, OP, WireFrameParser } from '../conformance/wire-frame.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { rawExchange, SAMPLE_ACCEPT, SAMPLE_KEY, upgradeRequest, within } from '../node/helpers.js';
import { isHttp2, testTransports } from '../transports/test-transports.js';
import { clientTls, connectionLog, openPeer, QUICK } from './h2-fixtures.js';
import {
  closeRawSession,
  H2_WAIT_MS,
  openRawSession,
  rawExtendedConnect,
  readBody,
  wsUrlOf,
} from './raw-h2.js';

/** A plain GET on a new stream of `session`: status and body. */
async function get(
  session: ClientHttp2Session,
  path: string,
): Promise<{ status: number; body: string }> {
  const stream = session.request({ ':path': path });
  const response = await within(
    new Promise<IncomingHttpHeaders>((resolve) => stream.once('response', resolve)),
    H2_WAIT_MS,
    `the answer to GET ${path}`,
  );
  return { status: Number(response[':status']), body: await readBody(stream) };
}

for (const transport of testTransports().filter(isHttp2)) {
  const kind = transport.name;
  describe(`wirekit server over ${kind}`, { timeout: 60_000 }, () => {
    test('one port serves an HTTP/1.1 upgrade and an RFC 8441 extended CONNECT; SETTINGS_ENABLE_CONNECT_PROTOCOL is advertised (RFC 8441 §3)', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const port = server.address!.port;

      // HTTP/1.1 on the same port (ALPN http/1.1 with TLS; no preface without).
      const h1 = await connect(wsUrlOf(kind, port, '/h1'), { tls: clientTls() });
      const h1Messages = h1[Symbol.asyncIterator]();
      h1.send('over HTTP/1.1');
      const h1Echo = await within(h1Messages.next(), 10_000, 'the HTTP/1.1 echo');
      assert.equal(h1Echo.value?.data.toString(), 'over HTTP/1.1');

      // HTTP/2 on the same port.
      const session = await openRawSession(kind, port);
      t.after(() => closeRawSession(session));
      assert.equal(session.remoteSettings.enableConnectProtocol, true);
      assert.equal(session.alpnProtocol, kind === 'h2' ? 'h2' : 'h2c');
      const { peer, headers } = await openPeer(session, '/h2?room=1');
      // RFC 8441 §5: a 200, no key so no accept, no HTTP/1.1 upgrade fields.
      assert.equal(headers[':status'], 200);
      assert.equal(headers['sec-websocket-accept'], undefined);
      assert.equal(headers.upgrade, undefined);
      peer.send({ opcode: OP.TEXT, payload: 'over HTTP/2' });
      await peer.expectMessage(OP.TEXT, 'over HTTP/2');
      peer.send({ opcode: OP.BINARY, payload: Buffer.from([0, 1, 2, 255]) });
      await peer.expectMessage(OP.BINARY, Buffer.from([0, 1, 2, 255]));

      // The server's view: the same handler for both, with the method each transport used.
      const h1Record = await log.recordFor('/h1');
      const h2Record = await log.recordFor('/h2?room=1');
      assert.equal(h1Record.request.method, 'GET');
      assert.equal(h2Record.request.method, 'CONNECT');
      assert.equal(h2Record.request.path, '/h2');
      assert.equal(h2Record.request.remoteAddress, '127.0.0.1');
      assert.equal(h2Record.request.headers.get(':protocol'), 'websocket');
      assert.equal(server.connections.size, 2);

      h1.close(1000, 'h1 done');
      peer.closeWith(1000, 'h2 done');
      await peer.expectClose(1000);
      assert.deepEqual(await log.closeOf('/h1'), { code: 1000, reason: 'h1 done', wasClean: true });
      assert.deepEqual(await log.closeOf('/h2?room=1'), {
        code: 1000,
        reason: 'h2 done',
        wasClean: true,
      });
    });

    test('three WebSockets on one session: interleaved messages stay on their streams; closing one ends its stream (END_STREAM), not the session', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const a = await openPeer(session, '/a');
      const b = await openPeer(session, '/b');
      const c = await openPeer(session, '/c');
      assert.equal(server.connections.size, 3);

      // A fragmented message on a, with whole messages on b and c between its fragments.
      a.peer.send({ opcode: OP.TEXT, payload: 'frag-', fin: false });
      b.peer.send({ opcode: OP.TEXT, payload: 'to b' });
      c.peer.send({ opcode: OP.BINARY, payload: Buffer.from('to c') });
      a.peer.send({ opcode: OP.CONT, payload: 'ment' });
      await c.peer.expectMessage(OP.BINARY, Buffer.from('to c'));
      await b.peer.expectMessage(OP.TEXT, 'to b');
      await a.peer.expectMessage(OP.TEXT, 'frag-ment');

      // b closes: its close echo, then END_STREAM on its stream only.
      b.peer.closeWith(1000, 'b leaves');
      await b.peer.expectClose(1000);
      assert.deepEqual(await log.closeOf('/b'), {
        code: 1000,
        reason: 'b leaves',
        wasClean: true,
      });
      assert.equal(session.closed, false, 'the session is still open');
      assert.equal(session.destroyed, false);

      // a and c still work, and a new stream can be opened on the same session.
      a.peer.send({ opcode: OP.TEXT, payload: 'a again' });
      c.peer.send({ opcode: OP.TEXT, payload: 'c again' });
      await a.peer.expectMessage(OP.TEXT, 'a again');
      await c.peer.expectMessage(OP.TEXT, 'c again');
      const d = await openPeer(session, '/d');
      d.peer.send({ opcode: OP.TEXT, payload: 'd is new' });
      await d.peer.expectMessage(OP.TEXT, 'd is new');
      assert.equal(server.connections.size, 3);

      // The server closes c: close frame, END_STREAM; the peer answers.
      (await log.recordFor('/c')).connection?.close(4001, 'server closes c');
      await c.peer.expectClose(4001, { endsConnection: false });
      c.peer.closeWith(4001, 'c agrees');
      await c.peer.expectEnd();
      // The callback reports the peer's answer (RFC 6455 §7.1.5, §7.1.6).
      assert.deepEqual(await log.closeOf('/c'), { code: 4001, reason: 'c agrees', wasClean: true });
      for (const { peer } of [a, d]) {
        peer.closeWith(1000);
        await peer.expectClose(1000);
      }
      assert.equal(session.closed, false, 'the session outlives all its WebSockets');
    });

    test('regression: a close frame sent with END_STREAM in the same DATA frame (as Chromium does) still gets its close echo before the stream ends', async (t) => {
      // Chromium ends its stream with its close frame; the server's echo used to be dropped
      // (destroyed before nghttp2 sent it: a bare RST_STREAM, 1006 in the page) on some streams.
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const outcomes: string[] = [];
      for (let round = 0; round < 10; round++) {
        const opened = await Promise.all(
          [0, 1, 2].map((i) => rawExtendedConnect(session, `/r${round}s${i}`)),
        );
        const results = opened.map(({ stream }) => {
          const parser = new WireFrameParser();
          const opcodes: number[] = [];
          stream.on('data', (chunk: Buffer) => {
            parser.push(chunk);
            for (let f = parser.next(); f !== undefined; f = parser.next()) opcodes.push(f.opcode);
          });
          const closed = within(
            new Promise<string>((resolve) =>
              stream.once('close', () => resolve(`${opcodes.join(',')} rst=${stream.rstCode}`)),
            ),
            H2_WAIT_MS,
            'the stream to close',
          );
          stream.write(encodeFrame({ opcode: OP.TEXT, payload: 'hi', mask: true }));
          stream.end(encodeFrame({ opcode: OP.CLOSE, payload: closeBody(1000), mask: true }));
          return closed;
        });
        outcomes.push(...(await Promise.all(results)));
      }
      // Each stream got its echo, then the close echo, and closed without an error code.
      assert.deepEqual(
        outcomes.filter((o) => o !== `${OP.TEXT},${OP.CLOSE} rst=0`),
        [],
        'streams without their echo and close echo',
      );
      assert.equal(outcomes.length, 30);
      for (const record of log.records)
        assert.deepEqual(await record.closed.promise, { code: 1000, reason: '', wasClean: true });
    });

    test('a sec-websocket-key some clients send anyway is answered with its accept value', async (t) => {
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const { peer, headers } = await openPeer(session, '/', { 'sec-websocket-key': SAMPLE_KEY });
      assert.equal(headers['sec-websocket-accept'], SAMPLE_ACCEPT);
      peer.send({ opcode: OP.TEXT, payload: 'keyed' });
      await peer.expectMessage(OP.TEXT, 'keyed');
      peer.closeWith(1000);
      await peer.expectClose(1000);
    });

    test('the upgrade hook, selectProtocol and path work as over HTTP/1.1: data, subprotocol, rejectUpgrade status and fields, 404', async (t) => {
      const server = await transport.listen<{ user: string }>({
        ...QUICK,
        path: '/chat',
        selectProtocol: (offered) => offered.find((p) => p === 'chat.v2'),
        handler: {
          upgrade(request) {
            const token = request.headers.get('authorization');
            if (token !== 'Bearer ok')
              throw rejectUpgrade(401, 'a token is required', [['WWW-Authenticate', 'Bearer']]);
            return { user: `${request.origin} ${request.protocols.join('+')}` };
          },
          open(ws) {
            ws.send(`hello ${ws.data.user} on ${ws.protocol}`);
          },
        },
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));

      const accepted = await openPeer(session, '/chat', {
        authorization: 'Bearer ok',
        origin: 'https://app.example',
        'sec-websocket-protocol': 'chat.v1, chat.v2',
      });
      assert.equal(accepted.headers['sec-websocket-protocol'], 'chat.v2');
      await accepted.peer.expectMessage(
        OP.TEXT,
        'hello https://app.example chat.v1+chat.v2 on chat.v2',
      );

      const refused = await rawExtendedConnect(session, '/chat');
      assert.equal(refused.status, 401);
      assert.equal(refused.headers['www-authenticate'], 'Bearer');
      assert.match(await readBody(refused.stream), /a token is required/);

      const elsewhere = await rawExtendedConnect(session, '/elsewhere', {
        authorization: 'Bearer ok',
      });
      assert.equal(elsewhere.status, 404);
      await readBody(elsewhere.stream);

      // Refusals end their own streams only.
      accepted.peer.closeWith(1000);
      await accepted.peer.expectClose(1000);
      assert.equal(session.closed, false);
    });

    test('streams that are not a CONNECT get 404, or go to http2Stream; an HTTP/1.1 GET without upgrade gets 426', async (t) => {
      const plain = await transport.listen({ ...QUICK, handler: {} });
      t.after(() => plain.close());
      const served: string[] = [];
      const withPages = await transport.listen({
        ...QUICK,
        handler: connectionLog().handler,
        http2Stream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders) {
          served.push(`${headers[':method']} ${headers[':path']}`);
          stream.respond({ ':status': 200, 'content-type': 'text/plain' });
          stream.end(`page ${headers[':path']}`);
        },
      });
      t.after(() => withPages.close());

      const plainSession = await openRawSession(kind, plain.address!.port);
      t.after(() => closeRawSession(plainSession));
      assert.equal((await get(plainSession, '/index.html')).status, 404);

      const pageSession = await openRawSession(kind, withPages.address!.port);
      t.after(() => closeRawSession(pageSession));
      assert.deepEqual(await get(pageSession, '/index.html'), {
        status: 200,
        body: 'page /index.html',
      });
      // The same session then carries a WebSocket.
      const { peer } = await openPeer(pageSession, '/ws');
      peer.send({ opcode: OP.TEXT, payload: 'after a page' });
      await peer.expectMessage(OP.TEXT, 'after a page');
      peer.closeWith(1000);
      await peer.expectClose(1000);
      assert.deepEqual(served, ['GET /index.html']);

      if (kind === 'h2c') {
        // Cleartext bytes that are not the HTTP/2 preface are HTTP/1.1.
        const answer = await rawExchange(
          plain.address!.port,
          upgradeRequest({ overrides: { Upgrade: undefined, Connection: 'keep-alive' } }),
        );
        assert.match(answer, /^HTTP\/1\.1 426 /);
      }
    });

    test('attachHttp2 serves RFC 8441 on an existing http2 server, next to its own streams and HTTP/1.1 upgrades', async (t) => {
      const log = connectionLog();
      const wss = new WebSocketServer({ ...QUICK, handler: log.handler });
      const h2Server: Http2Server | Http2SecureServer =
        kind === 'h2'
          ? createSecureServer({ ...testCertificate(), allowHTTP1: true })
          : createH2cServer();
      wss.attachHttp2(h2Server, (stream, headers) => {
        stream.respond({ ':status': 200 });
        stream.end(`app ${headers[':path']}`);
      });
      if (kind === 'h2') wss.attach(h2Server as Http2SecureServer);
      await new Promise<void>((resolve) => h2Server.listen(0, '127.0.0.1', resolve));
      const port = (h2Server.address() as AddressInfo).port;
      t.after(async () => {
        await wss.close();
        await new Promise<void>((resolve) => h2Server.close(() => resolve()));
      });

      const session = await openRawSession(kind, port);
      assert.equal(session.remoteSettings.enableConnectProtocol, true);
      assert.deepEqual(await get(session, '/api'), { status: 200, body: 'app /api' });
      const { peer } = await openPeer(session, '/attached');
      peer.send({ opcode: OP.TEXT, payload: 'attached' });
      await peer.expectMessage(OP.TEXT, 'attached');
      assert.equal((await log.recordFor('/attached')).request.method, 'CONNECT');

      if (kind === 'h2') {
        // allowHTTP1: the same TLS port also takes a classic upgrade ('upgrade' event).
        const h1 = await connect(wsUrlOf(kind, port, '/classic'), { tls: clientTls() });
        const messages = h1[Symbol.asyncIterator]();
        h1.send('classic');
        assert.equal(
          (await within(messages.next(), 10_000, 'the classic echo')).value?.data.toString(),
          'classic',
        );
        assert.equal((await log.recordFor('/classic')).request.method, 'GET');
        h1.close(1000);
        assert.equal((await log.closeOf('/classic')).wasClean, true);
      }

      peer.closeWith(1000);
      await peer.expectClose(1000);
      // wss.close() sends the sessions it tracks a GOAWAY once their WebSockets are gone.
      await wss.close();
      await within(
        new Promise<void>((resolve) =>
          session.closed || session.destroyed ? resolve() : session.once('close', () => resolve()),
        ),
        H2_WAIT_MS,
        'the attached session to close after wss.close()',
      );
    });
  });
}
