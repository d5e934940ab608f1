/**
 * Bad input over HTTP/2 (RFC 8441): malformed extended CONNECTs get the right status on their
 * own stream, a reset stream or a dying session ends exactly the WebSockets it carried (1006,
 * or their clean close), and nothing is left behind — every test takes a census of sockets,
 * timers and HTTP/2 streams before it starts and requires it back at the end.
 */
import assert from 'node:assert/strict';
import { constants } from 'node:http2';
import { describe, test } from 'node:test';
import { Http2WebSocketSession } from '../../src/node/transports/h2-client.js';
import { OP } from '../conformance/wire-frame.js';
import { deferred, within } from '../node/helpers.js';
import { isHttp2, testTransports } from '../transports/test-transports.js';
import {
  type CloseReport,
  clientTls,
  connectionLog,
  h2LeftBehind,
  openPeer,
  QUICK,
  takeH2Census,
} from './h2-fixtures.js';
import {
  closeRawSession,
  H2_WAIT_MS,
  openRawSession,
  rawExtendedConnect,
  rawH2Server,
  readBody,
  wsUrlOf,
} from './raw-h2.js';

/** The refusals RFC 8441 §4–§5 and RFC 6455 §4.2.1 call for, one stream each. */
const REFUSALS: readonly {
  readonly title: string;
  readonly overrides: Readonly<Record<string, string | undefined>>;
  readonly status: number;
  readonly body: RegExp;
  readonly fields?: Readonly<Record<string, string>>;
}[] = [
  {
    title: 'a CONNECT without :protocol (a classic tunnel request, RFC 8441 §4) → 400',
    // RFC 9113 §8.5: a classic CONNECT carries only :method and :authority.
    overrides: { ':protocol': undefined, ':scheme': undefined, ':path': undefined },
    status: 400,
    body: /without :protocol/,
  },
  {
    title: 'a :protocol other than websocket (RFC 8441 §5) → 400',
    overrides: { ':protocol': 'webtransport' },
    status: 400,
    body: /unsupported :protocol/,
  },
  {
    title: 'no sec-websocket-version (RFC 6455 §4.2.1 item 6) → 400',
    overrides: { 'sec-websocket-version': undefined },
    status: 400,
    body: /missing sec-websocket-version/,
  },
  {
    title: 'sec-websocket-version 8 (RFC 6455 §4.4) → 426 naming version 13',
    overrides: { 'sec-websocket-version': '8' },
    status: 426,
    body: /speaks 13/,
    fields: { 'sec-websocket-version': '13' },
  },
];

