/**
 * A dead peer under an HTTP/2 client session is found at once, not by a heartbeat: when the TCP
 * connection dies (the server process killed with SIGKILL, its socket reset or closed), every
 * WebSocket of the session closes with 1006 and its `close` callback runs, with no heartbeat
 * configured at all (`pingInterval: 0`, the client's default). The hard case is Node's: a reset
 * that arrives while a session write is in flight is lost over TLS, and only the session watch
 * (src/node/session-watch.ts) finds it. Over h2c and h2, against real servers; outcomes are
 * asserted, never durations.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { createSecureServer, createServer, type Http2Server } from 'node:http2';
import type { Socket } from 'node:net';
import { describe, test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import type { Connection, ConnectionHandler } from '../../src/node/connection.js';
import { Http2WebSocketSession } from '../../src/node/http2-session.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { deferred, testNothingLeftOpen, within } from '../node/helpers.js';
import { type H2Kind, wsUrlOf } from './raw-h2.js';

const child = new URL('./fixtures/h2-server-child.js', import.meta.url).pathname;
/** No heartbeat: only the transport can report the loss. */
const NO_HEARTBEAT = { pingInterval: 0, idleTimeout: 0 } as const;
const WAIT_MS = 10_000;

interface Closed {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** A client handler that records the close, and optionally answers each message. */
function closeRecorder(answer = false): {
  handler: ConnectionHandler<undefined>;
  closed: Promise<Closed>;
} {
  const closed = deferred<Closed>();
  return {
    handler: {
      message(ws, data) {
        if (answer) ws.send(data.subarray(0, 400));
      },
      close(_ws, code, reason, wasClean) {
        closed.resolve({ code, reason, wasClean });
      },
    },
    closed: within(closed.promise, WAIT_MS, 'the client close callback'),
  };
}

/** One WebSocket binary frame from a server (unmasked), `size` bytes of payload. */
function serverFrame(size: number): Buffer {
  const head = Buffer.alloc(10);
  head[0] = 0x82;
  head[1] = 127;
  head.writeBigUInt64BE(BigInt(size), 2);
  return Buffer.concat([head, Buffer.alloc(size, 0x61)]);
}

/** A raw node:http2 server that accepts extended CONNECTs and keeps the TCP sockets. */
async function rawServer(kind: H2Kind): Promise<{
  server: Http2Server;
  port: number;
  sockets: Set<Socket>;
  streams: Set<import('node:http2').ServerHttp2Stream>;
}> {
  const { key, cert } = testCertificate();
  const settings = { enableConnectProtocol: true };
  const server =
    kind === 'h2' ? createSecureServer({ key, cert, settings }) : createServer({ settings });
  const sockets = new Set<Socket>();
  const streams = new Set<import('node:http2').ServerHttp2Stream>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('session', (session) => session.on('error', () => {}));
  server.on('stream', (stream) => {
    stream.on('error', () => {});
    streams.add(stream);
    stream.once('close', () => streams.delete(stream));
    stream.respond({ ':status': 200 });
    stream.on('data', () => {});
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server: server as Http2Server,
    port: (server.address() as { port: number }).port,
    sockets,
    streams,
  };
}

function assertLost(closed: Closed, what: string): void {
  assert.equal(closed.code, 1006, `${what}: 1006`);
  assert.equal(closed.wasClean, false, `${what}: not clean`);
}

for (const kind of ['h2c', 'h2'] as const) {
  describe(`a dead peer under an HTTP/2 client (${kind})`, { timeout: 60_000 }, () => {
    test('the server process killed with SIGKILL: every WebSocket of the session, and connect({ http2 }), closes with 1006', async (t) => {
      const server: ChildProcess = fork(child, [kind], {
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      t.after(() => {
        if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
      });
      const [{ port, cert }] = (await within(
        once(server, 'message'),
        WAIT_MS,
        'the child server',
      )) as [{ port: number; cert: string }];
      const tls = { ca: cert };
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, port), { tls });
      const ends = [closeRecorder(), closeRecorder(), closeRecorder()];
      const sockets: Connection<undefined>[] = [];
      for (const [i, end] of ends.entries()) {
        if (i < 2)
          sockets.push(
            await session.openWebSocket(`/s${i}`, { ...NO_HEARTBEAT, handler: end.handler }),
          );
        else
          sockets.push(
            await connect(wsUrlOf(kind, port, '/own'), {
              ...NO_HEARTBEAT,
              http2: true,
              tls,
              handler: end.handler,
            }),
          );
      }
      // Traffic first: the connections work.
      sockets[0]!.send('before');
      server.kill('SIGKILL');
      for (const [i, end] of ends.entries()) assertLost(await end.closed, `WebSocket ${i}`);
      assert.equal(session.closed, true, 'the session is closed');
    });

    test('the server resets the connection while the client answers a large message: 1006, no heartbeat needed', async (t) => {
      const raw = await rawServer(kind);
      t.after(async () => {
        for (const socket of raw.sockets) socket.destroy();
        await new Promise<void>((resolve) => raw.server.close(() => resolve()));
      });
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: { ca: testCertificate().cert },
      });
      const busy = closeRecorder(true);
      const idle = closeRecorder();
      await session.openWebSocket('/busy', { ...NO_HEARTBEAT, handler: busy.handler });
      await session.openWebSocket('/idle', { ...NO_HEARTBEAT, handler: idle.handler });
      const [first] = [...raw.streams];
      assert.ok(first !== undefined);
      // 200 KB the client reads and answers while the reset arrives: over TLS, Node's session
      // then has a write in flight and stops reading, and the failed write is never reported.
      first.write(serverFrame(200_000));
      setImmediate(() => {
        for (const socket of raw.sockets) socket.resetAndDestroy();
      });
      assertLost(await busy.closed, 'the busy WebSocket');
      assertLost(await idle.closed, 'the idle WebSocket');
      assert.equal(session.closed, true, 'the session is closed');
    });

    test('the server closes its sockets: every WebSocket closes with 1006', async (t) => {
      const raw = await rawServer(kind);
      t.after(() => new Promise<void>((resolve) => raw.server.close(() => resolve())));
      const session = await Http2WebSocketSession.connect(wsUrlOf(kind, raw.port), {
        tls: { ca: testCertificate().cert },
      });
      const ends = [closeRecorder(), closeRecorder()];
      for (const [i, end] of ends.entries())
        await session.openWebSocket(`/s${i}`, { ...NO_HEARTBEAT, handler: end.handler });
      for (const socket of raw.sockets) socket.destroy();
      for (const [i, end] of ends.entries()) assertLost(await end.closed, `WebSocket ${i}`);
      assert.equal(session.closed, true);
    });
  });
}

testNothingLeftOpen();
