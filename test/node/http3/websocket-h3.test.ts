/**
 * WebSocket over HTTP/3 (RFC 9220) end to end on 127.0.0.1: `serve({ http3 })` beside TLS,
 * `connect(url, { http3 })`, several WebSockets on one QUIC connection
 * (`Http3WebSocketSession`), the Alt-Svc advertisement (RFC 7838), the close handshake, a
 * refused path, a reset mid-message that leaves the other streams alone, the `'prefer'`
 * fallback, and a census after many QUIC connections open and close.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { request } from 'node:https';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { connect } from '../../../src/node/connect.js';
import type { Connection } from '../../../src/node/connection.js';
import { Http3WebSocketSession } from '../../../src/node/http3/h3-client.js';
import type { Http3Listener } from '../../../src/node/http3/h3-server.js';
import { type ListeningServer, rejectUpgrade, serve } from '../../../src/node/websocket-server.js';
import { OP } from '../../conformance/wire-frame.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { within } from '../../helpers/within.js';
import { closeRawSession, openRawSession, rawExtendedConnect } from '../../http2/raw-h2.js';
import { testTransport } from '../../transports/test-transports.js';
import { eventually } from './quic-fixtures.js';
import { type RawH3Stream, rawH3Server } from './raw-h3.js';
import type { SilentPeerReport } from './silent-peer-child.js';

const { key, cert } = testCertificate();

type H3Server = ListeningServer<unknown, Http3Listener>;

async function echoServer(): Promise<H3Server> {
  const server = await serve({
    port: 0,
    host: '127.0.0.1',
    tls: { key, cert },
    http3: { key, cert },
    path: '/echo',
    handler: {
      message(ws, data, isBinary) {
        ws.send(data, isBinary);
      },
    },
  });
  return server;
}

function urlOf(server: { readonly http3: Http3Listener }, path = '/echo'): string {
  return `wss://127.0.0.1:${server.http3.port}${path}`;
}

interface Closing {
  resolve?: (result: { code: number; reason: string }) => void;
}

/** A client WebSocket over HTTP/3 and a promise of its close. */
async function h3Client(
  url: string,
): Promise<{ ws: Connection<Closing>; closed: Promise<{ code: number; reason: string }> }> {
  const data: Closing = {};
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    data.resolve = resolve;
  });
  const ws = await connect<Closing>(url, {
    http3: true,
    tls: { ca: cert },
    data,
    handler: {
      close(connection, code, reason) {
        connection.data.resolve?.({ code, reason });
      },
    },
  });
  return { ws, closed };
}

async function nextMessage<Data>(ws: Connection<Data>): Promise<Buffer> {
  const it = ws[Symbol.asyncIterator]();
  const next = await within(it.next(), 10_000, 'a message');
  assert.equal(next.done, false);
  return Buffer.from(next.value.data);
}

/**
 * Run `silent-peer-child.js <mode>` against a UDP socket that reads and never answers: what
 * the child printed, how many datagrams it sent, and how it ended. The child must exit by
 * itself; one still alive after 30 s (far past its timeouts) is killed and fails the test.
 */
async function againstSilentPeer(
  mode: 'connect' | 'session',
): Promise<{ report: SilentPeerReport; datagrams: number; exitCode: number | null }> {
  const silent = createSocket('udp4');
  let datagrams = 0;
  silent.on('message', () => datagrams++);
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  try {
    const child = new URL('./silent-peer-child.js', import.meta.url).pathname;
    const port = String(silent.address().port);
    const { code, killed, stdout, stderr } = await new Promise<{
      code: number | null;
      killed: boolean;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      const run = execFile(
        process.execPath,
        [child, mode, port],
        { timeout: 30_000 },
        (error, stdout, stderr) => {
          resolve({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : null,
            killed: run.killed,
            stdout,
            stderr,
          });
        },
      );
    });
    assert.equal(killed, false, 'the child exited by itself (no timer or socket kept it alive)');
    assert.equal(stderr, '');
    return { report: JSON.parse(stdout) as SilentPeerReport, datagrams, exitCode: code };
  } finally {
    silent.close();
  }
}

