/**
 * The reconnect helper against a real `serve()` server on 127.0.0.1: reconnects after a
 * dropped connection and after a 1001 close, `onConnect` resending a subscription, one message
 * handler across connections, no reconnect after the user's `close()`, the backoff sequence
 * (with an injected random source, never measuring time), giving up, and the send queue.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type AddressInfo, createServer as createNetServer, type Socket } from 'node:net';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { reconnectDelay, reconnecting } from '../../src/node/reconnecting.js';
import {
  type ServerHandler,
  serve,
  type WebSocketServer,
} from '../../src/node/websocket-server.js';
import { collectUncaught, within } from './helpers.js';

const LIMIT_MS = 10_000;

/** A condition to wait for, signalled by whoever makes it true. */
class Signal {
  #waiters: { test: () => boolean; resolve: () => void }[] = [];

  /** Resolve once `test()` holds (checked now and on every `notify()`). */
  when(test: () => boolean, what: string): Promise<void> {
    if (test()) return Promise.resolve();
    return within(
      new Promise<void>((resolve) => {
        this.#waiters.push({ test, resolve });
      }),
      LIMIT_MS,
      what,
    );
  }

  notify(): void {
    const ready = this.#waiters.filter((w) => w.test());
    this.#waiters = this.#waiters.filter((w) => !w.test());
    for (const w of ready) w.resolve();
  }
}

