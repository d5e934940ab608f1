/**
 * The WHATWG-compatible `WebSocket` class against a real `serve()` server on 127.0.0.1 (and a
 * raw TCP peer where a server must misbehave): constructor checks, open/message/close flows,
 * every `binaryType`, every kind of `send` argument, `close()` validation, failure reporting
 * (`error` then `close` 1006), `bufferedAmount`, and event handler attributes next to
 * `addEventListener`. Every server and socket is closed by its test.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server,
  type Socket,
} from 'node:net';
import { describe, test } from 'node:test';
import { runInNewContext } from 'node:vm';
import { computeAccept } from '../../src/core/ws/handshake-key.js';
import type { Connection } from '../../src/node/connection.js';
import {
  CloseEvent,
  MessageEvent,
  WebSocket,
  type WebSocketEventMap,
} from '../../src/node/websocket.js';
import {
  rejectUpgrade,
  type ServeOptions,
  serve,
  type WebSocketServer,
} from '../../src/node/websocket-server.js';
import { testCertificate } from '../helpers/tls-cert.js';
import { within } from '../helpers/within.js';

const LIMIT_MS = 10_000;

/** The next `type` event of `ws`. */
function next<K extends keyof WebSocketEventMap>(
  ws: WebSocket,
  type: K,
): Promise<WebSocketEventMap[K]> {
  return within(
    new Promise((resolve) => ws.addEventListener(type, resolve, { once: true })),
    LIMIT_MS,
    `a ${type} event`,
  );
}

/** Record every event of `ws` by type (and close code), in order. */
function eventLog(ws: WebSocket): string[] {
  const log: string[] = [];
  ws.addEventListener('open', () => log.push('open'));
  ws.addEventListener('message', () => log.push('message'));
  ws.addEventListener('error', () => log.push('error'));
  ws.addEventListener('close', (event) => log.push(`close ${event.code}`));
  return log;
}

/** What a server connection received. */
interface Received {
  readonly data: Buffer;
  readonly isBinary: boolean;
}

