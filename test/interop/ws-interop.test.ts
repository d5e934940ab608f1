/**
 * Interop with `ws`, the reference Node implementation, in both directions and over both
 * transports (TCP and TLS with the test certificate): a `ws` client against wirekit's server,
 * and wirekit's `connect()` against a `ws` server. Each pairing exchanges text, binary, empty,
 * fragmented (RFC 6455 §5.4, with a control frame between fragments and a UTF-8 code point
 * split across fragments, §5.6) and 16 MiB messages, pings and pongs (§5.5.2, §5.5.3), closes
 * with codes and reasons from either side (§5.5.1, §7.4) and negotiates a subprotocol
 * (§4.1, §4.2.2; ws's `handleProtocols`).
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import type { UpgradeRequestInfo } from '../../src/node/upgrade-request.js';
import type { ServerOptions } from '../../src/node/websocket-server.js';
import { type Recorder, recorder, until } from '../node/helpers.js';
import { type TestTransport, testTransports } from '../transports/test-transports.js';
import {
  type CloseReport,
  openWsClient,
  startWsServer,
  type WsServerPeerOptions,
} from './ws-peer.js';

const LARGE = 16 * 1024 * 1024;

/** Close codes a side may send (§7.4.1 defined, §7.4.2 3000–4999 registered and private). */
const CLOSES = [
  { code: 1000, reason: 'normal closure' },
  { code: 1001, reason: 'going away' },
  { code: 3000, reason: 'registered: 3000' },
  { code: 4999, reason: 'private use, last code ✓' },
] as const;

/** `size` bytes of a pattern that a shifted or truncated copy cannot match. */
function patterned(size: number, seed: number): Buffer {
  const block = Buffer.alloc(251);
  for (let i = 0; i < block.length; i++) block[i] = (i * 31 + seed) & 0xff;
  return Buffer.alloc(size, block);
}

/** Exactly `LARGE` bytes of UTF-8 text: `unit` repeated (multi-byte characters included), padded. */
function largeText(unit: string): string {
  const unitBytes = Buffer.byteLength(unit);
  const repeats = Math.floor(LARGE / unitBytes);
  return unit.repeat(repeats) + '.'.repeat(LARGE - repeats * unitBytes);
}

/** The four plain messages each direction sends: text, binary, empty text, empty binary. */
const PLAIN: readonly { readonly data: string | Buffer; readonly isBinary: boolean }[] = [
  { data: 'héllo from the other side ✓', isBinary: false },
  { data: Buffer.from([0, 1, 2, 0x7f, 0x80, 0xfe, 0xff]), isBinary: true },
  { data: '', isBinary: false },
  { data: Buffer.alloc(0), isBinary: true },
];

function assertMessages(
  actual: readonly { readonly data: Buffer; readonly isBinary: boolean }[],
  expected: readonly { readonly data: string | Buffer; readonly isBinary: boolean }[],
): void {
  assert.deepEqual(
    actual.map((m) => ({ data: m.data.toString('hex'), isBinary: m.isBinary })),
    expected.map((m) => ({ data: Buffer.from(m.data).toString('hex'), isBinary: m.isBinary })),
  );
}

/** A wirekit echo server for `transport`, closed after the test; records every callback. */
async function wirekitServer(
  t: TestContext,
  transport: TestTransport,
  options: Pick<ServerOptions, 'selectProtocol'> & { readonly echo?: boolean } = {},
): Promise<{ rec: Recorder<undefined>; url: string; requests: UpgradeRequestInfo[] }> {
  const echo = options.echo ?? true;
  const rec = recorder<undefined>({
    message(ws, data, isBinary) {
      if (echo) ws.send(data, isBinary);
    },
  });
  const requests: UpgradeRequestInfo[] = [];
  const server = await transport.listen<undefined>({
    ...(options.selectProtocol === undefined ? {} : { selectProtocol: options.selectProtocol }),
    handler: {
      ...rec.handler,
      upgrade(request) {
        requests.push(request);
        return undefined;
      },
    },
  });
  t.after(() => server.close());
  return { rec, url: transport.url(server.address!.port), requests };
}

