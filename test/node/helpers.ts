/**
 * Shared helpers for the Node adapter tests: a raw TCP peer that speaks the opening handshake
 * and RFC 6455 frames byte by byte (so a test can misbehave on purpose), a server-frame
 * parser, recording handlers, and small promise utilities. Everything binds to 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { type AddressInfo, connect as netConnect, type Socket } from 'node:net';
import { test } from 'node:test';
import type { Connection, ConnectionHandler } from '../../src/node/connection.js';
import { clientFrame } from '../core/ws/helpers.js';
import { within } from '../helpers/within.js';

/** A promise with its resolve function outside. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** The shared timeout helper, here too for the tests that import their helpers from here. */
export { within };

/** Resolve on the next macrotask turn (lets socket events run). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Listen on 127.0.0.1 with a free port and return the port. */
export async function listenLocal(server: HttpServer | HttpsServer): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** Close an `http`/`https` server, dropping its idle keep-alive sockets. */
export async function closeHttp(server: HttpServer | HttpsServer): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}

/** A TCP connection to 127.0.0.1:`port`, resolved once connected. */
export async function rawSocket(port: number): Promise<Socket> {
  const socket = netConnect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  return socket;
}

/** Everything a socket receives until it closes, as one buffer. */
export async function readAll(socket: Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  await once(socket, 'close');
  return Buffer.concat(chunks);
}

/** Send `request` on a fresh connection and return the whole answer (until the server closes). */
export async function rawExchange(port: number, request: string | Buffer): Promise<string> {
  const socket = await rawSocket(port);
  const answer = readAll(socket);
  socket.write(request);
  return (await answer).toString('latin1');
}

/** A valid `Sec-WebSocket-Key` (the RFC 6455 §1.3 sample) and its accept value. */
export const SAMPLE_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
export const SAMPLE_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';

/** An upgrade request head, with fields replaced or removed (`undefined`) by `overrides`. */
export function upgradeRequest(
  options: {
    readonly method?: string;
    readonly target?: string;
    readonly version?: string;
    readonly overrides?: Readonly<Record<string, string | undefined>>;
  } = {},
): string {
  const fields: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': SAMPLE_KEY,
    'Sec-WebSocket-Version': '13',
    ...options.overrides,
  };
  const lines = [
    `${options.method ?? 'GET'} ${options.target ?? '/'} HTTP/${options.version ?? '1.1'}`,
  ];
  for (const [name, value] of Object.entries(fields))
    if (value !== undefined) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A frame parsed from what a server sent (servers never mask, RFC 6455 §5.1). */
export interface ServerFrame {
  readonly fin: boolean;
  readonly opcode: number;
  readonly masked: boolean;
  readonly payload: Buffer;
}

/**
 * A raw WebSocket client on a plain TCP socket: it sends the upgrade request (plus any bytes
 * given in `withRequest`), checks nothing, and parses whatever frames follow the answer's head.
 */
export class RawClient {
  readonly socket: Socket;
  /** The answer's head (status line and fields), once received. */
  head = '';
  readonly frames: ServerFrame[] = [];
  readonly #headReceived = deferred<string>();
  readonly closed: Promise<void>;
  #buffer: Buffer = Buffer.alloc(0);
  #inHead = true;
  #waiters: { count: number; resolve: () => void }[] = [];
  /** Bytes received after the head. */
  received = 0;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    this.closed = once(socket, 'close').then(() => {
      this.#headReceived.reject(new Error('closed before the answer head'));
    });
    this.#headReceived.promise.catch(() => {});
  }

  /** Connect, send the upgrade request (and `withRequest` in the same write), wait for the head. */
  static async open(
    port: number,
    options: { readonly request?: string; readonly withRequest?: Uint8Array } = {},
  ): Promise<RawClient> {
    const socket = await rawSocket(port);
    const client = new RawClient(socket);
    const request = Buffer.from(options.request ?? upgradeRequest(), 'latin1');
    socket.write(
      options.withRequest === undefined ? request : Buffer.concat([request, options.withRequest]),
    );
    await within(client.#headReceived.promise, 5_000, 'the upgrade answer');
    return client;
  }

  /** Send a masked client frame. */
  sendFrame(opcode: number, payload: Uint8Array | string = '', fin = true): void {
    this.socket.write(clientFrame({ opcode, payload, fin }));
  }

  /** Resolve once at least `count` frames have been parsed. */
  waitForFrames(count: number): Promise<void> {
    if (this.frames.length >= count) return Promise.resolve();
    const waiter = deferred<void>();
    this.#waiters.push({ count, resolve: waiter.resolve });
    return within(waiter.promise, 10_000, `${count} frames (have ${this.frames.length})`);
  }

  #onData(chunk: Buffer): void {
    if (this.#inHead) {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      this.head = this.#buffer.subarray(0, end).toString('latin1');
      this.#inHead = false;
      const rest = this.#buffer.subarray(end + 4);
      this.#buffer = Buffer.alloc(0);
      this.#headReceived.resolve(this.head);
      if (rest.length > 0) this.#onFrames(rest);
      return;
    }
    this.#onFrames(chunk);
  }

  #onFrames(chunk: Buffer): void {
    this.received += chunk.length;
    let buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    for (;;) {
      const frame = parseServerFrame(buffer);
      if (frame === undefined) break;
      this.frames.push(frame.frame);
      buffer = buffer.subarray(frame.size);
    }
    // Keep only the unparsed tail (copied, so the big chunk it came from can be freed).
    this.#buffer = Buffer.from(buffer);
    const ready = this.#waiters.filter((w) => this.frames.length >= w.count);
    this.#waiters = this.#waiters.filter((w) => this.frames.length < w.count);
    for (const w of ready) w.resolve();
  }
}

