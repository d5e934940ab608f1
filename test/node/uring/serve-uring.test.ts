/**
 * `serveUring()` on 127.0.0.1 with real sockets (`npm test` builds the addon first, with
 * scripts/ensure-tools.js; where the transport still cannot run, the suite fails with the
 * reason instead of skipping; unavailable.test.ts checks the typed error of that case): echo round trips (small,
 * empty, larger than the send arena), many connections at once, a receive-buffer ring too
 * small for the load (ENOBUFS, re-armed receives), a peer that does not read (backpressure,
 * drain), a peer reset, both close handshakes, the upgrade path's checks, `close()`, and a
 * churn census: 1,000 connections opened and closed in every way, then no slot, buffer, send
 * queue or file descriptor left behind. Every test is bounded by timeouts.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { connect } from '../../../src/node/connect.js';
import type { Connection } from '../../../src/node/connection.js';
import {
  loadUring,
  serveUring,
  UringUnavailableError,
  type UringWebSocketServer,
} from '../../../src/node/uring/index.js';
import { rejectUpgrade } from '../../../src/node/websocket-server.js';
import {
  closeCodeOf,
  RawClient,
  rawExchange,
  rawSocket,
  recorder,
  until,
  upgradeRequest,
  within,
} from '../helpers.js';

/** Why the transport cannot run here (unavailable.test.ts checks the error), or `false`. */
function unavailable(): string | false {
  try {
    loadUring();
    return false;
  } catch (error) {
    if (error instanceof UringUnavailableError) return `${error.reason}: ${error.message}`;
    throw error;
  }
}
const MiB = 1024 * 1024;

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

function echoServer(
  extra: Parameters<typeof serveUring>[0] extends infer O ? Partial<O> : never = {},
): Promise<UringWebSocketServer> {
  return serveUring({
    port: 0,
    ...extra,
    handler: {
      message(ws, data, isBinary) {
        ws.send(data, isBinary);
      },
      ...extra.handler,
    },
  });
}

/** The ring has nothing left of any connection. */
async function assertRingEmpty<Data>(server: UringWebSocketServer<Data>): Promise<void> {
  await until(
    () => server.stats().open === 0 && server.connections.size === 0,
    'every socket closed',
    20_000,
  );
  const stats = server.stats();
  assert.equal(stats.buffersOut, 0, 'receive buffers still out');
  assert.equal(stats.sendQueueBytes, 0, 'send queues still hold memory');
  assert.equal(stats.accepted, stats.closed, 'accepted and closed differ');
}

