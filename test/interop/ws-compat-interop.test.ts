/**
 * `wirekit/ws` against the real `ws` package, both directions: a `ws` client on a `wirekit/ws`
 * server, and a `wirekit/ws` client on a `ws` server. Text, binary, empty and fragmented
 * messages, a large message, pings and pongs, subprotocols, permessage-deflate, and closes
 * with codes and reasons from either side; each side sees what the other sent, with ws's event
 * shapes (`Buffer` data and reasons, `isBinary`).
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import RealWebSocket, { WebSocketServer as RealServer } from 'ws';
import { WebSocket, WebSocketServer } from '../../src/node/ws-compat/index.js';
import { closeOf, next, startServer, stopServer } from '../node/ws-compat/helpers.js';

type Peer = RealWebSocket | WebSocket;

const MESSAGES: readonly { readonly data: string | Buffer; readonly binary: boolean }[] = [
  { data: 'héllo ✓', binary: false },
  { data: Buffer.from([0, 1, 2, 0xff]), binary: true },
  { data: '', binary: false },
  { data: Buffer.alloc(0), binary: true },
  { data: Buffer.alloc(3 * 1024 * 1024, 0x5a), binary: true },
];

/** Send MESSAGES from `sender`; collect them on `receiver`; compare. */
async function exchange(sender: Peer, receiver: Peer): Promise<void> {
  const received: { data: Buffer; isBinary: boolean }[] = [];
  const done = new Promise<void>((resolve) => {
    const onMessage = (data: Buffer, isBinary: boolean): void => {
      received.push({ data, isBinary });
      if (received.length === MESSAGES.length + 1) {
        (receiver as RealWebSocket).off('message', onMessage);
        resolve();
      }
    };
    (receiver as RealWebSocket).on('message', onMessage);
  });
  for (const { data, binary } of MESSAGES) (sender as RealWebSocket).send(data, { binary });
  // A fragmented text message: three frames.
  (sender as RealWebSocket).send('frag', { fin: false });
  (sender as RealWebSocket).send('men', { fin: false });
  (sender as RealWebSocket).send('ted', { fin: true });
  await done;
  for (let i = 0; i < MESSAGES.length; i++) {
    const expected = MESSAGES[i]!;
    assert.ok(Buffer.isBuffer(received[i]!.data));
    assert.equal(received[i]!.isBinary, expected.binary, `message ${i}`);
    assert.ok(received[i]!.data.equals(Buffer.from(expected.data)), `message ${i}`);
  }
  assert.equal(received[MESSAGES.length]!.data.toString(), 'fragmented');
}

/** A ping with data one way gets its pong back. */
async function pingPong(from: Peer, to: Peer): Promise<void> {
  const pinged = next<[Buffer]>(to as never, 'ping');
  const ponged = next<[Buffer]>(from as never, 'pong');
  from.ping('are you there');
  assert.equal((await pinged)[0].toString(), 'are you there');
  assert.equal((await ponged)[0].toString(), 'are you there');
}

async function closeFrom(closer: Peer, other: Peer, code: number, reason: string): Promise<void> {
  const otherClosed = next<[number, Buffer]>(other as never, 'close');
  const closerClosed = next<[number, Buffer]>(closer as never, 'close');
  closer.close(code, reason);
  const [code1, reason1] = await otherClosed;
  assert.equal(code1, code);
  assert.equal(reason1.toString(), reason);
  const [code2] = await closerClosed;
  assert.equal(code2, code);
}

describe('wirekit/ws interop with ws', () => {
  for (const deflate of [false, true]) {
    test(`ws client → wirekit/ws server${deflate ? ', permessage-deflate' : ''}`, async () => {
      const { wss, url } = await startServer({
        perMessageDeflate: deflate ? { threshold: 16 } : false,
        handleProtocols: (protocols) => (protocols.has('b') ? 'b' : false),
      });
      const connected = next<[WebSocket]>(wss, 'connection');
      const client = new RealWebSocket(url, ['a', 'b'], { perMessageDeflate: deflate });
      await next(client, 'open');
      const [server] = await connected;
      assert.equal(client.protocol, 'b');
      assert.equal(server.protocol, 'b');
      assert.equal(client.extensions, deflate ? 'permessage-deflate' : '');
      assert.equal(server.extensions, deflate ? 'permessage-deflate' : '');
      await exchange(client, server);
      await exchange(server, client);
      await pingPong(client, server);
      await pingPong(server, client);
      await closeFrom(client, server, 4000, 'client says bye');
      await stopServer(wss);
    });

    test(`wirekit/ws client → ws server${deflate ? ', permessage-deflate' : ''}`, async () => {
      const real = new RealServer({
        port: 0,
        host: '127.0.0.1',
        perMessageDeflate: deflate ? { threshold: 16 } : false,
      });
      await next(real, 'listening');
      const url = `ws://127.0.0.1:${(real.address() as AddressInfo).port}`;
      const connected = next<[RealWebSocket]>(real, 'connection');
      const client = new WebSocket(url, ['x', 'y'], { perMessageDeflate: deflate });
      await next(client, 'open');
      const [server] = await connected;
      assert.equal(client.protocol, 'x');
      assert.equal(client.extensions, deflate ? 'permessage-deflate' : '');
      assert.equal(server.extensions, deflate ? 'permessage-deflate' : '');
      await exchange(client, server);
      await exchange(server, client);
      await pingPong(client, server);
      await pingPong(server, client);
      await closeFrom(server, client, 1001, 'server going away');
      await new Promise<void>((resolve) => real.close(() => resolve()));
    });
  }

  test('errors a ws peer causes are reported as ws reports them', async () => {
    // A ws client whose message is over the wirekit/ws server's maxPayload.
    const { wss, url } = await startServer({ maxPayload: 10 });
    const connected = next<[WebSocket]>(wss, 'connection');
    const client = new RealWebSocket(url);
    await next(client, 'open');
    const [server] = await connected;
    const serverError = next<[Error & { code?: string }]>(server, 'error');
    const clientClosed = next<[number]>(client, 'close');
    client.send('more than ten bytes');
    assert.equal((await serverError)[0].code, 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH');
    assert.equal((await clientClosed)[0], 1009);
    assert.equal((await closeOf(server).catch(() => ({ code: 1006 }))).code, 1006);
    await stopServer(wss);
  });

  test('a ws server refusing with 401 through verifyClient: the wirekit/ws client reports it', async () => {
    const real = new RealServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
    await next(real, 'listening');
    const client = new WebSocket(`ws://127.0.0.1:${(real.address() as AddressInfo).port}`);
    const closed = closeOf(client);
    const [error] = await next<[Error]>(client, 'error');
    assert.equal(error.message, 'Unexpected server response: 401');
    assert.equal((await closed).code, 1006);
    await new Promise<void>((resolve) => real.close(() => resolve()));
    // And the other way: a ws client refused by wirekit/ws's verifyClient.
    const ours = new WebSocketServer({ port: 0, host: '127.0.0.1', verifyClient: () => false });
    await next(ours, 'listening');
    const wsClient = new RealWebSocket(`ws://127.0.0.1:${(ours.address() as AddressInfo).port}`);
    const [wsError] = await next<[Error]>(wsClient, 'error');
    assert.equal(wsError.message, 'Unexpected server response: 401');
    await stopServer(ours);
  });
});