/** A server on 127.0.0.1 recording messages and closes; `reply` answers each message. */
async function recordingServer(
  options: Partial<ServeOptions> & {
    readonly reply?: (ws: Connection, data: Buffer, isBinary: boolean) => void;
    readonly onOpen?: (ws: Connection) => void;
  } = {},
): Promise<{
  server: WebSocketServer;
  url: string;
  received: Received[];
  closes: { code: number; reason: string }[];
  waitFor(count: number): Promise<void>;
}> {
  const received: Received[] = [];
  const closes: { code: number; reason: string }[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  const { reply, onOpen, ...serveOptions } = options;
  const server = await serve({
    port: 0,
    ...serveOptions,
    handler: {
      open(ws) {
        onOpen?.(ws);
      },
      message(ws, data, isBinary) {
        received.push({ data: Buffer.from(data), isBinary });
        if (waiter !== undefined && received.length >= waiter.count) waiter.resolve();
        reply?.(ws, data, isBinary);
      },
      close(_ws, code, reason) {
        closes.push({ code, reason });
      },
    },
  });
  const scheme = serveOptions.tls === undefined ? 'ws' : 'wss';
  return {
    server,
    url: `${scheme}://127.0.0.1:${server.address!.port}/`,
    received,
    closes,
    waitFor(count) {
      if (received.length >= count) return Promise.resolve();
      return within(
        new Promise<void>((resolve) => {
          waiter = { count, resolve };
        }),
        LIMIT_MS,
        `${count} server-side messages`,
      );
    },
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

function isDomException(name: string): (error: unknown) => boolean {
  return (error) => error instanceof DOMException && error.name === name;
}

describe('WebSocket: the constructor', () => {
  test('the ready-state constants are on the class and on instances, read-only', async () => {
    assert.deepEqual(
      [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED],
      [0, 1, 2, 3],
    );
    const { server, url } = await recordingServer();
    const ws = new WebSocket(url);
    assert.deepEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED], [0, 1, 2, 3]);
    assert.throws(() => {
      (WebSocket as unknown as { OPEN: number }).OPEN = 7;
    }, TypeError);
    assert.equal(WebSocket.OPEN, 1);
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    assert.equal(ws.binaryType, 'blob');
    assert.equal(ws.bufferedAmount, 0);
    assert.equal(ws.protocol, '');
    assert.equal(ws.extensions, '');
    assert.equal(Object.prototype.toString.call(ws), '[object WebSocket]');
    await next(ws, 'open');
    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('throws a SyntaxError DOMException for bad URLs and subprotocols, before connecting', () => {
    const cases: [string, string | string[] | undefined][] = [
      ['not a url', undefined],
      ['ftp://127.0.0.1/', undefined],
      ['file:///tmp/x', undefined],
      ['ws://127.0.0.1/#frag', undefined],
      ['ws://127.0.0.1/#', undefined], // an empty fragment is a fragment too
      ['ws://127.0.0.1/', ['chat', 'chat']],
      ['ws://127.0.0.1/', 'two words'],
      ['ws://127.0.0.1/', ''],
      ['ws://127.0.0.1/', ['chat', 'a,b']],
      ['ws://127.0.0.1/', ['caf\u00e9']],
    ];
    for (const [url, protocols] of cases) {
      assert.throws(
        () => new WebSocket(url, protocols),
        isDomException('SyntaxError'),
        `${url} ${JSON.stringify(protocols)}`,
      );
    }
  });

  test('http: and https: URLs map to ws: and wss:; url, protocol and origin are reported', async () => {
    const { server } = await recordingServer({ selectProtocol: (offered) => offered[1] });
    const port = server.address!.port;
    const ws = new WebSocket(`http://127.0.0.1:${port}/feed?x=1`, ['one', 'two']);
    assert.equal(ws.url, `ws://127.0.0.1:${port}/feed?x=1`);
    assert.throws(() => new WebSocket('https://127.0.0.1/#x'), isDomException('SyntaxError'));
    await next(ws, 'open');
    assert.equal(ws.protocol, 'two');
    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('Node-only options: headers reach the server; options may replace protocols', async () => {
    const seen: (string | undefined)[] = [];
    const server = await serve({
      port: 0,
      selectProtocol: (offered) => offered[0],
      handler: {
        upgrade(request) {
          seen.push(request.headers.get('x-token'));
        },
      },
    });
    const url = `ws://127.0.0.1:${server.address!.port}/`;
    const first = new WebSocket(url, [], { headers: { 'x-token': 'abc' } });
    const second = new WebSocket(url, { protocols: 'chat', headers: [['X-Token', 'def']] });
    await Promise.all([next(first, 'open'), next(second, 'open')]);
    assert.deepEqual(seen.sort(), ['abc', 'def']);
    assert.equal(second.protocol, 'chat');
    first.close();
    second.close();
    await Promise.all([next(first, 'close'), next(second, 'close')]);
    await server.close();
  });
});

describe('WebSocket: messages', () => {
  test('open, text echo, close: states, event order, MessageEvent and CloseEvent', async () => {
    const { server, url, closes } = await recordingServer({
      reply: (ws, data, isBinary) => ws.send(data, isBinary),
    });
    const ws = new WebSocket(url);
    const log = eventLog(ws);
    const states: number[] = [];
    ws.onopen = () => {
      states.push(ws.readyState);
      ws.send('héllo');
    };
    const message = await next(ws, 'message');
    assert.ok(message instanceof MessageEvent);
    assert.ok(message instanceof globalThis.MessageEvent, 'instanceof the global MessageEvent');
    assert.equal(message.type, 'message');
    assert.equal(message.data, 'héllo');
    assert.equal(message.origin, new URL(url).origin);
    assert.equal(message.target, ws);
    assert.equal(message.lastEventId, '');
    assert.equal(message.source, null);
    assert.deepEqual(message.ports, []);
    ws.close(1000, 'done');
    states.push(ws.readyState);
    const close = await next(ws, 'close');
    states.push(ws.readyState);
    assert.ok(close instanceof CloseEvent);
    assert.ok(close instanceof Event);
    assert.equal(close.code, 1000);
    assert.equal(close.wasClean, true);
    assert.deepEqual(states, [WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED]);
    assert.deepEqual(log, ['open', 'message', 'close 1000']);
    await server.close();
    assert.deepEqual(closes, [{ code: 1000, reason: 'done' }]);
  });

  test('binary messages follow binaryType: blob (default), arraybuffer, nodebuffer', async () => {
    const payload = Buffer.from([0, 1, 2, 250, 255]);
    const { server, url } = await recordingServer({
      reply: (ws) => {
        ws.send(payload, true);
        ws.send('text stays a string');
      },
    });
    const ws = new WebSocket(url);
    await next(ws, 'open');
    const got: unknown[] = [];
    ws.onmessage = (event) => got.push(event.data);
    const roundTrip = async (): Promise<void> => {
      const count = got.length;
      ws.send('again');
      while (got.length < count + 2) await next(ws, 'message');
    };

    assert.equal(ws.binaryType, 'blob');
    await roundTrip();
    assert.ok(got[0] instanceof Blob);
    assert.deepEqual(Buffer.from(await (got[0] as Blob).arrayBuffer()), payload);
    assert.equal(got[1], 'text stays a string');

    ws.binaryType = 'arraybuffer';
    await roundTrip();
    assert.ok(got[2] instanceof ArrayBuffer);
    assert.deepEqual(Buffer.from(got[2] as ArrayBuffer), payload);
    assert.equal(got[3], 'text stays a string');

    ws.binaryType = 'nodebuffer';
    ws.binaryType = 'bogus' as 'blob'; // Web IDL: an unknown enum value is ignored
    assert.equal(ws.binaryType, 'nodebuffer');
    await roundTrip();
    assert.ok(Buffer.isBuffer(got[4]));
    assert.deepEqual(got[4], payload);
    assert.equal(got[5], 'text stays a string');

    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('send takes strings, ArrayBuffers, views and Blobs, in order around a Blob', async () => {
    const { server, url, received, waitFor } = await recordingServer();
    const ws = new WebSocket(url);
    await next(ws, 'open');
    const bytes = new Uint8Array([10, 11, 12, 13, 14, 15]);
    ws.send('first');
    ws.send(bytes.buffer);
    ws.send(new Blob(['blob-', new Uint8Array([1, 2])]));
    // These wait behind the Blob: they are copied at send time, so the edit below is unseen.
    ws.send(bytes.subarray(2, 4));
    ws.send(new DataView(bytes.buffer, 1, 2));
    ws.send(new Blob([]));
    ws.send('last');
    ws.send(42 as unknown as string); // Web IDL converts anything else to a string
    bytes[2] = 99;
    await waitFor(8);
    assert.deepEqual(
      received.map((r) => [r.isBinary, [...r.data]]),
      [
        [false, [...Buffer.from('first')]],
        [true, [10, 11, 12, 13, 14, 15]],
        [true, [...Buffer.from('blob-'), 1, 2]],
        [true, [12, 13]],
        [true, [11, 12]],
        [true, []],
        [false, [...Buffer.from('last')]],
        [false, [...Buffer.from('42')]],
      ],
    );
    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('close() after a pending Blob send sends the Blob first', async () => {
    const { server, url, received, closes } = await recordingServer();
    const ws = new WebSocket(url);
    await next(ws, 'open');
    ws.send(new Blob(['blob']));
    ws.send('after');
    ws.close(4000, 'bye');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    const close = await next(ws, 'close');
    assert.equal(close.code, 4000);
    assert.equal(close.wasClean, true);
    assert.deepEqual(
      received.map((r) => r.data.toString()),
      ['blob', 'after'],
    );
    await server.close();
    assert.deepEqual(closes, [{ code: 4000, reason: 'bye' }]);
  });

  test('wss:// with Node-only TLS options', async () => {
    const { key, cert } = testCertificate();
    const { server, url } = await recordingServer({
      tls: { key, cert },
      reply: (ws, data, isBinary) => ws.send(data, isBinary),
    });
    const ws = new WebSocket(url.replace('127.0.0.1', 'localhost'), [], { tls: { ca: cert } });
    ws.binaryType = 'arraybuffer';
    await next(ws, 'open');
    ws.send(new Uint8Array([1, 2, 3]));
    const message = await next(ws, 'message');
    assert.deepEqual([...new Uint8Array(message.data as ArrayBuffer)], [1, 2, 3]);
    ws.close();
    assert.equal((await next(ws, 'close')).wasClean, true);
    await server.close();
  });
});

describe('WebSocket: send() and close() rules', () => {
  test('send while CONNECTING throws InvalidStateError', async () => {
    const { server, url } = await recordingServer();
    const ws = new WebSocket(url);
    assert.throws(() => ws.send('too early'), isDomException('InvalidStateError'));
    assert.throws(() => ws.send(new Uint8Array(1)), isDomException('InvalidStateError'));
    await next(ws, 'open');
    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('close() validates code (InvalidAccessError) and reason (SyntaxError) in any state', async () => {
    const { server, url, closes } = await recordingServer();
    const ws = new WebSocket(url);
    const invalidCodes = [0, 999, 1001, 1005, 1006, 2999, 5000, 65535, Number.NaN];
    const checkAll = (): void => {
      for (const code of invalidCodes) {
        assert.throws(() => ws.close(code), isDomException('InvalidAccessError'), `${code}`);
      }
      assert.throws(() => ws.close(1000, 'x'.repeat(124)), isDomException('SyntaxError'));
      assert.throws(() => ws.close(4000, 'é'.repeat(62)), isDomException('SyntaxError')); // 124 B
    };
    checkAll();
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    await next(ws, 'open');
    checkAll();
    assert.equal(ws.readyState, WebSocket.OPEN);
    // [Clamp]: 3000.5 rounds to the even 3000; a 123-byte reason is allowed.
    const reason = `${'é'.repeat(61)}!`;
    ws.close(3000.5, reason);
    const close = await next(ws, 'close');
    assert.equal(close.code, 3000);
    checkAll();
    ws.close(); // closing again does nothing
    await server.close();
    assert.deepEqual(closes, [{ code: 3000, reason }]);
  });

  test('close() with a reason and no code sends 1000; with neither, an empty close frame', async () => {
    const { server, url, closes } = await recordingServer();
    const a = new WebSocket(url);
    const b = new WebSocket(url);
    await Promise.all([next(a, 'open'), next(b, 'open')]);
    a.close(undefined, 'just a reason');
    b.close();
    const [closeA, closeB] = await Promise.all([next(a, 'close'), next(b, 'close')]);
    assert.equal(closeA.code, 1000);
    assert.equal(closeB.code, 1005); // RFC 6455 §7.1.5: no status code in the close frame
    await server.close();
    assert.deepEqual(closes.map((c) => `${c.code} ${c.reason}`).sort(), [
      '1000 just a reason',
      '1005 ',
    ]);
  });

  test('close() while CONNECTING fails the connection: error, then close 1006', async () => {
    const { server, url } = await recordingServer();
    const ws = new WebSocket(url);
    const log = eventLog(ws);
    ws.close();
    assert.equal(ws.readyState, WebSocket.CLOSING);
    const close = await next(ws, 'close');
    assert.equal(ws.readyState, WebSocket.CLOSED);
    assert.equal(close.code, 1006);
    assert.equal(close.wasClean, false);
    assert.deepEqual(log, ['error', 'close 1006']);
    await within(server.close(), LIMIT_MS, 'the server to close');
  });

  test('close() while CONNECTING drops the socket at once, not at the handshake timeout', async () => {
    // A server that accepts TCP and never answers the upgrade.
    const silent: Server = createNetServer();
    const accepted = new Promise<Socket>((resolve) => silent.once('connection', resolve));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const { port } = silent.address() as AddressInfo;
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`, [], { handshakeTimeout: 60_000 });
    const log = eventLog(ws);
    const closed = next(ws, 'close');
    try {
      const socket = await within(accepted, LIMIT_MS, 'the TCP connection');
      ws.close();
      await within(once(socket, 'close'), 5_000, 'the client dropping its socket');
      await closed;
      assert.deepEqual(log, ['error', 'close 1006']);
    } finally {
      (await accepted).destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  test('bufferedAmount counts a send after a drain nobody looked at from 0', async () => {
    const { server, url, waitFor } = await recordingServer();
    const ws = new WebSocket(url);
    await next(ws, 'open');
    ws.send(new Uint8Array(1000));
    await waitFor(1);
    await new Promise((resolve) => setImmediate(resolve));
    ws.send('x');
    assert.equal(ws.bufferedAmount, 1);
    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('with readBuffer, kept nodebuffer and arraybuffer data is never overwritten', async () => {
    let count = 0;
    const { server, url } = await recordingServer({
      reply: (ws) => {
        count++;
        ws.send(Buffer.alloc(4, count % 2 === 1 ? 'A' : 'B'), true);
      },
    });
    for (const binaryType of ['nodebuffer', 'arraybuffer'] as const) {
      const ws = new WebSocket(url, [], { readBuffer: 64 * 1024 });
      ws.binaryType = binaryType;
      await next(ws, 'open');
      const kept: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        ws.send('go');
        kept.push((await next(ws, 'message')).data);
      }
      assert.deepEqual(
        kept.map((data) => Buffer.from(data as ArrayBuffer).toString()),
        ['AAAA', 'BBBB'],
      );
      ws.close();
      await next(ws, 'close');
    }
    await server.close();
  });

  test('an ArrayBuffer from another realm is sent as binary', async () => {
    const { server, url, waitFor, received } = await recordingServer();
    const ws = new WebSocket(url);
    await next(ws, 'open');
    ws.send(runInNewContext('new Uint8Array([1, 2, 3]).buffer') as ArrayBuffer);
    await waitFor(1);
    assert.deepEqual(received[0], { data: Buffer.from([1, 2, 3]), isBinary: true });
    ws.close();
    await next(ws, 'close');
    await server.close();
  });

  test('bufferedAmount: counts queued bytes, drains to 0, and only grows once closing', async () => {
    const { server, url, waitFor } = await recordingServer();
    const ws = new WebSocket(url);
    await next(ws, 'open');
    assert.equal(ws.bufferedAmount, 0);
    ws.send('héllo'); // 6 UTF-8 bytes; frame headers are not counted
    ws.send(new Uint8Array(10));
    ws.send(new Blob(['12345']));
    ws.send('z');
    assert.equal(ws.bufferedAmount, 22);
    await waitFor(4);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ws.bufferedAmount, 0);

    ws.close();
    ws.send('abc'); // CLOSING: dropped, counted
    assert.equal(ws.bufferedAmount, 3);
    await next(ws, 'close');
    ws.send(new Uint8Array(4));
    ws.send(new Blob(['xy']));
    ws.send(new ArrayBuffer(1));
    assert.equal(ws.bufferedAmount, 10);
    await server.close();
    assert.equal(ws.bufferedAmount, 10);
  });
});

describe('WebSocket: closing and failures', () => {
  test('a server-initiated close gives its code and reason, cleanly, without an error', async () => {
    const { server, url } = await recordingServer({
      onOpen: (ws) => ws.close(4001, 'server says bye'),
    });
    const ws = new WebSocket(url);
    const log = eventLog(ws);
    const close = await next(ws, 'close');
    assert.equal(close.code, 4001);
    assert.equal(close.reason, 'server says bye');
    assert.equal(close.wasClean, true);
    assert.equal(ws.readyState, WebSocket.CLOSED);
    assert.deepEqual(log, ['open', 'close 4001']);
    await server.close();
  });

  test('a dropped connection closes with 1006, not cleanly', async () => {
    const { server, url } = await recordingServer({ onOpen: (ws) => ws.terminate() });
    const ws = new WebSocket(url);
    const log = eventLog(ws);
    const close = await next(ws, 'close');
    assert.equal(close.code, 1006);
    assert.equal(close.wasClean, false);
    assert.equal(close.reason, '');
    assert.deepEqual(log, ['open', 'close 1006']);
    await server.close();
  });

  test('connection refused: error, then close 1006 not clean, readyState CLOSED in both', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${await closedPort()}/`);
    const seen: string[] = [];
    ws.onerror = function (event) {
      assert.equal(this, ws);
      assert.equal(event.constructor, Event);
      seen.push(`error ${this.readyState}`);
    };
    ws.onclose = (event) => seen.push(`close ${event.code} ${event.wasClean} ${ws.readyState}`);
    await next(ws, 'close');
    assert.deepEqual(seen, ['error 3', 'close 1006 false 3']);
    assert.throws(() => ws.close(1001), isDomException('InvalidAccessError'));
    ws.close(); // nothing to do
  });

  test('a refused upgrade (403) fails the connection: error, then close 1006', async () => {
    const server = await serve({
      port: 0,
      handler: {
        upgrade() {
          throw rejectUpgrade(403, 'not you');
        },
      },
    });
    const ws = new WebSocket(`ws://127.0.0.1:${server.address!.port}/`);
    const log = eventLog(ws);
    await next(ws, 'close');
    assert.deepEqual(log, ['error', 'close 1006']);
    await server.close();
  });

  test('a requested subprotocol the server does not acknowledge fails the connection', async () => {
    const { server, url } = await recordingServer(); // selects no subprotocol
    const ws = new WebSocket(url, 'chat');
    const log = eventLog(ws);
    await next(ws, 'close');
    assert.deepEqual(log, ['error', 'close 1006']);
    assert.equal(ws.protocol, '');
    await within(server.close(), LIMIT_MS, 'the server to close');
  });

  test('invalid UTF-8 from the server fails the connection: error, then close 1006', async () => {
    const peer = await rawPeer((socket) => {
      socket.write(Buffer.from([0x81, 0x02, 0xc3, 0x28])); // text frame, invalid UTF-8
    });
    const ws = new WebSocket(`ws://127.0.0.1:${peer.port}/`);
    const log = eventLog(ws);
    const close = await next(ws, 'close');
    assert.equal(close.wasClean, false);
    assert.deepEqual(log, ['open', 'error', 'close 1006']);
    // The client still told the server why, with 1007 (RFC 6455 §8.1).
    const frames = await within(peer.receivedFromClient, LIMIT_MS, 'the client close frame');
    assert.equal(frames[0], 0x88);
    await peer.close();
  });
});

describe('WebSocket: event handlers', () => {
  test('on<event> attributes and addEventListener both fire, with this = the WebSocket', async () => {
    const { server, url } = await recordingServer({ reply: (ws) => ws.send('pong') });
    const ws = new WebSocket(url);
    const calls: string[] = [];
    const thisValues: unknown[] = [];
    ws.addEventListener('message', function (this: WebSocket) {
      thisValues.push(this);
      calls.push('listener 1');
    });
    ws.onmessage = function () {
      thisValues.push(this);
      calls.push('onmessage A');
    };
    ws.addEventListener('message', { handleEvent: () => calls.push('listener object') });
    // Replacing the handler keeps its place among the listeners (HTML event handlers).
    const handlerB = function (this: WebSocket): void {
      thisValues.push(this);
      calls.push('onmessage B');
    };
    ws.onmessage = handlerB;
    assert.equal(ws.onmessage, handlerB);
    ws.onopen = function () {
      thisValues.push(this);
      this.send('ping');
    };
    await next(ws, 'message');
    assert.deepEqual(calls, ['listener 1', 'onmessage B', 'listener object']);
    assert.ok(thisValues.every((value) => value === ws));
    assert.equal(thisValues.length, 3);

    ws.onmessage = null;
    assert.equal(ws.onmessage, null);
    calls.length = 0;
    ws.send('ping');
    await next(ws, 'message');
    assert.deepEqual(calls, ['listener 1', 'listener object']);

    ws.onmessage = handlerB; // registered anew: now last
    calls.length = 0;
    ws.send('ping');
    await next(ws, 'message');
    assert.deepEqual(calls, ['listener 1', 'listener object', 'onmessage B']);

    let closes = 0;
    const onClose = (): void => {
      closes++;
    };
    ws.addEventListener('close', onClose);
    ws.addEventListener('close', onClose); // the same listener is added once
    ws.onclose = onClose;
    ws.close();
    await next(ws, 'close');
    assert.equal(closes, 2);
    await server.close();
  });
});

/**
 * A raw WebSocket server that answers the handshake of one client, runs `afterHandshake`, and
 * collects what the client sends afterwards until the client closes.
 */
async function rawPeer(afterHandshake: (socket: Socket) => void): Promise<{
  port: number;
  receivedFromClient: Promise<Buffer>;
  close(): Promise<void>;
}> {
  let resolveReceived!: (bytes: Buffer) => void;
  const receivedFromClient = new Promise<Buffer>((resolve) => {
    resolveReceived = resolve;
  });
  const sockets = new Set<Socket>();
  const server: Server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = Buffer.alloc(0);
    const afterHead: Buffer[] = [];
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) {
        afterHead.push(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const text = head.toString('latin1');
      if (!text.includes('\r\n\r\n')) return;
      upgraded = true;
      const key = /sec-websocket-key:\s*(\S+)/i.exec(text)?.[1] ?? '';
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          `Sec-WebSocket-Accept: ${computeAccept(key)}\r\n\r\n`,
      );
      afterHandshake(socket);
    });
    socket.on('end', () => {
      resolveReceived(Buffer.concat(afterHead));
      socket.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    receivedFromClient,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