/** A `ws` server for `transport`, closed after the test. */
async function wsServer(
  t: TestContext,
  transport: TestTransport,
  options: WsServerPeerOptions = { echo: true },
): ReturnType<typeof startWsServer> {
  const server = await startWsServer(transport, options);
  t.after(() => server.close());
  return server;
}

/** A `ws` client, dropped after the test if still open. */
async function wsClient(
  t: TestContext,
  transport: TestTransport,
  url: string,
  protocols: readonly string[] = [],
): ReturnType<typeof openWsClient> {
  const peer = await openWsClient(transport, url, protocols);
  t.after(() => peer.dispose());
  return peer;
}

/** A wirekit client with a recording handler, dropped after the test if still open. */
async function wirekitClient(
  t: TestContext,
  transport: TestTransport,
  url: string,
  protocols?: readonly string[],
): Promise<{ rec: Recorder<undefined>; ws: Connection<undefined> }> {
  const rec = recorder<undefined>();
  const ws = await connect<undefined>(url, {
    ...transport.connect,
    handler: rec.handler,
    ...(protocols === undefined ? {} : { protocols }),
  });
  t.after(() => ws.terminate());
  return { rec, ws };
}

/** The payloads of the pings (or pongs) a recorder saw, as strings, in order. */
function controlPayloads(rec: Recorder<undefined>, kind: 'ping' | 'pong'): string[] {
  const payloads: string[] = [];
  for (const e of rec.events) if (e.event === kind) payloads.push(e.data.toString());
  return payloads;
}

function closeOf(record: { code: number; reason: string; wasClean: boolean }): CloseReport {
  return { code: record.code, reason: record.reason, wasClean: record.wasClean };
}