describe('WebSocket over HTTP/3', () => {
  test('connect({ http3: true }) echoes text and binary, and closes cleanly', async () => {
    const server = await echoServer();
    const { ws, closed } = await h3Client(urlOf(server));
    ws.send('hello over h3');
    assert.equal((await nextMessage(ws)).toString(), 'hello over h3');
    const big = randomBytes(200 * 1024);
    ws.send(big);
    assert.deepEqual(await nextMessage(ws), big);
    ws.close(1000, 'bye');
    const result = await within(closed, 10_000, 'the close');
    assert.equal(result.code, 1000);
    await server.close();
  });

  test('many WebSockets share one QUIC connection and keep their messages apart', async () => {
    const server = await echoServer();
    const session = await Http3WebSocketSession.connect(urlOf(server), { tls: { ca: cert } });
    const sockets = await Promise.all(
      Array.from({ length: 20 }, () => session.openWebSocket('/echo')),
    );
    assert.equal(session.size, 20);
    assert.equal(server.http3.connections, 1);
    const replies = await Promise.all(
      sockets.map(async (ws, i) => {
        ws.send(`socket ${i}`);
        return (await nextMessage(ws)).toString();
      }),
    );
    assert.deepEqual(
      replies,
      sockets.map((_, i) => `socket ${i}`),
    );
    await session.close();
    await eventually(() => server.http3.connections === 0, 'the QUIC connection to go');
    await server.close();
  });

  test('HTTP/1.1 answers advertise the HTTP/3 port with Alt-Svc', async () => {
    const server = await echoServer();
    const head = await new Promise<Record<string, string | string[] | undefined>>(
      (resolve, reject) => {
        const req = request({
          host: '127.0.0.1',
          port: server.address.port,
          path: '/echo',
          ca: cert,
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': randomBytes(16).toString('base64'),
          },
        });
        req.on('upgrade', (res, socket) => {
          socket.destroy();
          resolve(res.headers);
        });
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(head['alt-svc'], `h3=":${server.http3.port}"`);
    await server.close();
  });

  test('HTTP/2 answers advertise the HTTP/3 port with Alt-Svc too (RFC 7838 §3)', async () => {
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      http2: true,
      http3: { key, cert },
      path: '/echo',
      handler: {},
    });
    const session = await openRawSession('h2', server.address.port);
    try {
      const answer = await rawExtendedConnect(session, '/echo');
      assert.equal(answer.status, 200);
      assert.equal(answer.headers['alt-svc'], `h3=":${server.http3.port}"`);
      answer.stream.destroy();
    } finally {
      await closeRawSession(session);
      await server.close();
    }
  });

  test('a path the server does not serve is refused with 404', async () => {
    const server = await echoServer();
    await assert.rejects(
      connect(urlOf(server, '/nowhere'), { http3: true, tls: { ca: cert } }),
      (error: unknown) =>
        error instanceof WirekitError &&
        error.code === ErrorCode.WS_HANDSHAKE &&
        error.status === 404,
    );
    await server.close();
  });

  test('a refusal quotes the start of its body, at most 256 bytes (RFC 9220 §3, RFC 8441 §5)', async () => {
    const reason = 'r'.repeat(300);
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      http3: { key, cert },
      handler: {
        upgrade() {
          throw rejectUpgrade(403, reason);
        },
      },
    });
    try {
      const error = await connect(urlOf(server, '/'), { http3: true, tls: { ca: cert } }).then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
      assert.equal(error.status, 403);
      assert.ok(error.message.includes(JSON.stringify(reason.slice(0, 256))), error.message);
      assert.ok(!error.message.includes(reason.slice(0, 257)), error.message);
    } finally {
      await server.close();
    }
  });

  test("a refusal's body is read to its FIN, or to 256 bytes without waiting for the FIN", async () => {
    const raw = await rawH3Server();
    try {
      const url = `wss://127.0.0.1:${raw.port}/`;
      // A short body and FIN: quoted whole, long before the handshake timeout.
      const short = connect(url, { http3: true, tls: { ca: cert }, handshakeTimeout: 60_000 });
      const first = await raw.nextRequest();
      first.stream.respond({ ':status': '401', 'www-authenticate': 'Bearer' });
      first.stream.end('token expired');
      const shortError = await short.then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(shortError instanceof WirekitError);
      assert.equal(shortError.code, ErrorCode.WS_HANDSHAKE);
      assert.equal(shortError.status, 401);
      assert.match(shortError.message, /: "token expired"$/);
      // 300 bytes and no FIN: the first 256 end the read.
      const long = connect(url, { http3: true, tls: { ca: cert }, handshakeTimeout: 60_000 });
      const second = await raw.nextRequest();
      second.stream.respond({ ':status': '503' });
      second.stream.write(Buffer.alloc(300, 0x7a));
      const longError = await long.then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(longError instanceof WirekitError);
      assert.equal(longError.status, 503);
      assert.ok(longError.message.endsWith(`: "${'z'.repeat(256)}"`), longError.message);
    } finally {
      await raw.close();
    }
  });

  test('a refusal whose body neither reaches 256 bytes nor ends is given up at handshakeTimeout (ERR_TIMEOUT)', async () => {
    const raw = await rawH3Server();
    try {
      const opening = connect(`wss://127.0.0.1:${raw.port}/`, {
        http3: true,
        tls: { ca: cert },
        handshakeTimeout: 300,
      });
      const request = await raw.nextRequest();
      request.stream.respond({ ':status': '403' });
      request.stream.write('go away, slowly');
      const error = await opening.then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.TIMEOUT);
      // The client let go of the stream: the raw server sees it reset.
      await eventually(() => request.stream.destroyed, 'the refused stream to be released');
    } finally {
      await raw.close();
    }
  });

  test('a WebSocket whose stream is reset ends alone; its neighbours carry on', async () => {
    const closes: number[] = [];
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      http3: { key, cert },
      handler: {
        message(ws, data, isBinary) {
          ws.send(data, isBinary);
        },
        close(_ws, code) {
          closes.push(code);
        },
      },
    });
    const session = await Http3WebSocketSession.connect(urlOf(server, '/'), { tls: { ca: cert } });
    const victim = await session.openWebSocket('/');
    const survivor = await session.openWebSocket('/');
    // The client drops it at once: its stream is reset (RESET_STREAM + STOP_SENDING,
    // H3_REQUEST_CANCELLED) in the middle of nothing the server could finish.
    victim.terminate();
    await eventually(() => closes.length === 1, 'the server to see the reset');
    assert.equal(closes[0], 1006);
    survivor.send('still fine');
    assert.equal((await nextMessage(survivor)).toString(), 'still fine');
    await session.close();
    await server.close();
  });

  test('connect({ http3: true }) to a UDP peer that never answers: ERR_TIMEOUT at connectTimeout (the QUIC handshake), and nothing stays behind', async () => {
    const { report, datagrams, exitCode } = await againstSilentPeer('connect');
    assert.ok(datagrams > 0, 'the client sent its Initial packets');
    assert.equal(report.code, ErrorCode.TIMEOUT);
    // connectTimeout bounds the QUIC handshake and the server's SETTINGS, as it bounds TCP and
    // TLS; handshakeTimeout (60 s here) starts only once the CONNECT is sent.
    assert.match(report.message, /connectTimeout 300 ms|handshake timed out/);
    assert.equal(exitCode, 0);
  });

  test('Http3WebSocketSession.connect to a UDP peer that never answers: ERR_TIMEOUT at its handshakeTimeout, and nothing stays behind', async () => {
    const { report, datagrams, exitCode } = await againstSilentPeer('session');
    assert.ok(datagrams > 0, 'the client sent its Initial packets');
    assert.equal(report.code, ErrorCode.TIMEOUT);
    assert.match(report.message, /handshake timed out/);
    assert.equal(exitCode, 0);
  });

  test('handshakeTimeout bounds the answer to the CONNECT: a server that never answers is ERR_TIMEOUT, and the stream is cancelled', async () => {
    const raw = await rawH3Server();
    try {
      const opening = connect(`wss://127.0.0.1:${raw.port}/`, {
        http3: true,
        tls: { ca: cert },
        handshakeTimeout: 300,
      });
      const request = await raw.nextRequest();
      const error = await opening.then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.TIMEOUT);
      assert.match(error.message, /CONNECT to \/ timed out/);
      await eventually(() => request.stream.destroyed, 'the cancelled stream to reach the server');
    } finally {
      await raw.close();
    }
  });

  test("http3: 'prefer' falls back to TLS when nothing answers on UDP", async () => {
    // A TLS-only server: its UDP port (the TCP port) is taken by a socket that never answers.
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      tls: { key, cert },
      path: '/echo',
      handler: {
        message(ws, data, isBinary) {
          ws.send(data, isBinary);
        },
      },
    });
    const silent = createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(server.address.port, '127.0.0.1', resolve));
    const ws = await connect(`wss://127.0.0.1:${server.address.port}/echo`, {
      http3: 'prefer',
      connectTimeout: 500,
      tls: { ca: cert },
    });
    ws.send('over TLS after all');
    assert.equal((await nextMessage(ws)).toString(), 'over TLS after all');
    ws.close();
    silent.close();
    await server.close();
  });

  test('census: 40 QUIC connections open, echo and close, and nothing stays', async () => {
    const server = await echoServer();
    for (let round = 0; round < 4; round++) {
      const clients = await Promise.all(Array.from({ length: 10 }, () => h3Client(urlOf(server))));
      await Promise.all(
        clients.map(async ({ ws, closed }) => {
          ws.send('x');
          await nextMessage(ws);
          ws.close();
          await within(closed, 10_000, 'close');
        }),
      );
    }
    await eventually(() => server.http3.connections === 0, 'every QUIC connection to go');
    await eventually(() => server.connections.size === 0, 'every WebSocket to go');
    await server.close();
  });

  test('a client that stops reading (async iteration, inbox full) stops consuming its QUIC stream, so flow control holds the sender back', async () => {
    const raw = await testTransport('h3').rawServer();
    try {
      const opening = connect(raw.url('/'), { http3: true, tls: { ca: cert } });
      const request = await raw.nextRequest();
      const peer = request.accept();
      const ws = await opening;
      const stream = peer.stream as RawH3Stream;
      const message = Buffer.alloc(4096, 0x62);
      // 1024 messages fill the client's inbox (it pauses reading); 3000 more (12 MiB) cannot
      // all fit in the stream window and the stream's read buffer.
      const count = 4024;
      for (let i = 0; i < count; i++) peer.send({ opcode: OP.BINARY, payload: message });
      const queued = (): number => stream.writableLength;
      let last = -1;
      let same = 0;
      await eventually(() => {
        const now = queued();
        same = now === last ? same + 1 : 0;
        last = now;
        return same >= 5;
      }, 'the sender to stall');
      assert.ok(last > 0, 'bytes wait at the sender: the client grants no more credit');
      let received = 0;
      for await (const { data } of ws) {
        assert.equal(data.length, message.length);
        if (++received === count) break;
      }
      assert.equal(received, count);
      assert.equal(queued(), 0);
    } finally {
      await raw.close();
    }
  });
});