/** Parse one frame at the start of `bytes`, or `undefined` if it is incomplete. */
export function parseServerFrame(bytes: Buffer): { frame: ServerFrame; size: number } | undefined {
  if (bytes.length < 2) return undefined;
  const b0 = bytes[0]!;
  const b1 = bytes[1]!;
  let length = b1 & 0x7f;
  let at = 2;
  if (length === 126) {
    if (bytes.length < 4) return undefined;
    length = bytes.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (bytes.length < 10) return undefined;
    length = Number(bytes.readBigUInt64BE(2));
    at = 10;
  }
  const masked = (b1 & 0x80) !== 0;
  if (masked) at += 4;
  if (bytes.length < at + length) return undefined;
  return {
    frame: {
      fin: (b0 & 0x80) !== 0,
      opcode: b0 & 0x0f,
      masked,
      payload: Buffer.from(bytes.subarray(at, at + length)),
    },
    size: at + length,
  };
}

/** The status code of a close frame's payload (1005 when empty, RFC 6455 §7.1.5). */
export function closeCodeOf(payload: Buffer): number {
  return payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
}

/** One callback a {@link recordingHandler} saw. */
export type Recorded =
  | { readonly event: 'open' }
  | { readonly event: 'message'; readonly data: Buffer; readonly isBinary: boolean }
  | { readonly event: 'ping' | 'pong'; readonly data: Buffer }
  | { readonly event: 'drain' }
  | {
      readonly event: 'close';
      readonly code: number;
      readonly reason: string;
      readonly wasClean: boolean;
    };

/** A handler that records every callback, with promises for the first open and close. */
export interface Recorder<Data> {
  readonly handler: ConnectionHandler<Data>;
  readonly events: Recorded[];
  readonly opened: Promise<Connection<Data>>;
  readonly closed: Promise<Extract<Recorded, { event: 'close' }>>;
  /** Messages so far. */
  messages(): Extract<Recorded, { event: 'message' }>[];
}

export function recorder<Data = unknown>(extra: ConnectionHandler<Data> = {}): Recorder<Data> {
  const events: Recorded[] = [];
  const opened = deferred<Connection<Data>>();
  const closed = deferred<Extract<Recorded, { event: 'close' }>>();
  const handler: ConnectionHandler<Data> = {
    open(ws) {
      events.push({ event: 'open' });
      opened.resolve(ws);
      extra.open?.(ws);
    },
    message(ws, data, isBinary) {
      events.push({ event: 'message', data: Buffer.from(data), isBinary });
      extra.message?.(ws, data, isBinary);
    },
    ping(ws, data) {
      events.push({ event: 'ping', data: Buffer.from(data) });
      extra.ping?.(ws, data);
    },
    pong(ws, data) {
      events.push({ event: 'pong', data: Buffer.from(data) });
      extra.pong?.(ws, data);
    },
    drain(ws) {
      events.push({ event: 'drain' });
      extra.drain?.(ws);
    },
    close(ws, code, reason, wasClean) {
      const record = { event: 'close', code, reason, wasClean } as const;
      events.push(record);
      closed.resolve(record);
      extra.close?.(ws, code, reason, wasClean);
    },
  };
  return {
    handler,
    events,
    // Getters: the bounding timer starts only when a test waits.
    get opened() {
      return within(opened.promise, 10_000, 'open');
    },
    get closed() {
      return within(closed.promise, 10_000, 'close');
    },
    messages: () => events.filter((e) => e.event === 'message'),
  };
}

/** Wait until `predicate()` holds, checking after each turn of the event loop. */
export async function until(
  predicate: () => boolean,
  what = 'a condition',
  ms = 10_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Takes `process`'s `uncaughtException` listeners away (the test runner's among them) until
 * `count` errors have arrived, so that errors a test provokes on purpose are collected here.
 */
export function collectUncaught(count: number): Promise<unknown[]> {
  const saved = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  const errors: unknown[] = [];
  const done = deferred<unknown[]>();
  const restore = (): void => {
    process.removeListener('uncaughtException', onError);
    for (const listener of saved) process.on('uncaughtException', listener);
  };
  const onError = (error: unknown): void => {
    errors.push(error);
    if (errors.length === count) {
      restore();
      done.resolve(errors);
    }
  };
  process.on('uncaughtException', onError);
  return within(done.promise, 10_000, `${count} uncaught error(s)`).catch((error: unknown) => {
    restore();
    throw error;
  });
}

/**
 * Register a file's last test (node:test runs a file's tests in order): every socket, server
 * and TLS session the tests above opened is closed, or the test process would not exit by
 * itself.
 */
export function testNothingLeftOpen(): void {
  test('no sockets, servers or TLS sessions remain open', async () => {
    const open = (): string[] =>
      process.getActiveResourcesInfo().filter((r) => /^(TCP|TLS)/.test(r));
    await until(() => open().length === 0, 'every handle to close');
    assert.deepEqual(open(), []);
  });
}