describe('serveUring', { timeout: 120_000 }, () => {
  // `npm test` builds the addon (scripts/ensure-tools.js); where it still cannot run, this
  // fails with the reason rather than skip, and every test below fails with the typed error.
  test('the transport runs here (addon built, io_uring allowed)', () => {
    const reason = unavailable();
    assert.equal(reason, false, String(reason));
  });

  test('echoes text, binary, empty and 3 MiB messages (larger than the send arena)', async (t) => {
    const server = await echoServer();
    t.after(() => server.close());
    const client = recorder();
    const ws = await connect(`ws://127.0.0.1:${server.address.port}/`, {
      handler: client.handler,
    });
    const large = randomBytes(3 * MiB);
    ws.send('hello');
    ws.send(Buffer.from([0, 1, 2, 255]));
    ws.send('');
    ws.send(large);
    await until(() => client.messages().length === 4, 'four echoes', 20_000);
    const got = client.messages();
    assert.deepEqual(
      got.map((m) => m.isBinary),
      [false, true, false, true],
    );
    assert.equal(got[0]!.data.toString(), 'hello');
    assert.deepEqual([...got[1]!.data], [0, 1, 2, 255]);
    assert.equal(got[2]!.data.length, 0);
    assert.ok(got[3]!.data.equals(large), '3 MiB echo differs');
    ws.close(1000);
    const closed = await client.closed;
    assert.equal(closed.code, 1000);
    assert.equal(closed.wasClean, true);
    await assertRingEmpty(server);
  });

  test('300 connections at once, 20 messages each, in order per connection', async (t) => {
    const server = await echoServer();
    t.after(() => server.close());
    const url = `ws://127.0.0.1:${server.address.port}/`;
    const clients = await Promise.all(
      Array.from({ length: 300 }, async (_, i) => {
        const record = recorder();
        const ws = await connect(url, { handler: record.handler });
        for (let m = 0; m < 20; m++) ws.send(`${i}:${m}`);
        return { ws, record, i };
      }),
    );
    await until(
      () => clients.every((c) => c.record.messages().length === 20),
      'all echoes',
      30_000,
    );
    for (const { record, i } of clients) {
      assert.deepEqual(
        record.messages().map((m) => m.data.toString()),
        Array.from({ length: 20 }, (_, m) => `${i}:${m}`),
      );
    }
    assert.equal(server.connections.size, 300);
    for (const { ws } of clients) ws.close(1000);
    await assertRingEmpty(server);
  });

  test('a ring of 4 receive buffers under 40 busy connections: ENOBUFS, receives re-armed', async (t) => {
    const server = await echoServer({ ring: { bufferCount: 4, bufferSize: 1024 } });
    t.after(() => server.close());
    const url = `ws://127.0.0.1:${server.address.port}/`;
    const payload = randomBytes(16 * 1024);
    const clients = await Promise.all(
      Array.from({ length: 40 }, async () => {
        const record = recorder();
        const ws = await connect(url, { handler: record.handler });
        for (let m = 0; m < 5; m++) ws.send(payload);
        return { ws, record };
      }),
    );
    await until(() => clients.every((c) => c.record.messages().length === 5), 'all echoes', 30_000);
    for (const { record } of clients)
      for (const message of record.messages()) assert.ok(message.data.equals(payload));
    assert.ok(server.stats().enobufs > 0, 'the ring never ran dry: the test proves nothing');
    for (const { ws } of clients) ws.close(1000);
    await assertRingEmpty(server);
  });

  test('a peer that stops reading: backpressure, drain, every byte in order', async (t) => {
    let drains = 0;
    let serverSide: Connection | undefined;
    const server = await serveUring({
      port: 0,
      handler: {
        open(ws) {
          serverSide = ws;
        },
        drain() {
          drains++;
        },
      },
    });
    t.after(() => server.close());
    const client = await RawClient.open(server.address.port);
    client.socket.pause();
    await until(() => serverSide !== undefined, 'open');
    const chunk = randomBytes(256 * 1024);
    let refused = 0;
    for (let i = 0; i < 64; i++) if (!serverSide!.send(chunk)) refused++;
    assert.ok(refused > 0, 'send never reported backpressure');
    await until(() => serverSide!.bufferedAmount > 0, 'bytes queued in the ring');
    client.socket.resume();
    await client.waitForFrames(64);
    for (const frame of client.frames) assert.ok(frame.payload.equals(chunk));
    await until(() => drains > 0, 'drain');
    assert.equal(serverSide!.bufferedAmount, 0);
    client.socket.destroy();
    await assertRingEmpty(server);
  });

  test('a peer reset: close with 1006, the socket is released', async (t) => {
    const events = recorder();
    const server = await serveUring({ port: 0, handler: events.handler });
    t.after(() => server.close());
    const client = await RawClient.open(server.address.port);
    await events.opened;
    client.socket.resetAndDestroy();
    const closed = await events.closed;
    assert.equal(closed.code, 1006);
    assert.equal(closed.wasClean, false);
    await assertRingEmpty(server);
  });

  test('close handshakes: started by the client, and by the server', async (t) => {
    const events = recorder({
      message(ws, data) {
        if (data.toString() === 'close me') ws.close(4000, 'as asked');
      },
    });
    const server = await serveUring({ port: 0, handler: events.handler });
    t.after(() => server.close());
    const url = `ws://127.0.0.1:${server.address.port}/`;

    const first = recorder();
    const a = await connect(url, { handler: first.handler });
    a.close(1000, 'bye');
    const serverSaw = await events.closed;
    assert.deepEqual(serverSaw, { event: 'close', code: 1000, reason: 'bye', wasClean: true });
    assert.equal((await first.closed).wasClean, true);

    const second = recorder();
    const b = await connect(url, { handler: second.handler });
    b.send('close me');
    const clientSaw = await second.closed;
    assert.deepEqual(clientSaw, {
      event: 'close',
      code: 4000,
      reason: 'as asked',
      wasClean: true,
    });
    await assertRingEmpty(server);
  });

  test('the upgrade path: subprotocol, upgrade hook refusal, wrong path, not an upgrade', async (t) => {
    const server = await serveUring<{ user: string }>({
      port: 0,
      path: '/ws',
      selectProtocol: (offered) => offered.find((p) => p === 'chat'),
      handler: {
        upgrade(request) {
          if (request.headers.get('authorization') !== 'yes') throw rejectUpgrade(403, 'no');
          return { user: 'u' };
        },
        message(ws, data) {
          ws.send(`${ws.data.user}:${ws.protocol}:${data.toString()}`);
        },
      },
    });
    t.after(() => server.close());
    const port = server.address.port;
    const record = recorder();
    const ws = await connect(`ws://127.0.0.1:${port}/ws`, {
      protocols: ['x', 'chat'],
      headers: { authorization: 'yes' },
      handler: record.handler,
    });
    assert.equal(ws.protocol, 'chat');
    ws.send('hi');
    await until(() => record.messages().length === 1, 'echo');
    assert.equal(record.messages()[0]!.data.toString(), 'u:chat:hi');
    ws.close(1000);
    await record.closed;

    const refused = await rawExchange(port, upgradeRequest({ target: '/ws' }));
    assert.match(refused, /^HTTP\/1\.1 403 /);
    const wrongPath = await rawExchange(
      port,
      upgradeRequest({ target: '/elsewhere', overrides: { Authorization: 'yes' } }),
    );
    assert.match(wrongPath, /^HTTP\/1\.1 404 /);
    const plain = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(plain, /^HTTP\/1\.1 426 /);
    await assertRingEmpty(server);
  });

  test('frames sent with the upgrade request are delivered after the handshake', async (t) => {
    const server = await echoServer();
    t.after(() => server.close());
    const { clientFrame } = await import('../../core/ws/helpers.js');
    const client = await RawClient.open(server.address.port, {
      withRequest: clientFrame({ opcode: 1, payload: 'early' }),
    });
    await client.waitForFrames(1);
    assert.equal(client.frames[0]!.payload.toString(), 'early');
    client.sendFrame(8, Buffer.from([0x03, 0xe8]));
    await client.waitForFrames(2);
    assert.equal(closeCodeOf(client.frames[1]!.payload), 1000);
    await within(client.closed, 10_000, 'the server closing TCP');
    await assertRingEmpty(server);
  });

  test('close() closes connections with 1001 and releases the port', async () => {
    const server = await echoServer();
    const port = server.address.port;
    const record = recorder();
    await connect(`ws://127.0.0.1:${port}/`, { handler: record.handler });
    await server.close();
    const closed = await record.closed;
    assert.equal(closed.code, 1001);
    const probe = createServer();
    probe.listen(port, '127.0.0.1');
    await within(once(probe, 'listening'), 5_000, 'the port to be free');
    probe.close();
  });

  test('churn census: 1,000 connections opened and closed every way, nothing leaks', async (t) => {
    const server = await echoServer({ handshakeTimeout: 2_000, closeTimeout: 2_000 });
    t.after(() => server.close());
    const port = server.address.port;
    const fdsBefore = openFds();
    const ways = ['clean', 'abrupt', 'reset', 'mid-handshake', 'echo-then-abrupt'] as const;
    const total = 1_000;
    const parallel = 50;
    for (let start = 0; start < total; start += parallel) {
      await Promise.all(
        Array.from({ length: parallel }, (_, i) => cycle(port, ways[(start + i) % ways.length]!)),
      );
    }
    await assertRingEmpty(server);
    assert.equal(server.stats().accepted, total);
    // Client sockets of this process close asynchronously too: give them a moment.
    await until(() => openFds() <= fdsBefore, `fds back to ${fdsBefore} (${openFds()})`, 10_000);
  });
});

/** One connection's life, ended one of several ways. */
async function cycle(port: number, way: string): Promise<void> {
  if (way === 'mid-handshake') {
    const socket = await rawSocket(port);
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    socket.destroy();
    return;
  }
  const client = await RawClient.open(port);
  switch (way) {
    case 'clean':
      client.sendFrame(8, Buffer.from([0x03, 0xe8]));
      await within(client.closed, 10_000, 'clean close');
      return;
    case 'abrupt':
      client.socket.destroy();
      return;
    case 'reset':
      client.socket.resetAndDestroy();
      return;
    default:
      client.sendFrame(2, randomBytes(700));
      await client.waitForFrames(1);
      client.socket.destroy();
  }
}