/** A server that records opens and messages (text) per connection and notifies `signal`. */
async function recordingServer(extra: ServerHandler<number> = {}): Promise<{
  server: WebSocketServer<number>;
  url: string;
  opened: number[];
  messages: { connection: number; text: string }[];
  closes: number[];
  signal: Signal;
}> {
  const signal = new Signal();
  const opened: number[] = [];
  const messages: { connection: number; text: string }[] = [];
  const closes: number[] = [];
  let next = 0;
  const server = await serve<number>({
    port: 0,
    handler: {
      upgrade: () => ++next,
      open(ws) {
        opened.push(ws.data);
        extra.open?.(ws);
        signal.notify();
      },
      message(ws, data, isBinary) {
        messages.push({
          connection: ws.data,
          text: isBinary ? `binary ${[...data].join(',')}` : data.toString(),
        });
        extra.message?.(ws, data, isBinary);
        signal.notify();
      },
      close(ws, code, reason, wasClean) {
        closes.push(code);
        extra.close?.(ws, code, reason, wasClean);
        signal.notify();
      },
    },
  });
  return {
    server,
    url: `ws://127.0.0.1:${server.address!.port}/`,
    opened,
    messages,
    closes,
    signal,
  };
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('reconnectDelay: exponential backoff with full jitter', () => {
  test('is random() times min(maxDelay, initialDelay * factor^(attempt-1)), floored', () => {
    const half = (): number => 0.5;
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => reconnectDelay(n, { initialDelay: 100, maxDelay: 1000 }, half)),
      [50, 100, 200, 400, 500],
    );
    assert.equal(
      reconnectDelay(3, { initialDelay: 10, factor: 3 }, () => 0.999),
      89,
    );
    assert.equal(
      reconnectDelay(7, {}, () => 0),
      0,
    );
    // Defaults: 100 ms, factor 2, at most 30 s.
    assert.equal(reconnectDelay(1, {}, half), 50);
    assert.equal(reconnectDelay(4, {}, half), 400);
    assert.equal(reconnectDelay(40, {}, half), 15_000);
    assert.equal(
      reconnectDelay(40, {}, () => 0.9999999),
      29_999,
    );
    // Full jitter: every draw lies in [0, ceiling).
    for (let i = 0; i < 1000; i++) {
      const delay = reconnectDelay(3, { initialDelay: 100 });
      assert.ok(delay >= 0 && delay < 400, `${delay}`);
    }
  });

  test('the helper retries with the computed delays and gives up after maxAttempts', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}/`;
    const scheduled: [number, number][] = [];
    const errors: unknown[] = [];
    let stopped = 0;
    const client = reconnecting(url, {
      initialDelay: 4,
      maxDelay: 20,
      factor: 2,
      maxAttempts: 4,
      random: () => 0.5,
      onReconnecting: (attempt, delay) => scheduled.push([attempt, delay]),
      onError: (error) => errors.push(error),
      onClose: () => stopped++,
    });
    await within(client.closed, LIMIT_MS, 'the helper to give up');
    assert.deepEqual(scheduled, [
      [1, 2],
      [2, 4],
      [3, 8],
      [4, 10],
    ]);
    assert.equal(errors.length, 5, 'the first connect and four retries failed');
    assert.ok(
      errors.every((e) => e instanceof WirekitError && e.code === ErrorCode.CONNECTION_LOST),
    );
    assert.equal(stopped, 1);
    assert.equal(client.connection, undefined);
  });
});

describe('reconnecting: staying connected', () => {
  test('after a dropped connection it reconnects and onConnect resubscribes', async () => {
    let ticks = 0;
    const { server, url, messages, signal } = await recordingServer({
      message(ws, data) {
        const text = data.toString();
        if (text === 'subscribe') ws.send(`tick ${++ticks}`);
        // The first connection drops (no close frame) once the client acknowledged its tick.
        if (text === 'ack tick 1') ws.terminate();
      },
    });
    const received: string[] = [];
    const connections = new Set<Connection<undefined>>();
    const scheduled: number[] = [];
    const client = reconnecting(url, {
      random: () => 0,
      onConnect(connection) {
        connections.add(connection);
        connection.send('subscribe');
      },
      onReconnecting: (attempt) => scheduled.push(attempt),
      handler: {
        message(connection, data) {
          received.push(data.toString());
          connection.send(`ack ${data.toString()}`);
        },
      },
    });
    await signal.when(
      () => messages.some((m) => m.text === 'ack tick 2'),
      'the second subscription and its tick',
    );
    assert.deepEqual(
      messages.filter((m) => m.text === 'subscribe').map((m) => m.connection),
      [1, 2],
      'each connection subscribed once',
    );
    assert.deepEqual(received, ['tick 1', 'tick 2'], 'one handler got messages of both');
    assert.equal(connections.size, 2);
    assert.deepEqual(scheduled, [1]);
    assert.ok(client.connection !== undefined && connections.has(client.connection));
    client.close();
    await within(client.closed, LIMIT_MS, 'close');
    await server.close();
  });

  test('after the server closes with 1001 it reconnects', async () => {
    const { server, url, opened, signal } = await recordingServer({
      open(ws) {
        if (ws.data === 1) ws.close(1001, 'restarting');
      },
    });
    const drops: string[] = [];
    const clientSide = new Signal();
    let connects = 0;
    const client = reconnecting(url, {
      random: () => 0,
      onConnect: () => {
        connects++;
        clientSide.notify();
      },
      handler: { close: (_ws, code, reason) => drops.push(`${code} ${reason}`) },
    });
    await signal.when(() => opened.length === 2, 'the second connection');
    await clientSide.when(() => connects === 2, 'the second onConnect');
    assert.deepEqual(drops, ['1001 restarting']);
    client.close(1000);
    await within(client.closed, LIMIT_MS, 'close');
    assert.deepEqual(drops, ['1001 restarting', '1000 ']);
    await server.close();
  });

  test('after the user closes, nothing reconnects', async () => {
    const { server, url, opened, signal } = await recordingServer();
    let reconnects = 0;
    let stopped = 0;
    let connected!: () => void;
    const firstConnect = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const client = reconnecting(url, {
      random: () => 0, // a reconnect, if any, would be due at once
      onConnect: () => connected(),
      onReconnecting: () => reconnects++,
      onClose: () => stopped++,
    });
    await within(firstConnect, LIMIT_MS, 'the first connection');
    client.close(1000, 'bye');
    await within(client.closed, LIMIT_MS, 'close');
    // A marker connection made after the close: by the time the server sees it, a reconnect
    // due after 0 ms would have been seen first.
    const marker = await connect(url);
    await signal.when(() => opened.length >= 2, 'the marker connection');
    assert.deepEqual(opened, [1, 2], 'the second connection is the marker, not a reconnect');
    assert.equal(reconnects, 0);
    assert.equal(stopped, 1);
    assert.equal(client.connection, undefined);
    assert.throws(
      () => client.send('late'),
      (e) => e instanceof WirekitError && e.code === ErrorCode.WS_SEND_AFTER_CLOSE,
    );
    marker.close();
    await server.close();
  });

  test('close() during the backoff wait cancels the reconnect at once', async () => {
    const url = `ws://127.0.0.1:${await closedPort()}/`;
    let scheduled!: (delay: number) => void;
    const waiting = new Promise<number>((resolve) => {
      scheduled = resolve;
    });
    const client = reconnecting(url, {
      initialDelay: 60_000,
      maxDelay: 60_000,
      random: () => 0.5,
      onReconnecting: (_attempt, delay) => scheduled(delay),
    });
    assert.equal(await within(waiting, LIMIT_MS, 'the first retry to be scheduled'), 30_000);
    client.close();
    // Resolves without waiting for the 30 s timer, which no longer holds the process.
    await within(client.closed, 2_000, 'close');
    assert.equal(client.attempt, 1);
  });

  test('close() while connecting cancels the attempt: nothing opens, nothing reconnects', async () => {
    const { server, url, closes, opened } = await recordingServer();
    let connects = 0;
    let errors = 0;
    const client = reconnecting(url, { onConnect: () => connects++, onError: () => errors++ });
    client.close(4000, 'changed my mind');
    await within(client.closed, LIMIT_MS, 'close');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(opened, []);
    assert.deepEqual(closes, []);
    assert.equal(connects, 0);
    assert.equal(errors, 0);
    assert.equal(client.connection, undefined);
    await server.close();
  });

  test('close() against a server that never answers drops the socket at once', async () => {
    const silent = createNetServer();
    const accepted = new Promise<Socket>((resolve) => silent.once('connection', resolve));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const client = reconnecting(`ws://127.0.0.1:${port}/`, { handshakeTimeout: 60_000 });
    const socket = await within(accepted, LIMIT_MS, 'the TCP connection');
    try {
      client.close();
      await within(client.closed, LIMIT_MS, 'the helper to stop');
      await within(once(socket, 'close'), 5_000, 'the client dropping its socket');
    } finally {
      socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('an aborted signal stops the helper for good, like close()', async () => {
    const port = await closedPort();
    const controller = new AbortController();
    let errors = 0;
    let reconnects = 0;
    const client = reconnecting(`ws://127.0.0.1:${port}/`, {
      signal: controller.signal,
      random: () => 0,
      onError: () => errors++,
      onReconnecting: () => {
        reconnects++;
        if (reconnects === 3) controller.abort();
      },
    });
    await within(client.closed, LIMIT_MS, 'the helper to stop');
    assert.equal(reconnects, 3);
    assert.ok(errors <= 4, `${errors} errors`);
    // Already aborted: it never starts.
    const never = reconnecting(`ws://127.0.0.1:${port}/`, { signal: controller.signal });
    await within(never.closed, LIMIT_MS, 'an already aborted helper to stop');
  });

  test('close() from onError: onReconnecting is not called afterwards', async () => {
    const port = await closedPort();
    const order: string[] = [];
    const client = reconnecting(`ws://127.0.0.1:${port}/`, {
      onError: () => {
        order.push('error');
        client.close();
      },
      onClose: () => order.push('close'),
      onReconnecting: () => order.push('reconnecting'),
    });
    await within(client.closed, LIMIT_MS, 'the helper to stop');
    assert.deepEqual(order, ['error', 'close']);
  });

  test('a shouldReconnect that throws stops the helper; the error surfaces', async () => {
    const uncaught = collectUncaught(1);
    const { server, url } = await recordingServer({ open: (ws) => ws.close(4001, 'bye') });
    const client = reconnecting(url, {
      shouldReconnect: () => {
        throw new Error('bug in shouldReconnect');
      },
    });
    await within(client.closed, LIMIT_MS, 'the helper to stop');
    assert.equal(((await uncaught)[0] as Error).message, 'bug in shouldReconnect');
    await server.close();
  });

  test('without handler.message, messages are iterable on the connection', async () => {
    const { server, url } = await recordingServer({ open: (ws) => ws.send('hello') });
    let reconnectingClient: ReturnType<typeof reconnecting> | undefined;
    const got = new Promise<string>((resolve) => {
      reconnectingClient = reconnecting(url, {
        onConnect: (connection) => {
          void (async () => {
            for await (const { data } of connection) {
              resolve(data.toString());
              break;
            }
          })();
        },
      });
    });
    assert.equal(await within(got, LIMIT_MS, 'an iterated message'), 'hello');
    reconnectingClient!.close();
    await within(reconnectingClient!.closed, LIMIT_MS, 'the helper to stop');
    await server.close();
  });

  test('shouldReconnect can refuse: the helper then stops', async () => {
    const { server, url, opened } = await recordingServer({
      open: (ws) => ws.close(4003, 'banned'),
    });
    let stopped = 0;
    const client = reconnecting(url, {
      random: () => 0,
      shouldReconnect: (code) => code !== 4003,
      onClose: () => stopped++,
    });
    await within(client.closed, LIMIT_MS, 'the helper to stop');
    assert.equal(stopped, 1);
    assert.deepEqual(opened, [1]);
    await server.close();
  });

  test('the backoff grows while connections do not last, and resets after resetAfter', async () => {
    const run = async (resetAfter: number): Promise<number[]> => {
      // Each of the first three connections is closed by the server right away.
      const { server, url, opened, signal } = await recordingServer({
        open(ws) {
          if (ws.data <= 3) ws.close(1001);
        },
      });
      const attempts: number[] = [];
      const client = reconnecting(url, {
        random: () => 0,
        resetAfter,
        onReconnecting: (attempt) => attempts.push(attempt),
      });
      await signal.when(() => opened.length === 4, 'the fourth connection');
      client.close();
      await within(client.closed, LIMIT_MS, 'close');
      await server.close();
      return attempts;
    };
    assert.deepEqual(await run(1e9), [1, 2, 3]);
    assert.deepEqual(await run(0), [1, 1, 1]);
  });
});

describe('reconnecting: sends while disconnected', () => {
  test('are queued (copied) and sent after onConnect, in order', async () => {
    const { server, url, messages, signal } = await recordingServer();
    const client = reconnecting(url, {
      onConnect: (connection) => connection.send('subscribe'),
    });
    const bytes = new Uint8Array([1, 2, 3]);
    assert.equal(client.send('queued text'), false);
    assert.equal(client.send(bytes), false);
    bytes[0] = 9; // the queue holds a copy
    assert.equal(client.queuedBytes, 11 + 3);
    await signal.when(() => messages.length === 3, 'three messages');
    assert.deepEqual(
      messages.map((m) => m.text),
      ['subscribe', 'queued text', 'binary 1,2,3'],
    );
    assert.equal(client.queuedBytes, 0);
    assert.equal(client.send('direct'), true);
    await signal.when(() => messages.length === 4, 'the direct message');
    client.close();
    await within(client.closed, LIMIT_MS, 'close');
    await server.close();
  });

  test('past maxQueuedBytes (or with 0) a send throws ERR_CONNECTION_LOST', async () => {
    const { server, url } = await recordingServer();
    const notConnected = (e: unknown): boolean =>
      e instanceof WirekitError && e.code === ErrorCode.CONNECTION_LOST;
    const bounded = reconnecting(url, { maxQueuedBytes: 10 });
    bounded.send('12345678');
    assert.throws(() => bounded.send('abc'), notConnected);
    assert.equal(bounded.queuedBytes, 8);
    const unqueued = reconnecting(url, { maxQueuedBytes: 0 });
    assert.throws(() => unqueued.send('x'), notConnected);
    assert.throws(
      () => unqueued.close(1005),
      (e) => e instanceof WirekitError && e.code === ErrorCode.WS_INVALID_CLOSE_CODE,
    );
    bounded.close();
    unqueued.close();
    assert.equal(bounded.queuedBytes, 0, 'close() drops the queue');
    await within(Promise.all([bounded.closed, unqueued.closed]), LIMIT_MS, 'both to close');
    await server.close();
  });
});
