/**
 * `serveUring({ tls })`: Node's TLS over io_uring sockets, with a real certificate made in the
 * test (openssl) and wirekit's client or raw `node:tls` peers on 127.0.0.1. Echo round trips of
 * every size (records cut across provided buffers), the peer's address, a client that does not
 * trust the certificate and a peer that never starts TLS (both release their slot), `close()`,
 * and a churn census of TLS connections. Backpressure, limits, heartbeat, close and the RFC 6455
 * conformance cases run over TLS on io_uring through the transport list (`uring-tls`). The suite
 * fails, never skips, where the transport cannot run (unavailable.test.ts checks the typed error
 * of that case). Every wait is bounded.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { connect } from '../../../src/node/connect.js';
import {
  loadUring,
  type ServeUringOptions,
  serveUring,
  UringUnavailableError,
  type UringWebSocketServer,
} from '../../../src/node/uring/index.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { recorder, until, within } from '../helpers.js';

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

function secureEcho(extra: Partial<ServeUringOptions> = {}): Promise<UringWebSocketServer> {
  const { key, cert } = testCertificate();
  return serveUring({
    port: 0,
    tls: { key, cert },
    ...extra,
    handler: {
      message(ws, data, isBinary) {
        ws.send(data, isBinary);
      },
      ...extra.handler,
    },
  });
}

function wss(server: UringWebSocketServer): string {
  return `wss://127.0.0.1:${server.address.port}/`;
}

/** Nothing of any connection is left in the ring. */
async function assertRingEmpty(server: UringWebSocketServer): Promise<void> {
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

describe('serveUring with TLS', { timeout: 120_000 }, () => {
  // `npm test` builds the addon (scripts/ensure-tools.js); where it still cannot run, this
  // fails with the reason rather than skip, and every test below fails with the typed error.
  test('the transport runs here (addon built, io_uring allowed)', () => {
    const reason = unavailable();
    assert.equal(reason, false, String(reason));
  });

  test('echoes text, binary, empty and 2 MiB messages over wss://; remoteAddress is the peer', async (t) => {
    let remote: string | undefined;
    const server = await secureEcho({
      handler: {
        open(ws) {
          remote = ws.remoteAddress;
        },
      },
    });
    t.after(() => server.close());
    const client = recorder();
    const ws = await connect(wss(server), {
      tls: { ca: testCertificate().cert },
      handler: client.handler,
    });
    const large = randomBytes(2 * MiB);
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
    assert.ok(got[3]!.data.equals(large), '2 MiB echo differs');
    assert.equal(remote, '127.0.0.1');
    ws.close(1000);
    const closed = await client.closed;
    assert.equal(closed.code, 1000);
    assert.equal(closed.wasClean, true);
    await assertRingEmpty(server);
  });

  test('50 TLS connections at once, 20 messages each, in order per connection', async (t) => {
    const server = await secureEcho();
    t.after(() => server.close());
    const ca = testCertificate().cert;
    await Promise.all(
      Array.from({ length: 50 }, async (_, k) => {
        const ws = await connect(wss(server), { tls: { ca } });
        const sent = Array.from({ length: 20 }, (_, i) => `${k}:${i}:${'x'.repeat(i * 97)}`);
        for (const message of sent) ws.send(message);
        const got: string[] = [];
        for await (const { data } of ws) {
          got.push(data.toString());
          if (got.length === sent.length) break;
        }
        assert.deepEqual(got, sent);
      }),
    );
    await assertRingEmpty(server);
  });

  test('a client that does not trust the certificate fails; its slot is released', async (t) => {
    const server = await secureEcho();
    t.after(() => server.close());
    await assert.rejects(connect(wss(server)), { code: 'ERR_CONNECTION_LOST' });
    await assertRingEmpty(server);
    assert.equal(server.stats().accepted, 1);
  });

  test('a peer that never starts TLS is dropped after handshakeTimeout', async (t) => {
    const server = await secureEcho({ handshakeTimeout: 200 });
    t.after(() => server.close());
    const socket = netConnect({ host: '127.0.0.1', port: server.address.port });
    socket.on('error', () => {});
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.resume();
    await within(closed, 10_000, 'the server to drop the silent peer');
    await assertRingEmpty(server);
  });

  test('close() closes TLS connections with 1001 and releases the ring', async () => {
    const server = await secureEcho();
    const record = recorder();
    await connect(wss(server), { tls: { ca: testCertificate().cert }, handler: record.handler });
    await server.close();
    const closed = await record.closed;
    assert.equal(closed.code, 1001);
  });

  test('churn census: 300 TLS connections opened and closed, nothing leaks', async (t) => {
    const server = await secureEcho({ handshakeTimeout: 2_000, closeTimeout: 2_000 });
    t.after(() => server.close());
    const port = server.address.port;
    const ca = testCertificate().cert;
    const fdsBefore = openFds();
    const total = 300;
    const parallel = 30;
    for (let start = 0; start < total; start += parallel) {
      await Promise.all(
        Array.from({ length: parallel }, async (_, i) => {
          const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
          socket.on('error', () => {});
          const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
          await within(
            new Promise<void>((resolve) => socket.once('secureConnect', () => resolve())),
            10_000,
            'the TLS handshake',
          );
          if ((start + i) % 2 === 0) socket.destroy();
          else socket.end();
          await within(closed, 10_000, 'the socket to close');
        }),
      );
    }
    await assertRingEmpty(server);
    assert.equal(server.stats().accepted, total);
    await until(() => openFds() <= fdsBefore, `fds back to ${fdsBefore} (${openFds()})`, 10_000);
  });
});
