/**
 * The TLS direct write (src/node/tls-direct-write.ts): frames go to the TLS socket's handle
 * (`TLSWrap`) without the Writable stream, one write pending at a time. Over real TLS on
 * 127.0.0.1 with a certificate made for the test, against a raw TLS peer whose reading the test
 * controls: a message far larger than the kernel takes at once, a peer that stops reading
 * (`send()` false, `bufferedAmount`, `drain` only once it reads again, 1008 past
 * `maxBackpressure`), a write after the peer reset the connection, and a wirekit client whose
 * server stops reading. The server side counts the writes that reach the handle and the
 * socket's own `write` calls, so each test shows which path carried the bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { type AddressInfo, connect as netConnect, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { createServer as createTlsServer, type TLSSocket, connect as tlsConnect } from 'node:tls';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import type { Connection, ConnectionHandler } from '../../src/node/connection.js';
import { WebSocketServer } from '../../src/node/websocket-server.js';
import { OP } from '../conformance/wire-frame.js';
import { clientFrame } from '../core/ws/helpers.js';
import { testCertificate } from '../helpers/tls-cert.js';
import {
  deferred,
  parseServerFrame,
  recorder,
  type ServerFrame,
  testNothingLeftOpen,
  until,
  upgradeRequest,
  within,
} from './helpers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** Writes the server made: to the TLS handle directly, and through the socket's Writable. */
interface WriteCounts {
  handle: number;
  stream: number;
}

interface TlsTestServer {
  readonly port: number;
  readonly counts: WriteCounts;
  /** The accepted TLS socket of the latest connection. */
  socket(): TLSSocket;
}

