/**
 * The QUIC endpoint over real UDP on 127.0.0.1 with a certificate made in the test: handshake,
 * stream echo, many streams, flow-control backpressure, stream resets and STOP_SENDING (RFC 9000
 * §3.5, §19.4, §19.5), connection close codes (§10.2), idle timeout (§10.1), handshake limits,
 * refused certificates (RFC 9001 §4.4), the connection limit and a missing QUIC package.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { loadQuicBinding, QUIC_INSTALL } from '../../../src/node/http3/quic-binding.js';
import { connectQuic } from '../../../src/node/http3/quic-client.js';
import { QuicCloseSource } from '../../../src/node/http3/quic-connection.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { certificateWith, eventually, quicClient, quicServer, WAIT } from './quic-fixtures.js';

function rejectsWith(promise: Promise<unknown>, code: string, text?: RegExp): Promise<void> {
  return assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof WirekitError, `not a WirekitError: ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (text !== undefined) assert.match(error.message, text);
    return true;
  });
}

describe('QUIC endpoint', () => {
  test('handshake agrees on h3 and the server sees the connection', async () => {
    const { server, connections, acceptedNth } = await quicServer();
    const { connection } = await quicClient(server);
    assert.equal(connection.established, true);
    assert.equal(connection.alpn, 'h3');
    assert.equal(connection.isServer, false);
    await acceptedNth(1);
    assert.equal(connections.length, 1);
    assert.equal(connections[0]!.alpn, 'h3');
    assert.equal(server.connections, 1);
    connection.close();
    await server.close();
    assert.equal(server.connections, 0);
  });

  test('a bidirectional stream echoes and finishes', async () => {
    const { server } = await quicServer({ echo: true });
    const { connection, recorder } = await quicClient(server);
    const id = connection.openStream();
    assert.equal(id, 0);
    assert.equal(connection.write(id, Buffer.from('hello '), false), true);
    connection.write(id, Buffer.from('quic'), true);
    await recorder.until(() => recorder.finished.has(id), 'the echo');
    assert.equal(recorder.received(id).toString(), 'hello quic');
    connection.close();
    await server.close();
  });

  test('a loopback peer gets 64 KiB datagrams, maxUdpPayload sets the limit (RFC 9000 §18.2)', async () => {
    type PayloadStats = { readonly peerMaxUdpPayloadSize: number };
    const loop = await quicServer({ echo: true });
    const { connection, recorder } = await quicClient(loop.server);
    // The transport parameter each side announced: 65527 on loopback unless told otherwise.
    assert.equal((connection.stats() as unknown as PayloadStats).peerMaxUdpPayloadSize, 65527);
    const id = connection.openStream();
    const big = randomBytes(40_000);
    connection.write(id, big, true);
    await recorder.until(() => recorder.finished.has(id), 'the echo of 40 000 bytes');
    assert.deepEqual(recorder.received(id), big);
    connection.close();
    await loop.server.close();

    const fixed = await quicServer({ maxUdpPayload: 1350 });
    const { connection: small } = await quicClient(fixed.server, { maxUdpPayload: 1350 });
    assert.equal((small.stats() as unknown as PayloadStats).peerMaxUdpPayloadSize, 1350);
    small.close();
    await fixed.server.close();
  });

  test('maxUdpPayload below 1200 or above 65527 is ERR_INVALID_ARGUMENT', async () => {
    for (const maxUdpPayload of [1199, 65528, 1500.5])
      await assert.rejects(
        quicServer({ maxUdpPayload }),
        (error: unknown) =>
          error instanceof WirekitError && error.code === ErrorCode.INVALID_ARGUMENT,
      );
  });

  test('a unidirectional stream reaches the server', async () => {
    const { server, accepted, acceptedNth } = await quicServer();
    const { connection } = await quicClient(server);
    await acceptedNth(1);
    const id = connection.openStream(false);
    assert.equal(id, 2);
    connection.write(id, Buffer.from('one way'), true);
    await accepted[0]!.until(() => accepted[0]!.finished.has(2), 'the stream');
    assert.equal(accepted[0]!.received(2).toString(), 'one way');
    connection.close();
    await server.close();
  });

  test('many streams at once keep their bytes apart', async () => {
    const { server } = await quicServer({ echo: true });
    const { connection, recorder } = await quicClient(server);
    const sent = new Map<number, Buffer>();
    for (let i = 0; i < 80; i++) {
      const id = connection.openStream();
      const payload = randomBytes(100 + i * 37);
      sent.set(id, payload);
      connection.write(id, payload, true);
    }
    await recorder.until(() => recorder.finished.size === 80, 'all echoes');
    for (const [id, payload] of sent) assert.deepEqual(recorder.received(id), payload);
    connection.close();
    await server.close();
  });

  test('streams past the peer limit throw ERR_QUIC_STREAM_LIMIT, and credit comes back', async () => {
    const { server } = await quicServer({ echo: true, maxStreams: 2 });
    const { connection, recorder } = await quicClient(server);
    const a = connection.openStream();
    const b = connection.openStream();
    assert.throws(
      () => connection.openStream(),
      (e: unknown) => e instanceof WirekitError && e.code === ErrorCode.QUIC_STREAM_LIMIT,
    );
    connection.write(a, Buffer.from('a'), true);
    connection.write(b, Buffer.from('b'), true);
    await recorder.until(() => recorder.finished.size === 2, 'both echoes');
    // Both streams are complete on both sides: the server grants two more (MAX_STREAMS).
    let c = -1;
    await eventually(() => {
      try {
        c = connection.openStream();
        return true;
      } catch {
        return false;
      }
    }, 'new stream credit');
    assert.equal(c, 8);
    connection.close();
    await server.close();
  });

  test('backpressure: a write past the flow-control window queues, then drains', async () => {
    const { server, accepted, acceptedNth } = await quicServer({ streamWindow: 16 * 1024 });
    const { connection, recorder } = await quicClient(server);
    await acceptedNth(1);
    const id = connection.openStream();
    const payload = randomBytes(1024 * 1024);
    const all = connection.write(id, payload, true);
    assert.equal(all, false);
    assert.ok(connection.bufferedAmount(id) > 0);
    await accepted[0]!.until(() => accepted[0]!.finished.has(id), 'all bytes', 30_000);
    assert.deepEqual(accepted[0]!.received(id), payload);
    await recorder.until(() => recorder.drains.includes(id), 'the drain');
    assert.equal(connection.bufferedAmount(id), 0);
    assert.equal(connection.queuedBytes, 0);
    connection.close();
    await server.close();
  });

  test('RESET_STREAM carries its code to the peer', async () => {
    const { server, accepted, acceptedNth } = await quicServer();
    const { connection } = await quicClient(server);
    await acceptedNth(1);
    const id = connection.openStream();
    connection.write(id, Buffer.from('partial'), false);
    connection.resetStream(id, 77);
    await accepted[0]!.until(() => accepted[0]!.resets.has(id), 'the reset');
    assert.equal(accepted[0]!.resets.get(id), 77);
    connection.close();
    await server.close();
  });

  test('STOP_SENDING reaches the writer, and later writes are dropped', async () => {
    const { server, accepted, connections, acceptedNth } = await quicServer();
    const { connection, recorder } = await quicClient(server);
    await acceptedNth(1);
    const id = connection.openStream();
    connection.write(id, Buffer.from('first'), false);
    await accepted[0]!.until(() => accepted[0]!.bytes.has(id), 'the first bytes');
    connections[0]!.stopSending(id, 88);
    // The writer learns of it on its next write (quiche answers STOP_SENDING with
    // RESET_STREAM by itself); the write is dropped, not thrown.
    await eventually(() => {
      if (!recorder.stops.has(id)) connection.write(id, Buffer.from('more'));
      return recorder.stops.has(id);
    }, 'the stop');
    assert.equal(recorder.stops.get(id), 88);
    assert.equal(connection.write(id, Buffer.from('dropped')), false);
    assert.equal(connection.bufferedAmount(id), 0);
    connection.close();
    await server.close();
  });

  test('an application close code and reason reach the peer', async () => {
    const { server, accepted, acceptedNth } = await quicServer();
    const { connection, recorder } = await quicClient(server);
    await acceptedNth(1);
    connection.close(0x4242, 'done here');
    assert.equal(connection.closed, true);
    await recorder.until(() => recorder.closeInfo !== undefined, 'local close');
    assert.deepEqual(recorder.closeInfo, {
      source: QuicCloseSource.LOCAL,
      application: true,
      code: 0x4242,
      reason: 'done here',
    });
    await accepted[0]!.until(() => accepted[0]!.closeInfo !== undefined, 'peer close');
    assert.deepEqual(accepted[0]!.closeInfo, {
      source: QuicCloseSource.PEER,
      application: true,
      code: 0x4242,
      reason: 'done here',
    });
    assert.throws(
      () => connection.openStream(),
      (e: unknown) => e instanceof WirekitError && e.code === ErrorCode.QUIC_CLOSED,
    );
    await server.close();
  });

  test('server close reaches every client with its code', async () => {
    const { server, acceptedNth } = await quicServer();
    const a = await quicClient(server);
    const b = await quicClient(server);
    await acceptedNth(2);
    await server.close(0x100, 'bye');
    for (const side of [a, b]) {
      await side.recorder.until(() => side.recorder.closeInfo !== undefined, 'close');
      assert.equal(side.recorder.closeInfo?.source, QuicCloseSource.PEER);
      assert.equal(side.recorder.closeInfo?.code, 0x100);
    }
  });

  test('an idle connection times out on both sides', async () => {
    const { server, accepted, acceptedNth } = await quicServer({ idleTimeout: 300 });
    const { recorder } = await quicClient(server, { idleTimeout: 300 });
    await acceptedNth(1);
    await recorder.until(() => recorder.closeInfo !== undefined, 'idle close');
    assert.equal(recorder.closeInfo?.source, QuicCloseSource.IDLE_TIMEOUT);
    await accepted[0]!.until(() => accepted[0]!.closeInfo !== undefined, 'server idle close');
    assert.equal(accepted[0]!.closeInfo?.source, QuicCloseSource.IDLE_TIMEOUT);
    assert.equal(server.connections, 0);
    await server.close();
  });

  test('a certificate from an unknown CA is refused', async () => {
    const { server } = await quicServer();
    await rejectsWith(
      connectQuic({ host: '127.0.0.1', port: server.address.port }),
      ErrorCode.QUIC_HANDSHAKE,
      /unknown_ca/,
    );
    await server.close();
  });

  test('a certificate for another name is refused', async () => {
    const { server } = await quicServer();
    await rejectsWith(
      connectQuic({
        host: '127.0.0.1',
        port: server.address.port,
        ca: testCertificate().cert,
        servername: 'wrong.example',
      }),
      ErrorCode.QUIC_HANDSHAKE,
      /bad_certificate/,
    );
    await server.close();
  });

  test('a certificate that does not list the IP address is refused', async () => {
    const named = certificateWith('DNS:localhost');
    const { server } = await quicServer(named);
    await rejectsWith(
      connectQuic({ host: '127.0.0.1', port: server.address.port, ca: named.cert }),
      ErrorCode.QUIC_HANDSHAKE,
      /bad_certificate/,
    );
    // The same certificate passes for the name it carries.
    const connection = await connectQuic({
      host: '127.0.0.1',
      port: server.address.port,
      ca: named.cert,
      servername: 'localhost',
    });
    connection.close();
    await server.close();
  });

  test('rejectUnauthorized: false accepts any certificate', async () => {
    const { server } = await quicServer();
    const connection = await connectQuic({
      host: '127.0.0.1',
      port: server.address.port,
      rejectUnauthorized: false,
    });
    assert.equal(connection.established, true);
    connection.close();
    await server.close();
  });

  test('no common ALPN protocol ends the handshake', async () => {
    const { server } = await quicServer();
    await rejectsWith(
      quicClient(server, { alpn: ['not-h3'] }),
      ErrorCode.QUIC_HANDSHAKE,
      /no_application_protocol/,
    );
    await server.close();
  });

  test('a silent server ends the connect with ERR_TIMEOUT after handshakeTimeout', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    await rejectsWith(
      connectQuic({ host: '127.0.0.1', port: silent.address().port, handshakeTimeout: 300 }),
      ErrorCode.TIMEOUT,
      /handshake timed out/,
    );
    silent.close();
  });

  test('an AbortSignal ends a connect with ERR_ABORTED', async () => {
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    const controller = new AbortController();
    const connecting = connectQuic({
      host: '127.0.0.1',
      port: silent.address().port,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await rejectsWith(connecting, ErrorCode.ABORTED);
    await rejectsWith(
      connectQuic({ host: '127.0.0.1', port: 9, signal: AbortSignal.abort() }),
      ErrorCode.ABORTED,
    );
    silent.close();
  });

  test('past maxConnections the server drops new handshakes', async () => {
    const { server } = await quicServer({ maxConnections: 1 });
    const first = await quicClient(server);
    await rejectsWith(quicClient(server, { handshakeTimeout: 300 }), ErrorCode.TIMEOUT);
    assert.equal(server.connections, 1);
    first.connection.close();
    await server.close();
  });

  test('datagrams that are not QUIC are dropped and the server carries on', async () => {
    const { server } = await quicServer({ echo: true });
    const junk = createSocket('udp4');
    for (const size of [0, 1, 5, 30, 1300])
      junk.send(randomBytes(size), server.address.port, '127.0.0.1');
    junk.close();
    const { connection, recorder } = await quicClient(server);
    const id = connection.openStream();
    connection.write(id, Buffer.from('still here'), true);
    await recorder.until(() => recorder.finished.has(id), 'the echo', WAIT);
    assert.equal(recorder.received(id).toString(), 'still here');
    connection.close();
    await server.close();
  });

  test('a missing QUIC package is ERR_HTTP3_UNAVAILABLE with the install command', async () => {
    await rejectsWith(
      loadQuicBinding('@wirekit-test/no-such-quic-package'),
      ErrorCode.HTTP3_UNAVAILABLE,
      new RegExp(QUIC_INSTALL),
    );
  });
});
