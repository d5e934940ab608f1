/**
 * The TLS listener's edges: peers that never finish (or never start) the TLS handshake, a
 * plain-TCP client on a TLS port, and a slow-loris request inside an established TLS session.
 * None may hold a socket past `handshakeTimeout` or keep `close()` from resolving.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import { serve } from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { rawSocket, readAll, within } from './helpers.js';

describe('TLS listener', { timeout: 30_000 }, () => {
  // Regression: the TLS listener used Node's default 120 s TLS handshake timeout, and close()
  // waited for such sockets.
  test('a TCP peer that never starts TLS is dropped after handshakeTimeout', async (t) => {
    const server = await serve({
      port: 0,
      tls: testCertificate(),
      handshakeTimeout: 200,
      handler: {},
    });
    t.after(() => server.close());
    const socket = await rawSocket(server.address!.port);
    const received = await within(readAll(socket), 10_000, 'the server to drop the socket');
    assert.equal(received.length, 0);
    assert.equal(socket.destroyed, true);
  });

  test('close() resolves while a peer sits in the TLS handshake', async () => {
    const server = await serve({
      port: 0,
      tls: testCertificate(),
      handshakeTimeout: 200,
      handler: {},
    });
    const socket = await rawSocket(server.address!.port);
    const closed = readAll(socket);
    await within(server.close(), 10_000, 'server.close()');
    await within(closed, 10_000, 'the idle TLS peer to be closed');
    assert.equal(socket.destroyed, true);
  });

  test('a ws:// client on a wss:// port fails with ERR_CONNECTION_LOST; the server lives on', async (t) => {
    const { cert, key } = testCertificate();
    const server = await serve({
      port: 0,
      tls: { cert, key },
      handshakeTimeout: 1_000,
      handler: {},
    });
    t.after(() => server.close());
    const port = server.address!.port;
    const error = await connect(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 5_000 }).then(
      () => assert.fail('a plaintext upgrade on a TLS port cannot succeed'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof WirekitError);
    assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    const ws = await connect(`wss://127.0.0.1:${port}/`, { tls: { ca: cert } });
    assert.equal(ws.readyState, ReadyState.OPEN);
    ws.close();
  });

  test('a slow-loris request inside an established TLS session is dropped', async (t) => {
    const { cert, key } = testCertificate();
    const server = await serve({ port: 0, tls: { cert, key }, handshakeTimeout: 200, handler: {} });
    t.after(() => server.close());
    const socket = tlsConnect({ host: '127.0.0.1', port: server.address!.port, ca: cert });
    await new Promise<void>((resolve, reject) => {
      socket.once('secureConnect', resolve);
      socket.once('error', reject);
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    await within(
      new Promise((resolve) => socket.once('close', resolve)),
      10_000,
      'the server to drop the TLS socket',
    );
    assert.equal(Buffer.concat(chunks).length, 0);
  });
});
