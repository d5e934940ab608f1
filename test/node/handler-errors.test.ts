/**
 * Application mistakes and unusual transports that must not break a connection's bookkeeping:
 * handler callbacks that throw (the connection closes with 1011, RFC 6455 §7.4.1, and the
 * error surfaces on the next tick), a JavaScript Duplex that keeps written chunks, misuse of
 * `server.close()`, and a cleartext HTTP/2 port that hears nothing.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect as netConnect } from 'node:net';
import { Duplex } from 'node:stream';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { Opcode } from '../../src/core/ws/opcode.js';
import { connect } from '../../src/node/connect.js';
import { Connection } from '../../src/node/connection.js';
import { resolveConnectionOptions } from '../../src/node/connection-options.js';
import { serve } from '../../src/node/websocket-server.js';
import { collectUncaught, deferred, parseServerFrame, recorder, within } from './helpers.js';

describe('handler callbacks that throw', { timeout: 30_000 }, () => {
  test('message: what it sent goes out, then a 1011 close; the error surfaces', async () => {
    const uncaught = collectUncaught(1);
    const serverSide = recorder({
      message(ws) {
        ws.send('reply before the throw');
        throw new Error('bug in message');
      },
    });
    const server = await serve({ port: 0, host: '127.0.0.1', handler: serverSide.handler });
    const client = recorder();
    const ws = await connect(`ws://127.0.0.1:${server.address!.port}`, { handler: client.handler });
    ws.send('hello');
    const closed = await client.closed;
    assert.deepEqual(
      client.messages().map((m) => m.data.toString()),
      ['reply before the throw'],
    );
    assert.equal(closed.code, 1011);
    assert.equal(closed.reason, 'handler error');
    assert.equal((await serverSide.closed).code, 1011);
    const [error] = await uncaught;
    assert.equal((error as Error).message, 'bug in message');
    await within(server.close(), 5_000, 'server.close()');
    assert.equal(server.connections.size, 0);
  });

  test('open: the connection closes with 1011 instead of an unhandled rejection', async () => {
    const uncaught = collectUncaught(1);
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      handler: {
        open() {
          throw new Error('bug in open');
        },
      },
    });
    const client = recorder();
    await connect(`ws://127.0.0.1:${server.address!.port}`, { handler: client.handler });
    assert.equal((await client.closed).code, 1011);
    const [error] = await uncaught;
    assert.equal((error as Error).message, 'bug in open');
    await within(server.close(), 5_000, 'server.close()');
  });

  test('close: the connection is still cleaned up, so server.close() resolves', async () => {
    const uncaught = collectUncaught(1);
    const opened = deferred<Connection<unknown>>();
    const server = await serve({
      port: 0,
      host: '127.0.0.1',
      handler: {
        open(ws) {
          opened.resolve(ws);
        },
        close() {
          throw new Error('bug in close');
        },
      },
    });
    const client = recorder();
    await connect(`ws://127.0.0.1:${server.address!.port}`, { handler: client.handler });
    (await within(opened.promise, 5_000, 'open')).terminate();
    assert.equal((await client.closed).code, 1006);
    const [error] = await uncaught;
    assert.equal((error as Error).message, 'bug in close');
    await within(server.close(), 5_000, 'server.close()');
    assert.equal(server.connections.size, 0);
  });
});

/** Two in-memory Duplexes wired to each other; a write is handed to the peer as it is. */
function duplexPair(): [Duplex, Duplex] {
  const a: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      b.push(chunk);
      callback();
    },
  });
  const b: Duplex = new Duplex({
    read() {},
    write(chunk: Buffer, _encoding, callback) {
      a.push(chunk);
      callback();
    },
  });
  return [a, b];
}

test('a JavaScript Duplex that keeps written chunks never sees them overwritten', async () => {
  const [serverEnd, peerEnd] = duplexPair();
  const chunks: Buffer[] = [];
  peerEnd.on('data', (chunk: Buffer) => chunks.push(chunk));
  const connection = new Connection({
    socket: serverEnd,
    role: 'server',
    handler: {},
    data: undefined,
    options: resolveConnectionOptions({}, true),
    heartbeat: undefined,
    protocol: '',
    extensions: '',
    onDispose: undefined,
  });
  connection.start(Buffer.alloc(0));
  connection.send('AAAA');
  await new Promise((resolve) => setImmediate(resolve));
  connection.send('BBBB');
  await new Promise((resolve) => setImmediate(resolve));
  let bytes = Buffer.concat(chunks);
  const texts: string[] = [];
  for (let frame = parseServerFrame(bytes); frame !== undefined; frame = parseServerFrame(bytes)) {
    assert.equal(frame.frame.opcode, Opcode.TEXT);
    texts.push(frame.frame.payload.toString());
    bytes = bytes.subarray(frame.size);
  }
  assert.deepEqual(texts, ['AAAA', 'BBBB']);
  connection.terminate();
});

test('server.close() with a code that may not be sent throws before closing anything', async () => {
  const server = await serve({ port: 0, host: '127.0.0.1', handler: {} });
  const client = recorder();
  await connect(`ws://127.0.0.1:${server.address!.port}`, { handler: client.handler });
  for (const [code, reason, expected] of [
    [1005, 'x', ErrorCode.WS_INVALID_CLOSE_CODE],
    [1000, 'r'.repeat(124), ErrorCode.WS_CONTROL_TOO_LARGE],
  ] as const) {
    assert.throws(
      () => server.close(code, reason),
      (error: unknown) => error instanceof WirekitError && error.code === expected,
    );
  }
  assert.equal(server.connections.size, 1);
  await within(server.close(4000, 'done'), 5_000, 'server.close()');
  assert.deepEqual(await client.closed, {
    event: 'close',
    code: 4000,
    reason: 'done',
    wasClean: true,
  });
});

describe('a cleartext port serving HTTP/1.1 and h2c', { timeout: 30_000 }, () => {
  for (const [what, bytes] of [
    ['nothing', ''],
    ['one byte of the HTTP/2 preface', 'P'],
  ] as const) {
    test(`a peer that sends ${what} is dropped at handshakeTimeout`, async (t) => {
      const server = await serve({
        port: 0,
        host: '127.0.0.1',
        http2: true,
        handshakeTimeout: 200,
        handler: {},
      });
      t.after(() => server.close());
      const socket = netConnect({ host: '127.0.0.1', port: server.address!.port });
      socket.on('error', () => {});
      await once(socket, 'connect');
      if (bytes !== '') socket.write(bytes);
      await within(once(socket, 'close'), 5_000, 'the server dropping the socket');
    });
  }
});