for (const transport of testTransports().filter(isHttp2)) {
  const kind = transport.name;
  describe(`bad input over ${kind}`, { timeout: 60_000 }, () => {
    test('malformed extended CONNECTs are refused on their own streams; the session keeps serving', async (t) => {
      const before = takeH2Census();
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      for (const refusal of REFUSALS) {
        const answer = await rawExtendedConnect(session, '/', refusal.overrides);
        assert.equal(answer.status, refusal.status, refusal.title);
        for (const [name, value] of Object.entries(refusal.fields ?? {}))
          assert.equal(answer.headers[name], value, `${refusal.title}: ${name}`);
        assert.match(await readBody(answer.stream), refusal.body, refusal.title);
      }
      assert.equal(log.records.length, 0, 'no refused request reached the upgrade hook');
      // Still a healthy session: a valid CONNECT works after all those refusals.
      const { peer } = await openPeer(session, '/valid');
      peer.send({ opcode: OP.TEXT, payload: 'still here' });
      await peer.expectMessage(OP.TEXT, 'still here');
      peer.closeWith(1000);
      await peer.expectClose(1000);
      await closeRawSession(session);
      await server.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('an upgrade hook that never settles: the stream is reset at handshakeTimeout, the session lives on', async (t) => {
      const before = takeH2Census();
      const never = deferred<void>();
      const log = connectionLog({
        upgrade(request) {
          return request.path === '/stuck' ? never.promise : undefined;
        },
      });
      const server = await transport.listen({
        ...QUICK,
        handshakeTimeout: 200,
        handler: log.handler,
      });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      await assert.rejects(
        rawExtendedConnect(session, '/stuck'),
        /closed before a response/,
        'the stuck stream is reset without an answer',
      );
      const { peer } = await openPeer(session, '/fine');
      peer.send({ opcode: OP.TEXT, payload: 'fine' });
      await peer.expectMessage(OP.TEXT, 'fine');
      peer.closeWith(1000);
      await peer.expectClose(1000);
      never.resolve();
      await closeRawSession(session);
      await server.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('RST_STREAM in the middle of a message: that connection reports 1006, the other streams of the session are unaffected', async (t) => {
      const before = takeH2Census();
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => closeRawSession(session));
      const doomed = await openPeer(session, '/doomed');
      const other = await openPeer(session, '/other');
      // The header announces 64 KiB; only 1 KiB follows, then the stream is reset.
      doomed.peer.sendBytes(
        Buffer.concat([
          Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0, 1, 0, 0, 1, 2, 3, 4]),
          Buffer.alloc(1024, 7),
        ]),
      );
      // Let the partial frame reach the server before the reset.
      other.peer.send({ opcode: OP.TEXT, payload: 'ordering' });
      await other.peer.expectMessage(OP.TEXT, 'ordering');
      doomed.stream.close(constants.NGHTTP2_CANCEL);
      const report = await log.closeOf('/doomed');
      assert.equal(report.code, 1006);
      assert.equal(report.wasClean, false);
      assert.equal((await log.recordFor('/doomed')).messages.length, 0, 'no partial message');
      // The other stream carries on, and the session opens new streams.
      other.peer.send({ opcode: OP.BINARY, payload: Buffer.alloc(70_000, 9) });
      await other.peer.expectMessage(OP.BINARY, Buffer.alloc(70_000, 9));
      const fresh = await openPeer(session, '/fresh');
      fresh.peer.send({ opcode: OP.TEXT, payload: 'fresh' });
      await fresh.peer.expectMessage(OP.TEXT, 'fresh');
      assert.equal(server.connections.size, 2);
      for (const { peer } of [other, fresh]) {
        peer.closeWith(1000);
        await peer.expectClose(1000);
      }
      await closeRawSession(session);
      await server.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('the client sends GOAWAY and drops the session with three open WebSockets: each reports 1006, the server holds nothing', async (t) => {
      const before = takeH2Census();
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => session.destroy());
      const peers = [];
      for (const path of ['/1', '/2', '/3']) peers.push(await openPeer(session, path));
      // One of them is mid-message when the session dies.
      peers[0]!.peer.send({ opcode: OP.TEXT, payload: 'half', fin: false });
      peers[1]!.peer.send({ opcode: OP.TEXT, payload: 'whole' });
      await peers[1]!.peer.expectMessage(OP.TEXT, 'whole');
      session.goaway(constants.NGHTTP2_INTERNAL_ERROR);
      session.destroy();
      const reports = await Promise.all(['/1', '/2', '/3'].map((url) => log.closeOf(url)));
      for (const report of reports)
        assert.deepEqual(report, { code: 1006, reason: report.reason, wasClean: false });
      await within(
        (async () => {
          while (server.connections.size > 0) await new Promise((r) => setTimeout(r, 5));
        })(),
        10_000,
        'the server to drop the connections',
      );
      await server.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('a graceful GOAWAY from the client lets the open WebSockets finish; the session ends after them', async (t) => {
      const before = takeH2Census();
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => session.destroy());
      const { peer } = await openPeer(session, '/lingering');
      const sessionClosed = new Promise<void>((resolve) => session.once('close', () => resolve()));
      session.close(); // GOAWAY: no new streams, the open one goes on (RFC 9113 §6.8)
      peer.send({ opcode: OP.TEXT, payload: 'after GOAWAY' });
      await peer.expectMessage(OP.TEXT, 'after GOAWAY');
      peer.closeWith(1000);
      await peer.expectClose(1000);
      await within(sessionClosed, H2_WAIT_MS, 'the session to close after its last stream');
      assert.deepEqual(await log.closeOf('/lingering'), { code: 1000, reason: '', wasClean: true });
      await server.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('server.close() with open WebSockets: each gets 1001 and END_STREAM, then the session a GOAWAY', async (t) => {
      const before = takeH2Census();
      const log = connectionLog();
      const server = await transport.listen({ ...QUICK, handler: log.handler });
      t.after(() => server.close());
      const session = await openRawSession(kind, server.address!.port);
      t.after(() => session.destroy());
      const goaway = new Promise<number>((resolve) => session.once('goaway', resolve));
      const a = await openPeer(session, '/a');
      const b = await openPeer(session, '/b');
      const closing = server.close();
      for (const { peer } of [a, b]) {
        await peer.expectClose(1001, { endsConnection: false });
        peer.closeWith(1001);
        await peer.expectEnd();
      }
      await within(closing, H2_WAIT_MS, 'server.close()');
      assert.equal(await within(goaway, H2_WAIT_MS, 'the GOAWAY'), constants.NGHTTP2_NO_ERROR);
      for (const url of ['/a', '/b'])
        assert.deepEqual(await log.closeOf(url), { code: 1001, reason: '', wasClean: true });
      await within(
        new Promise<void>((resolve) =>
          session.destroyed ? resolve() : session.once('close', () => resolve()),
        ),
        H2_WAIT_MS,
        'the client session to close',
      );
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('client side: the server destroys the session under three open WebSockets; each reports 1006 and the session refuses new ones', async (t) => {
      const before = takeH2Census();
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      const closes: CloseReport[] = [];
      const allClosed = deferred<void>();
      const handler = {
        close(_ws: unknown, code: number, reason: string, wasClean: boolean) {
          closes.push({ code, reason, wasClean });
          if (closes.length === 3) allClosed.resolve();
        },
      };
      for (const path of ['/x', '/y', '/z']) {
        const opening = session.openWebSocket(path, { ...QUICK, handler });
        await raw.nextStream();
        await opening;
      }
      assert.equal(session.size, 3);
      raw.sessions[0]!.destroy();
      await within(allClosed.promise, 10_000, 'three client closes');
      for (const report of closes) assert.equal(report.code, 1006);
      for (const report of closes) assert.equal(report.wasClean, false);
      assert.equal(session.size, 0);
      assert.equal(session.closed, true);
      await assert.rejects(session.openWebSocket('/late'), { code: 'ERR_CONNECTION_LOST' });
      await raw.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });

    test('client side: the server resets one stream mid-message; that connection reports 1006, its sibling keeps working', async (t) => {
      const before = takeH2Census();
      const raw = await rawH2Server(kind);
      t.after(() => raw.close());
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: clientTls(),
      });
      t.after(() => session.close());
      const closed = deferred<CloseReport>();
      const resetOpening = session.openWebSocket('/reset', {
        ...QUICK,
        handler: {
          close: (_ws, code, reason, wasClean) => closed.resolve({ code, reason, wasClean }),
        },
      });
      const resetStream = (await raw.nextStream()).stream;
      await resetOpening;
      const siblingOpening = session.openWebSocket('/sibling', QUICK);
      const siblingStream = (await raw.nextStream()).stream;
      const sibling = await siblingOpening;
      // Half a frame (server frames are unmasked), then RST_STREAM.
      resetStream.write(Buffer.from([0x81, 0x7e, 0x01, 0x00, 0x61, 0x62]));
      resetStream.close(constants.NGHTTP2_CANCEL);
      const report = await within(closed.promise, 10_000, 'the reset connection to close');
      assert.equal(report.code, 1006);
      assert.equal(report.wasClean, false);
      // The sibling: a server text frame in, the client's masked echo-less send out.
      siblingStream.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
      const messages = sibling[Symbol.asyncIterator]();
      assert.equal(
        (await within(messages.next(), 10_000, 'the sibling message')).value?.data.toString(),
        'hi',
      );
      assert.equal(session.size, 1);
      assert.equal(session.closed, false);
      await session.close();
      await raw.close();
      assert.deepEqual(await h2LeftBehind(before), [], 'sockets, timers or streams left behind');
    });
  });
}
