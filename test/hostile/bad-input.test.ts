/**
 * Bad input from hostile or broken peers, against a server in this process, each case ending
 * with the right status or close code and nothing left behind: every test takes a census of
 * sockets and timers (ref'd or not) before it starts its server, closes everything it opened,
 * and requires the census to come back to where it was. The header flood runs against a server
 * in a child process so its peak memory is the server's alone.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  connect as netConnect,
  type Socket,
} from 'node:net';
import { describe, test } from 'node:test';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import type { ServerOptions } from '../../src/node/websocket-server.js';
import { serve, WebSocketServer } from '../../src/node/websocket-server.js';
import { OP } from '../conformance/wire-frame.js';
import {
  closeHttp,
  listenLocal,
  recorder,
  until,
  upgradeRequest,
  within,
} from '../node/helpers.js';
import { frameHeader, HostilePeer } from './hostile-peer.js';
import { leftBehind, takeCensus } from './resource-census.js';
import { ServerProcess } from './server-process-handle.js';

const KiB = 1024;
const MB = 1_000_000;
/** Generous bound on a server process's peak RSS while it fends off one hostile peer. */
const PEAK_RSS_BOUND = 300 * MB;
/** Timers that make a hostile case end quickly (they are what is being tested). */
const QUICK = { pingInterval: 0, idleTimeout: 0, closeTimeout: 300 } as const;

/** What a raw TCP client got: everything it read until the socket closed, and any error. */
interface Exchange {
  readonly answer: string;
  readonly error: Error | undefined;
  /** The server ended the connection (we never called end or destroy before it did). */
  readonly endedByServer: boolean;
}

/**
 * A promise of the socket's 'close', made before anything can close it. (Not `events.once`:
 * it rejects on 'error', and a reset from a server that cut us off is expected here.)
 */
function closeOf(socket: Socket): Promise<void> {
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

/** Connect to 127.0.0.1:`port`, write `request` (one write), read until the socket closes. */
async function exchange(port: number, request: string | Buffer): Promise<Exchange> {
  const socket = netConnect({ host: '127.0.0.1', port });
  const closed = closeOf(socket);
  const chunks: Buffer[] = [];
  let error: Error | undefined;
  let endedByServer = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', (e) => {
    error = e;
  });
  socket.on('end', () => {
    endedByServer = true;
  });
  await once(socket, 'connect');
  socket.write(request);
  await within(closed, 10_000, 'the server to close the connection');
  return { answer: Buffer.concat(chunks).toString('latin1'), error, endedByServer };
}

/** The status code of an HTTP answer, or 0 when there is none. */
function statusOf(answer: string): number {
  const match = /^HTTP\/1\.1 (\d{3}) /.exec(answer);
  return match === null ? 0 : Number(match[1]);
}