// ws speaks HTTP/1.1 only: the HTTP/1.1 transports of the list.
for (const transport of testTransports().filter((t) => t.http === '1.1')) {
  describe(`ws client → wirekit server over ${transport.name}`, () => {
    test('text, binary and empty messages arrive and echo back unchanged', async (t) => {
      const { rec, url } = await wirekitServer(t, transport);
      const peer = await wsClient(t, transport, url);
      for (const m of PLAIN) peer.socket.send(m.data, { binary: m.isBinary });
      assertMessages(await peer.waitForMessages(PLAIN.length), PLAIN);
      assertMessages(rec.messages(), PLAIN);
    });

    test('fragmented messages (§5.4) are joined on both sides, across a split code point and an interleaved ping', async (t) => {
      const { rec, url } = await wirekitServer(t, transport, { echo: false });
      const peer = await wsClient(t, transport, url);
      // ws → wirekit: a text in three fragments with a ping between two of them, a binary in
      // two, and '€' (E2 82 AC) split inside the code point (§5.6: validated as a whole).
      peer.socket.send('frag', { fin: false });
      peer.socket.ping('between fragments');
      peer.socket.send('men', { fin: false });
      peer.socket.send('ted', { fin: true });
      peer.socket.send(Buffer.from([1, 2]), { binary: true, fin: false });
      peer.socket.send(Buffer.from([3]), { binary: true, fin: true });
      peer.socket.send(Buffer.from([0xe2, 0x82]), { binary: false, fin: false });
      peer.socket.send(Buffer.from([0xac]), { binary: false, fin: true });
      await until(() => rec.messages().length >= 3, 'three joined messages at the server');
      assertMessages(rec.messages(), [
        { data: 'fragmented', isBinary: false },
        { data: Buffer.from([1, 2, 3]), isBinary: true },
        { data: '€', isBinary: false },
      ]);
      assert.ok(controlPayloads(rec, 'ping').includes('between fragments'));
      await until(() => peer.pongs.length >= 1, 'the pong to the interleaved ping');
      assert.equal(peer.pongs[0]?.toString(), 'between fragments');

      // wirekit → ws: the same shapes with `send(data, isBinary, fin)`.
      const ws = await rec.opened;
      ws.send('wire', false, false);
      ws.ping('mid-message');
      ws.send('kit', false, true);
      ws.send(Buffer.from([9, 8]), true, false);
      ws.send(Buffer.from([7]), true, true);
      ws.send(Buffer.from([0xe2]), false, false);
      ws.send(Buffer.from([0x82, 0xac]), false, true);
      assertMessages(await peer.waitForMessages(3), [
        { data: 'wirekit', isBinary: false },
        { data: Buffer.from([9, 8, 7]), isBinary: true },
        { data: '€', isBinary: false },
      ]);
      assert.equal(peer.pings[0]?.toString(), 'mid-message');
    });

    test('16 MiB text and binary messages go through and echo back', async (t) => {
      const { rec, url } = await wirekitServer(t, transport);
      const peer = await wsClient(t, transport, url);
      const binary = patterned(LARGE, 1);
      const text = largeText('wirekit ✓ ');
      assert.equal(Buffer.byteLength(text), LARGE);
      // One at a time, so the echoes arrive in a known order of sizes.
      peer.socket.send(binary, { binary: true });
      await peer.waitForMessages(1, 30_000);
      peer.socket.send(text, { binary: false });
      const [first, second] = await peer.waitForMessages(2, 30_000);
      assert.equal(first?.isBinary, true);
      assert.ok(first?.data.equals(binary), 'the binary echo matches');
      assert.equal(second?.isBinary, false);
      assert.equal(second?.data.length, LARGE);
      assert.ok(second?.data.toString() === text, 'the text echo matches');
      const received = rec.messages();
      assert.equal(received.length, 2);
      assert.ok(received[0]?.data.equals(binary), 'the server got the binary message whole');
    });

    test('pings and pongs in both directions, with and without payload (§5.5.2, §5.5.3)', async (t) => {
      const { rec, url } = await wirekitServer(t, transport);
      const peer = await wsClient(t, transport, url);
      peer.socket.ping('from ws');
      peer.socket.ping();
      await until(() => peer.pongs.length >= 2, 'two pongs at the ws client');
      assert.deepEqual(peer.pongs.map(String), ['from ws', '']);
      assert.deepEqual(controlPayloads(rec, 'ping'), ['from ws', '']);
      const ws = await rec.opened;
      ws.ping('from wirekit');
      ws.pong('unsolicited');
      await until(() => peer.pings.length >= 1 && peer.pongs.length >= 3, 'ping and pong at ws');
      assert.equal(peer.pings[0]?.toString(), 'from wirekit');
      assert.equal(peer.pongs[2]?.toString(), 'unsolicited');
      await until(() => controlPayloads(rec, 'pong').length > 0, 'ws answers the ping');
      assert.deepEqual(controlPayloads(rec, 'pong'), ['from wirekit']);
    });

    for (const { code, reason } of CLOSES) {
      test(`the ws client closes with ${code} and a reason: both sides report it, clean`, async (t) => {
        const { rec, url } = await wirekitServer(t, transport);
        const peer = await wsClient(t, transport, url);
        peer.socket.close(code, reason);
        assert.deepEqual(closeOf(await rec.closed), { code, reason, wasClean: true });
        // ws reports the close frame it received: wirekit's answer echoes the code and the
        // reason (§5.5.1).
        assert.deepEqual(await peer.closed, { code, reason, wasClean: true });
      });

      test(`the wirekit server closes with ${code} and a reason: both sides report it, clean`, async (t) => {
        const { rec, url } = await wirekitServer(t, transport);
        const peer = await wsClient(t, transport, url);
        (await rec.opened).close(code, reason);
        assert.deepEqual(await peer.closed, { code, reason, wasClean: true });
        assert.deepEqual(closeOf(await rec.closed), { code, reason, wasClean: true });
      });
    }

    test('a close without a status code is reported as 1005 on both sides (§7.1.5)', async (t) => {
      const { rec, url } = await wirekitServer(t, transport);
      const peer = await wsClient(t, transport, url);
      peer.socket.close();
      assert.deepEqual(closeOf(await rec.closed), { code: 1005, reason: '', wasClean: true });
      assert.deepEqual(await peer.closed, { code: 1005, reason: '', wasClean: true });
    });

    test('subprotocol: the server picks one of the ws client offer (§4.2.2)', async (t) => {
      const { rec, url, requests } = await wirekitServer(t, transport, {
        selectProtocol: (offered) => offered.find((p) => p === 'chat.v2'),
      });
      const peer = await wsClient(t, transport, url, ['chat.v3', 'chat.v2']);
      assert.equal(peer.socket.protocol, 'chat.v2');
      assert.equal((await rec.opened).protocol, 'chat.v2');
      assert.deepEqual(requests[0]?.protocols, ['chat.v3', 'chat.v2']);
    });
  });

  describe(`wirekit client → ws server over ${transport.name}`, () => {
    test('text, binary and empty messages arrive and echo back unchanged', async (t) => {
      const server = await wsServer(t, transport);
      const { rec, ws } = await wirekitClient(t, transport, server.url);
      for (const m of PLAIN) ws.send(m.data, m.isBinary);
      await until(() => rec.messages().length >= PLAIN.length, 'the echoes');
      assertMessages(rec.messages(), PLAIN);
      assertMessages((await server.connection()).messages, PLAIN);
    });

    test('fragmented messages (§5.4) are joined on both sides, across a split code point and an interleaved ping', async (t) => {
      const server = await wsServer(t, transport, {});
      const { rec, ws } = await wirekitClient(t, transport, server.url);
      ws.send('frag', false, false);
      ws.ping('between fragments');
      ws.send('men', false, false);
      ws.send('ted', false, true);
      ws.send(Buffer.from([1, 2]), true, false);
      ws.send(Buffer.from([3]), true, true);
      ws.send(Buffer.from([0xe2, 0x82]), false, false);
      ws.send(Buffer.from([0xac]), false, true);
      const peer = await server.connection();
      assertMessages(await peer.waitForMessages(3), [
        { data: 'fragmented', isBinary: false },
        { data: Buffer.from([1, 2, 3]), isBinary: true },
        { data: '€', isBinary: false },
      ]);
      assert.equal(peer.pings[0]?.toString(), 'between fragments');
      await until(() => controlPayloads(rec, 'pong').length > 0, 'the pong from ws');

      peer.socket.send('wire', { fin: false });
      peer.socket.ping('mid-message');
      peer.socket.send('kit', { fin: true });
      peer.socket.send(Buffer.from([9, 8]), { binary: true, fin: false });
      peer.socket.send(Buffer.from([7]), { binary: true, fin: true });
      peer.socket.send(Buffer.from([0xe2]), { binary: false, fin: false });
      peer.socket.send(Buffer.from([0x82, 0xac]), { binary: false, fin: true });
      await until(() => rec.messages().length >= 3, 'three joined messages at the client');
      assertMessages(rec.messages(), [
        { data: 'wirekit', isBinary: false },
        { data: Buffer.from([9, 8, 7]), isBinary: true },
        { data: '€', isBinary: false },
      ]);
      assert.deepEqual(controlPayloads(rec, 'ping'), ['mid-message']);
      await until(() => peer.pongs.length >= 1, 'the auto-pong at ws');
      assert.equal(peer.pongs[0]?.toString(), 'mid-message');
    });

    test('16 MiB text and binary messages go through and echo back', async (t) => {
      const server = await wsServer(t, transport);
      const { rec, ws } = await wirekitClient(t, transport, server.url);
      const binary = patterned(LARGE, 2);
      const text = largeText('✓ wirekit ');
      assert.equal(Buffer.byteLength(text), LARGE);
      // Backpressure respected: the second 16 MiB send waits until the first has drained.
      assert.equal(ws.send(binary, true), false, 'send reports backpressure');
      await ws.writable();
      ws.send(text, false);
      await until(() => rec.messages().length >= 2, 'both echoes', 30_000);
      const [first, second] = rec.messages();
      assert.equal(first?.isBinary, true);
      assert.ok(first?.data.equals(binary), 'the binary echo matches');
      assert.equal(second?.isBinary, false);
      assert.ok(second?.data.toString() === text, 'the text echo matches');
      const peer = await server.connection();
      assert.ok(peer.messages[0]?.data.equals(binary), 'ws got the binary message whole');
    });

    test('pings and pongs in both directions, with and without payload (§5.5.2, §5.5.3)', async (t) => {
      const server = await wsServer(t, transport);
      const { rec, ws } = await wirekitClient(t, transport, server.url);
      ws.ping('from wirekit');
      ws.ping();
      await until(() => controlPayloads(rec, 'pong').length >= 2, 'two pongs at wirekit');
      assert.deepEqual(controlPayloads(rec, 'pong'), ['from wirekit', '']);
      const peer = await server.connection();
      assert.deepEqual(peer.pings.map(String), ['from wirekit', '']);
      peer.socket.ping('from ws');
      await until(() => peer.pongs.length >= 1, 'wirekit answers the ping');
      assert.equal(peer.pongs[0]?.toString(), 'from ws');
      assert.deepEqual(controlPayloads(rec, 'ping'), ['from ws']);
    });

    for (const { code, reason } of CLOSES) {
      test(`the wirekit client closes with ${code} and a reason: both sides report it, clean`, async (t) => {
        const server = await wsServer(t, transport);
        const { rec, ws } = await wirekitClient(t, transport, server.url);
        const peer = await server.connection();
        ws.close(code, reason);
        assert.deepEqual(await peer.closed, { code, reason, wasClean: true });
        // ws's answer echoes both the code and the reason.
        assert.deepEqual(closeOf(await rec.closed), { code, reason, wasClean: true });
      });

      test(`the ws server closes with ${code} and a reason: both sides report it, clean`, async (t) => {
        const server = await wsServer(t, transport);
        const { rec } = await wirekitClient(t, transport, server.url);
        const peer = await server.connection();
        peer.socket.close(code, reason);
        assert.deepEqual(closeOf(await rec.closed), { code, reason, wasClean: true });
        // The wirekit client's answer echoes the code and the reason (§5.5.1).
        assert.deepEqual(await peer.closed, { code, reason, wasClean: true });
      });
    }

    test('a close without a status code is reported as 1005 on both sides (§7.1.5)', async (t) => {
      const server = await wsServer(t, transport);
      const { rec, ws } = await wirekitClient(t, transport, server.url);
      const peer = await server.connection();
      ws.close();
      assert.deepEqual(await peer.closed, { code: 1005, reason: '', wasClean: true });
      assert.deepEqual(closeOf(await rec.closed), { code: 1005, reason: '', wasClean: true });
    });

    test("subprotocol: ws's handleProtocols picks one of the offer (§4.1)", async (t) => {
      const server = await wsServer(t, transport, {
        handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false),
      });
      const { ws } = await wirekitClient(t, transport, server.url, ['chat.v3', 'chat.v2']);
      assert.equal(ws.protocol, 'chat.v2');
      assert.equal((await server.connection()).socket.protocol, 'chat.v2');
      assert.equal(server.requests[0]?.headers['sec-websocket-protocol'], 'chat.v3, chat.v2');
    });

    test('subprotocol: without handleProtocols ws takes the first offered', async (t) => {
      const server = await wsServer(t, transport, {});
      const { ws } = await wirekitClient(t, transport, server.url, ['chat.v3', 'chat.v2']);
      assert.equal(ws.protocol, 'chat.v3');
    });

    test('subprotocol: handleProtocols refusing every offer leaves the protocol empty', async (t) => {
      const server = await wsServer(t, transport, { handleProtocols: () => false });
      const { rec, ws } = await wirekitClient(t, transport, server.url, ['chat.v3']);
      assert.equal(ws.protocol, '');
      ws.send('still works');
      const peer = await server.connection();
      assertMessages(await peer.waitForMessages(1), [{ data: 'still works', isBinary: false }]);
      ws.close(1000);
      assert.equal((await rec.closed).wasClean, true);
    });
  });
}