/** A wirekit server on a TLS listener of the test's own, counting the accepted socket's writes. */
async function tlsServer(
  t: { after(fn: () => unknown): void },
  handler: ConnectionHandler,
  options: { readonly maxBackpressure?: number } = {},
): Promise<TlsTestServer> {
  const { key, cert } = testCertificate();
  const wss = new WebSocketServer({ handler, closeTimeout: 1_000, ...options });
  const counts: WriteCounts = { handle: 0, stream: 0 };
  let latest: TLSSocket | undefined;
  const listener = createTlsServer({ key, cert }, (socket) => {
    latest = socket;
    const handle = (socket as unknown as { _handle: Record<string, unknown> })._handle;
    for (const name of ['writeBuffer', 'writev']) {
      const method = handle[name] as (...args: unknown[]) => unknown;
      handle[name] = function (this: unknown, ...args: unknown[]): unknown {
        counts.handle++;
        return method.apply(this, args);
      };
    }
    const write = socket.write;
    socket.write = function (this: TLSSocket, ...args: unknown[]): boolean {
      counts.stream++;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof socket.write;
    wss.acceptSocket(socket);
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(async () => {
    await wss.close();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });
  return {
    port: (listener.address() as AddressInfo).port,
    counts,
    socket: () => latest!,
  };
}

/**
 * A raw WebSocket client over TLS: sends the upgrade, keeps every byte after the answer's head,
 * and parses frames only when asked (a 16 MiB frame parsed per chunk would be copied per chunk).
 */
class TlsPeer {
  readonly socket: TLSSocket;
  /** The TCP socket under {@link socket}, for a reset. */
  readonly tcp: Socket;
  readonly #chunks: Buffer[] = [];
  #head: Buffer | undefined = Buffer.alloc(0);
  /** Bytes received after the head. */
  received = 0;

  private constructor(socket: TLSSocket, tcp: Socket) {
    this.socket = socket;
    this.tcp = tcp;
    socket.on('error', () => {});
    tcp.on('error', () => {});
  }

  static async open(port: number): Promise<TlsPeer> {
    const tcp = netConnect(port, '127.0.0.1');
    await once(tcp, 'connect');
    const socket = tlsConnect({ socket: tcp, ca: testCertificate().cert, servername: 'localhost' });
    const peer = new TlsPeer(socket, tcp);
    const answered = deferred<void>();
    socket.on('data', (chunk: Buffer) => peer.#onData(chunk, answered.resolve));
    socket.once('close', () => answered.reject(new Error('closed before the answer head')));
    await once(socket, 'secureConnect');
    socket.write(upgradeRequest());
    await within(answered.promise, 10_000, 'the upgrade answer');
    return peer;
  }

  #onData(chunk: Buffer, answered: () => void): void {
    if (this.#head !== undefined) {
      const head = Buffer.concat([this.#head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) {
        this.#head = head;
        return;
      }
      this.#head = undefined;
      chunk = head.subarray(end + 4);
      answered();
    }
    this.received += chunk.length;
    if (chunk.length > 0) this.#chunks.push(chunk);
  }

  /** Every frame received so far (all of them complete). */
  frames(): ServerFrame[] {
    let bytes = Buffer.concat(this.#chunks);
    const frames: ServerFrame[] = [];
    for (;;) {
      const parsed = parseServerFrame(bytes);
      if (parsed === undefined) break;
      frames.push(parsed.frame);
      bytes = bytes.subarray(parsed.size);
    }
    assert.equal(bytes.length, 0, 'no partial frame left');
    return frames;
  }

  send(opcode: number, payload: string | Uint8Array): void {
    this.socket.write(clientFrame({ opcode, payload }));
  }
}

/** A payload whose every 4-byte word differs, so a lost or repeated chunk shows. */
function pattern(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i + 4 <= size; i += 4) bytes.writeUInt32BE(i >>> 2, i);
  return bytes;
}

/** Bytes of a server frame carrying `payload` bytes (RFC 6455 §5.2). */
function frameSize(payload: number): number {
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

describe('TLS direct write', { timeout: 120_000 }, () => {
  test('a 16 MiB message the kernel cannot take at once arrives whole; drain follows', async (t) => {
    const big = pattern(16 * MiB);
    let sent: boolean | undefined;
    let bufferedAfterSend = 0;
    const serverSide = recorder({
      message(ws) {
        sent = ws.send(big);
        bufferedAfterSend = ws.bufferedAmount;
      },
    });
    const server = await tlsServer(t, serverSide.handler);
    const peer = await TlsPeer.open(server.port);
    await serverSide.opened;
    const streamWritesAtOpen = server.counts.stream;
    const handleWritesAtOpen = server.counts.handle;
    peer.send(OP.TEXT, 'go');
    await until(() => peer.received >= frameSize(big.length), 'the 16 MiB frame', 60_000);
    const frames = peer.frames();
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.opcode, OP.BINARY);
    assert.ok(frames[0]!.payload.equals(big), 'every byte, in order');
    // 16 MiB is past the socket's high-water mark: send() says so, and bufferedAmount counts
    // the pending write until it completes.
    assert.equal(sent, false);
    assert.ok(bufferedAfterSend >= big.length, `bufferedAmount ${bufferedAfterSend}`);
    await until(() => serverSide.events.some((e) => e.event === 'drain'), 'the drain callback');
    const ws = await serverSide.opened;
    assert.equal(ws.bufferedAmount, 0);
    assert.equal(server.counts.stream, streamWritesAtOpen, 'no write through the Writable');
    assert.ok(server.counts.handle > handleWritesAtOpen, 'the frame went to the TLS handle');
    ws.close(1000);
    await until(() => peer.frames().some((f) => f.opcode === OP.CLOSE), 'the close frame');
    peer.socket.destroy();
  });

  test('a peer that stops reading: send() false, bufferedAmount counted, drain only once it reads again, every byte arrives', async (t) => {
    const CHUNK = pattern(16 * KiB);
    const CHUNKS = 2048; // 32 MiB: far past what loopback socket buffers take
    const results: boolean[] = [];
    let bufferedAfterBurst = 0;
    let resumed = false;
    let drainedWhileResumed: boolean | undefined;
    const serverSide = recorder({
      message(ws) {
        for (let i = 0; i < CHUNKS; i++) results.push(ws.send(CHUNK));
        bufferedAfterBurst = ws.bufferedAmount;
      },
      drain() {
        drainedWhileResumed ??= resumed;
      },
    });
    const server = await tlsServer(t, serverSide.handler, { maxBackpressure: 64 * MiB });
    const peer = await TlsPeer.open(server.port);
    const ws = await serverSide.opened;
    const streamWritesAtOpen = server.counts.stream;
    peer.socket.pause();
    peer.send(OP.TEXT, 'go');
    await until(() => results.length === CHUNKS, 'the burst');
    const firstFalse = results.indexOf(false);
    assert.ok(firstFalse > 0, 'send() turned false during the burst');
    assert.ok(
      results.slice(0, firstFalse).every((r) => r),
      'true until the writes backed up',
    );
    assert.ok(
      results.slice(firstFalse).every((r) => !r),
      'false until the drain',
    );
    assert.ok(bufferedAfterBurst > 0 && bufferedAfterBurst <= CHUNKS * frameSize(CHUNK.length));
    // The peer reads nothing: the bytes past the kernel's buffers stay queued, counted.
    await until(() => server.counts.handle >= 2, 'the held output to reach the handle');
    assert.ok(ws.bufferedAmount > 0, 'still queued: the peer does not read');
    resumed = true;
    peer.socket.resume();
    const total = CHUNKS * frameSize(CHUNK.length);
    await until(() => peer.received >= total, 'every chunk', 60_000);
    const frames = peer.frames();
    assert.equal(frames.length, CHUNKS);
    for (const frame of frames) if (!frame.payload.equals(CHUNK)) assert.fail('a chunk changed');
    await until(() => drainedWhileResumed !== undefined, 'the drain callback');
    assert.equal(drainedWhileResumed, true, 'no drain before the peer read again');
    assert.equal(ws.bufferedAmount, 0);
    assert.equal(server.counts.stream, streamWritesAtOpen, 'no write through the Writable');
    peer.socket.destroy();
  });

  test('a peer that never reads: 1008 once maxBackpressure is passed', async (t) => {
    const chunk = pattern(16 * KiB);
    const results: boolean[] = [];
    const serverSide = recorder({
      message(ws) {
        // Bursts a loop turn apart, so completions of the pending write come in between.
        const pump = (): void => {
          for (let i = 0; i < 64; i++) {
            if (ws.readyState !== ReadyState.OPEN) return;
            results.push(ws.send(chunk));
          }
          if (results.length < 8192) setImmediate(pump);
        };
        pump();
      },
    });
    const server = await tlsServer(t, serverSide.handler, { maxBackpressure: 256 * KiB });
    const peer = await TlsPeer.open(server.port);
    await serverSide.opened;
    const streamWritesAtOpen = server.counts.stream;
    peer.socket.pause();
    peer.send(OP.TEXT, 'go');
    const closed = await serverSide.closed;
    assert.equal(closed.code, 1008);
    assert.equal(closed.wasClean, false);
    assert.equal(closed.reason, 'backpressure limit exceeded');
    assert.ok(results.includes(false), 'send() turned false before the limit');
    assert.ok(results.length < 8192, `closed after ${results.length} sends`);
    assert.equal(server.counts.stream, streamWritesAtOpen, 'no write through the Writable');
    peer.socket.destroy();
  });

  test('a write after the peer reset the connection: close 1006 with the write error; the server lives on', async (t) => {
    const serverSide = recorder();
    const server = await tlsServer(t, serverSide.handler);
    const peer = await TlsPeer.open(server.port);
    const ws = await serverSide.opened;
    const streamWritesAtOpen = server.counts.stream;
    // The server stops reading, so only its next write can learn of the reset.
    server.socket().pause();
    const gone = once(peer.socket, 'close');
    peer.tcp.resetAndDestroy();
    await gone;
    // The RST has reached the server's kernel (loopback): these writes meet it.
    let pushed = 0;
    await until(() => {
      if (ws.readyState === ReadyState.OPEN && pushed < 1_000) {
        ws.send(pattern(KiB));
        pushed++;
      }
      return serverSide.events.some((e) => e.event === 'close');
    }, 'the close callback');
    const closed = await serverSide.closed;
    assert.equal(closed.code, 1006);
    assert.equal(closed.wasClean, false);
    assert.match(closed.reason, /^write (EPIPE|ECONNRESET)$/);
    assert.equal(server.counts.stream, streamWritesAtOpen, 'the writes went to the TLS handle');
    // The listener still serves.
    const again = await TlsPeer.open(server.port);
    again.send(OP.TEXT, 'hello');
    await until(() => serverSide.messages().length === 1, 'a message on a new connection');
    again.socket.destroy();
  });

  test('client: send() false past the high-water mark, drain once the kernel took the bytes, 1008 once a server that never reads leaves more than maxBackpressure queued', async (t) => {
    const { key, cert } = testCertificate();
    const accepted: TLSSocket[] = [];
    const listener = createTlsServer({ key, cert }, (socket) => {
      accepted.push(socket);
      socket.on('error', () => {});
      socket.once('data', (request: Buffer) => {
        const keyLine = /sec-websocket-key: *(.*)\r\n/i.exec(request.toString('latin1'))![1]!;
        socket.write(acceptAnswer(keyLine));
        socket.pause();
      });
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => {
      for (const socket of accepted) socket.destroy();
      return new Promise<void>((resolve) => listener.close(() => resolve()));
    });
    const port = (listener.address() as AddressInfo).port;
    const client = recorder();
    const ws: Connection = await connect(`wss://127.0.0.1:${port}/`, {
      tls: { ca: cert },
      maxBackpressure: 1 * MiB,
      closeTimeout: 500,
      handler: client.handler,
    });
    const chunk = pattern(16 * KiB);
    const results: boolean[] = [];
    for (let i = 0; i < 8; i++) results.push(ws.send(chunk));
    assert.ok(results.includes(false), 'send() turned false');
    assert.ok(ws.bufferedAmount > 0);
    await until(() => client.events.some((e) => e.event === 'drain'), 'the drain callback');
    assert.equal(ws.bufferedAmount, 0);
    // The kernel's buffers take this much while the server does not read; then the limit.
    let pushed = 0;
    await until(() => {
      for (let i = 0; i < 16 && ws.readyState === ReadyState.OPEN; i++) {
        ws.send(chunk);
        pushed++;
      }
      return client.events.some((e) => e.event === 'close');
    }, 'the close callback');
    const closed = await client.closed;
    assert.equal(closed.code, 1008);
    assert.equal(closed.reason, 'backpressure limit exceeded');
    assert.ok(pushed > 0);
  });
});

/** The 101 answer for `key` (RFC 6455 §4.2.2). */
function acceptAnswer(key: string): string {
  const accept = createHash('sha1')
    .update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`)
    .digest('base64');
  return [
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Accept: ${accept}`,
    '',
    '',
  ].join('\r\n');
}

testNothingLeftOpen();