/** A WebSocket server behind a `net` listener of our own, so the test sees the raw sockets. */
async function serverWithSockets(
  options: ServerOptions,
): Promise<{ wss: WebSocketServer; port: number; sockets: Socket[]; close(): Promise<void> }> {
  const wss = new WebSocketServer(options);
  const sockets: Socket[] = [];
  const listener = createNetServer((socket) => {
    sockets.push(socket);
    wss.acceptSocket(socket);
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const port = (listener.address() as AddressInfo).port;
  return {
    wss,
    port,
    sockets,
    async close() {
      await wss.close();
      if (listener.listening) await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

describe('bad input: the opening handshake', { timeout: 60_000 }, () => {
  test('slow-loris handshake (bytes trickled forever) is dropped at handshakeTimeout (RFC 6455 §4.2.1)', async (t) => {
    const before = takeCensus();
    const events = recorder();
    const server = await serve({
      port: 0,
      handshakeTimeout: 300,
      ...QUICK,
      handler: events.handler,
    });
    t.after(() => server.close());
    const socket = netConnect({ host: '127.0.0.1', port: server.address!.port });
    const closed = closeOf(socket);
    t.after(() => socket.destroy());
    socket.on('error', () => {});
    const received: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    await once(socket, 'connect');
    socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    // One byte every 10 ms of header lines that never end: the head never completes.
    const filler = 'X-Slow: a\r\n';
    let trickled = 0;
    const trickle = setInterval(() => {
      if (socket.writable) socket.write(filler[trickled++ % filler.length]!);
    }, 10);
    t.after(() => clearInterval(trickle));
    // We never end the socket ourselves before this: its end (FIN, or a reset if a trickled
    // byte crossed the server's close) is the server dropping it.
    await within(
      new Promise<void>((resolve) => {
        socket.once('end', resolve);
        socket.once('close', resolve);
      }),
      10_000,
      'the server to drop the slow-loris socket',
    );
    clearInterval(trickle);
    socket.destroy();
    await closed;
    assert.ok(trickled > 0, 'bytes were trickling when the server dropped the socket');
    assert.doesNotMatch(Buffer.concat(received).toString('latin1'), /^HTTP\/1\.1 101/);
    assert.deepEqual(events.events, [], 'no connection was opened');
    await server.close();
    assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
  });

  test('a header value larger than maxHeadBytes → 431 (RFC 6585 §5)', async (t) => {
    const before = takeCensus();
    const events = recorder();
    const server = await serve({ port: 0, ...QUICK, handler: events.handler });
    t.after(() => server.close());
    const request = upgradeRequest({ overrides: { 'X-Big': 'a'.repeat(64 * KiB) } });
    const result = await exchange(server.address!.port, request);
    assert.equal(statusOf(result.answer), 431, result.answer.slice(0, 80));
    assert.ok(result.endedByServer, 'the server closed the connection after its answer');
    assert.deepEqual(events.events, [], 'no connection was opened');
    await server.close();
    assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
  });

  test('a flood of 10,000 tiny header lines → 431 within bounded memory (ws GHSA-3h5v-q93c-6h6q)', async (t) => {
    const server = await ServerProcess.start(QUICK);
    t.after(() => server.kill());
    const lines = ['GET / HTTP/1.1', 'Host: 127.0.0.1'];
    for (let i = 0; i < 10_000; i++) lines.push(`x${i % 10}: y`);
    lines.push('Upgrade: websocket', 'Connection: Upgrade');
    lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13');
    const request = `${lines.join('\r\n')}\r\n\r\n`;
    const result = await exchange(server.port, request);
    assert.equal(statusOf(result.answer), 431, result.answer.slice(0, 80));
    const stats = await server.stats();
    t.diagnostic(
      `request ${request.length} bytes; server peak RSS ${(stats.peakRss / MB).toFixed(1)} MB`,
    );
    assert.ok(stats.peakRss < PEAK_RSS_BOUND, `peak RSS ${stats.peakRss} bytes`);
    assert.equal(server.reportsOf('open').length, 0, 'no connection was opened');
    const shutDown = await server.shutDown();
    assert.deepEqual(shutDown.leftBehind, [], 'the server process left sockets or timers behind');
    assert.equal(shutDown.exitCode, 0, 'the server process exited by itself');
  });

  test('more header lines than node:http keeps (maxHeadersCount) on an attached server: refused, no crash (ws GHSA-3h5v-q93c-6h6q)', async (t) => {
    const before = takeCensus();
    const events = recorder();
    const http = createHttpServer((_req, res) => res.end());
    const wss = new WebSocketServer({ ...QUICK, handler: events.handler }).attach(http);
    const port = await listenLocal(http);
    t.after(() => closeHttp(http));
    // The advisory's shape: 2,000 other fields first, so node:http drops the handshake's own.
    const lines = ['GET / HTTP/1.1', 'Host: 127.0.0.1'];
    for (let i = 0; i < 2_000; i++) lines.push(`x${i.toString(36)}: y`);
    lines.push('Upgrade: websocket', 'Connection: Upgrade');
    lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13');
    const result = await exchange(port, `${lines.join('\r\n')}\r\n\r\n`);
    assert.equal(statusOf(result.answer), 400, result.answer.slice(0, 120));
    assert.deepEqual(events.events, [], 'no connection was opened');
    // The server is still up: a proper handshake on a new connection succeeds.
    const peer = await HostilePeer.open(port);
    await events.opened;
    peer.socket.destroy();
    await events.closed;
    await wss.close();
    await closeHttp(http);
    assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
  });

  test('a plain GET on the WebSocket endpoint → 426 Upgrade Required with Upgrade: websocket (RFC 6455 §4.2.1, RFC 9110 §15.5.22)', async (t) => {
    const before = takeCensus();
    const events = recorder();
    const server = await serve({ port: 0, ...QUICK, handler: events.handler });
    t.after(() => server.close());
    const result = await exchange(
      server.address!.port,
      'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n',
    );
    assert.equal(statusOf(result.answer), 426, result.answer.slice(0, 80));
    assert.match(result.answer, /\r\nupgrade: websocket\r\n/i);
    assert.ok(result.endedByServer, 'the server closed the connection after its answer');
    assert.deepEqual(events.events, [], 'no connection was opened');
    await server.close();
    assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
  });

  test('an upgrade request without Sec-WebSocket-Key → 400 (RFC 6455 §4.2.1 item 5)', async (t) => {
    const before = takeCensus();
    const events = recorder();
    const server = await serve({ port: 0, ...QUICK, handler: events.handler });
    t.after(() => server.close());
    const request = upgradeRequest({ overrides: { 'Sec-WebSocket-Key': undefined } });
    const result = await exchange(server.address!.port, request);
    assert.equal(statusOf(result.answer), 400, result.answer.slice(0, 80));
    assert.ok(result.endedByServer, 'the server closed the connection after its answer');
    assert.deepEqual(events.events, [], 'no connection was opened');
    await server.close();
    assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
  });
});

describe('bad input: open connections', { timeout: 60_000 }, () => {
  for (const vanish of ['FIN', 'RST'] as const) {
    test(`a peer that vanishes mid-frame (${vanish}) → close callback 1006, not clean (RFC 6455 §7.1.5)`, async (t) => {
      const before = takeCensus();
      const events = recorder();
      const server = await serverWithSockets({ ...QUICK, handler: events.handler });
      t.after(() => server.close());
      const peer = await HostilePeer.open(server.port);
      t.after(() => peer.socket.destroy());
      await events.opened;
      // A binary frame announcing 1,000 bytes, of which 500 come before the peer is gone.
      const partial = Buffer.concat([frameHeader(OP.BINARY, 1000n), Buffer.alloc(500, 0x2a)]);
      peer.socket.write(partial);
      const accepted = server.sockets[0]!;
      const handshakeBytes = Buffer.byteLength(upgradeRequest());
      await until(
        () => accepted.bytesRead === handshakeBytes + partial.length,
        'the server to read the partial frame',
      );
      if (vanish === 'FIN') peer.socket.destroy();
      else peer.socket.resetAndDestroy();
      const closed = await events.closed;
      assert.equal(closed.code, 1006);
      assert.equal(closed.wasClean, false);
      assert.equal(events.messages().length, 0, 'the partial message was never delivered');
      await until(() => server.wss.connections.size === 0, 'the connection to be released');
      await server.close();
      assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
    });
  }

  test('a peer that never reads: 1008 past maxBackpressure, socket destroyed after closeTimeout', async (t) => {
    const before = takeCensus();
    const chunk = Buffer.alloc(16 * KiB, 0x61);
    const cap = 64 * 1024 * KiB; // never push more than this at a peer that does not read
    let pushed = 0;
    let pump: NodeJS.Immediate | undefined;
    const events = recorder({
      open(ws) {
        const burst = (): void => {
          pump = undefined;
          for (let i = 0; i < 64 && ws.readyState === ReadyState.OPEN; i++) {
            ws.send(chunk);
            pushed += chunk.length;
          }
          if (ws.readyState === ReadyState.OPEN && pushed < cap) pump = setImmediate(burst);
        };
        burst();
      },
    });
    const server = await serve({
      port: 0,
      ...QUICK,
      maxBackpressure: 64 * KiB,
      handler: events.handler,
    });
    t.after(() => server.close());
    t.after(() => clearImmediate(pump));
    const peer = await HostilePeer.open(server.address!.port);
    t.after(() => peer.socket.destroy());
    peer.socket.pause(); // never reads again
    const closed = await events.closed;
    assert.equal(closed.code, 1008);
    assert.equal(closed.wasClean, false);
    assert.ok(pushed < cap, `closed after ${pushed} bytes, before the test's cap`);
    // The peer cannot finish the close handshake (it does not read): closeTimeout destroys
    // the server's socket while the peer's end is still open.
    await until(() => server.connections.size === 0, 'the server socket to be destroyed');
    assert.equal(peer.socket.destroyed, false, 'the peer never closed its side');
    peer.socket.destroy();
    await peer.closed;
    await server.close();
    assert.deepEqual(await leftBehind(before), [], 'sockets or timers left behind');
  });
});
