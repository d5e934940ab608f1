/**
 * Connection semantics over real sockets (TCP and TLS): the close handshake loses nothing,
 * close codes and reasons in both directions, `terminate()`, peer protocol errors (raw bytes),
 * message size limits, and caller misuse after close.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { Opcode } from '../../src/core/ws/opcode.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import { serve } from '../../src/node/websocket-server.js';
import { clientFrame, frame } from '../core/ws/helpers.js';
import { closeCodeOf, RawClient, recorder, until } from './helpers.js';
import { connectVia, listenOn, transports, urlOf } from './transports.js';

const COUNT = 1_000;

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof WirekitError && error.code === code);
}

for (const transport of transports()) {
  describe(`connection semantics over ${transport.name}`, { timeout: 30_000 }, () => {
    test(`client sends ${COUNT} messages then close(): the server gets all before its close callback`, async (t) => {
      const serverSide = recorder();
      const server = await serve({ ...listenOn(transport), handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      for (let i = 0; i < COUNT; i++) ws.send(`message ${i}`);
      ws.close(1000, 'all sent');
      const closed = await serverSide.closed;
      assert.deepEqual(closed, { event: 'close', code: 1000, reason: 'all sent', wasClean: true });
      const events = serverSide.events;
      assert.equal(events.at(-1)!.event, 'close');
      const texts = serverSide.messages().map((m) => m.data.toString());
      assert.equal(texts.length, COUNT);
      assert.deepEqual(
        texts,
        Array.from({ length: COUNT }, (_, i) => `message ${i}`),
      );
      assert.equal((await client.closed).wasClean, true);
    });

    test(`server sends ${COUNT} messages then close(): the client gets all before its close callback`, async (t) => {
      const server = await serve({
        ...listenOn(transport),
        handler: {
          open(ws) {
            for (let i = 0; i < COUNT; i++) ws.sendBinary(Buffer.from(String(i)));
            ws.close(4100, 'server done');
          },
        },
      });
      t.after(() => server.close());
      const client = recorder();
      await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      const closed = await client.closed;
      assert.deepEqual(closed, {
        event: 'close',
        code: 4100,
        reason: 'server done',
        wasClean: true,
      });
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        Array.from({ length: COUNT }, (_, i) => String(i)),
      );
      assert.ok(client.messages().every((m) => m.isBinary));
    });

    test('close() without a code reports 1005 on both sides (§7.1.5)', async (t) => {
      const serverSide = recorder();
      const server = await serve({ ...listenOn(transport), handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      ws.close();
      assert.deepEqual(await serverSide.closed, {
        event: 'close',
        code: 1005,
        reason: '',
        wasClean: true,
      });
      assert.deepEqual(await client.closed, {
        event: 'close',
        code: 1005,
        reason: '',
        wasClean: true,
      });
    });

    test('server-initiated close: code and reason reach the client; wasClean on both', async (t) => {
      const serverSide = recorder({
        message(ws) {
          ws.close(1001, 'going away now');
        },
      });
      const server = await serve({ ...listenOn(transport), handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      ws.send('please close');
      assert.deepEqual(await client.closed, {
        event: 'close',
        code: 1001,
        reason: 'going away now',
        wasClean: true,
      });
      // The initiator reports the echo it received (§7.1.5), which repeats the code and the
      // reason (§5.5.1).
      assert.deepEqual(await serverSide.closed, {
        event: 'close',
        code: 1001,
        reason: 'going away now',
        wasClean: true,
      });
      assert.equal(ws.readyState, ReadyState.CLOSED);
    });

    test('terminate() → both sides see 1006, not clean', async (t) => {
      const serverSide = recorder();
      const server = await serve({ ...listenOn(transport), handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      await serverSide.opened;
      ws.terminate();
      const serverClosed = await serverSide.closed;
      assert.equal(serverClosed.code, 1006);
      assert.equal(serverClosed.wasClean, false);
      const clientClosed = await client.closed;
      assert.equal(clientClosed.code, 1006);
      assert.equal(clientClosed.wasClean, false);
      assert.equal(ws.readyState, ReadyState.CLOSED);
    });

    test('the server terminating → the client sees 1006', async (t) => {
      const server = await serve({
        ...listenOn(transport),
        handler: {
          open(ws) {
            ws.terminate();
          },
        },
      });
      t.after(() => server.close());
      const client = recorder();
      await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      const closed = await client.closed;
      assert.equal(closed.code, 1006);
      assert.equal(closed.wasClean, false);
    });

    test('a message over maxMessageSize → 1009 on both sides', async (t) => {
      const serverSide = recorder();
      const server = await serve({
        ...listenOn(transport),
        maxMessageSize: 1024,
        handler: serverSide.handler,
      });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      ws.send(Buffer.alloc(1024, 1)); // at the limit: accepted
      ws.send('a'.repeat(512), false, false); // fragmented: the total counts
      ws.send('b'.repeat(513), false, true);
      const serverClosed = await serverSide.closed;
      assert.equal(serverClosed.code, 1009);
      assert.equal(serverSide.messages().length, 1);
      assert.equal(serverSide.messages()[0]!.data.length, 1024);
      const clientClosed = await client.closed;
      assert.equal(clientClosed.code, 1009);
    });

    test('the client enforces its own maxMessageSize → 1009', async (t) => {
      const server = await serve({
        ...listenOn(transport),
        handler: {
          open(ws) {
            ws.send(Buffer.alloc(4096));
          },
        },
      });
      t.after(() => server.close());
      const client = recorder();
      await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        maxMessageSize: 4095,
        handler: client.handler,
      });
      const closed = await client.closed;
      assert.equal(closed.code, 1009);
      assert.equal(client.messages().length, 0);
    });

    test('sends on a CLOSING, then CLOSED connection return false, drop the data and count it; misuse still throws', async (t) => {
      const serverSide = recorder();
      const server = await serve({ ...listenOn(transport), handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      const { writer } = ws.split();
      ws.send('before');
      ws.close(1000);
      assert.equal(ws.readyState, ReadyState.CLOSING);
      assert.equal(ws.send('late'), false);
      assert.equal(ws.sendText('late'), false);
      assert.equal(ws.sendBinary(Buffer.from([1])), false);
      assert.equal(ws.send(Buffer.from([2]), true, false), false, 'a fragment is dropped too');
      assert.equal(writer.send('late'), false);
      assert.equal(ws.droppedSends, 5);
      // Misuse throws while CLOSING, before the state is looked at, and is not counted.
      throwsCode(() => ws.send(42 as unknown as string), ErrorCode.INVALID_ARGUMENT);
      throwsCode(() => ws.sendText({} as unknown as string), ErrorCode.INVALID_ARGUMENT);
      throwsCode(() => ws.ping(Buffer.alloc(126)), ErrorCode.WS_CONTROL_TOO_LARGE);
      throwsCode(() => ws.close(1005), ErrorCode.WS_INVALID_CLOSE_CODE);
      ws.close(1000); // no-op, no throw
      assert.equal(ws.droppedSends, 5);

      await client.closed;
      assert.equal(ws.readyState, ReadyState.CLOSED);
      assert.equal(ws.send('later'), false);
      assert.equal(ws.sendText('later'), false);
      assert.equal(ws.sendBinary('later'), false);
      assert.equal(ws.ping(), false);
      assert.equal(ws.ping('p'), false);
      assert.equal(ws.pong('q'), false);
      assert.equal(writer.ping(), false);
      assert.equal(ws.droppedSends, 12);
      // Once CLOSED, misuse still throws its own code (not ERR_WS_SEND_AFTER_CLOSE).
      throwsCode(() => ws.ping(Buffer.alloc(126)), ErrorCode.WS_CONTROL_TOO_LARGE);
      throwsCode(() => ws.pong('x'.repeat(126)), ErrorCode.WS_CONTROL_TOO_LARGE);
      throwsCode(() => ws.ping(7 as unknown as string), ErrorCode.INVALID_ARGUMENT);
      throwsCode(() => ws.sendBinary(null as unknown as string), ErrorCode.INVALID_ARGUMENT);
      throwsCode(
        () => ws.send(new ArrayBuffer(1) as unknown as string),
        ErrorCode.INVALID_ARGUMENT,
      );
      throwsCode(() => ws.close(999), ErrorCode.WS_INVALID_CLOSE_CODE);
      throwsCode(() => ws.close(1000, 'x'.repeat(124)), ErrorCode.WS_CONTROL_TOO_LARGE);
      throwsCode(() => ws.close(undefined, 'a reason needs a code'), ErrorCode.INVALID_ARGUMENT);
      ws.close(1000); // no-op, no throw
      assert.equal(ws.droppedSends, 12);
      await serverSide.closed;
      assert.deepEqual(
        serverSide.messages().map((m) => m.data.toString()),
        ['before'],
      );
    });

    test('sends on a connection the peer closed return false and are counted', async (t) => {
      const serverSide = recorder();
      const server = await serve({ ...listenOn(transport), handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(urlOf(transport, server.address!.port), {
        ...connectVia(transport),
        handler: client.handler,
      });
      const serverWs = await serverSide.opened;
      ws.close(4001, 'leaving');
      await serverSide.closed;
      assert.equal(serverWs.readyState, ReadyState.CLOSED);
      assert.equal(serverWs.send('to a peer that left'), false);
      assert.equal(serverWs.sendText('x'), false);
      assert.equal(serverWs.sendBinary(Buffer.from([1])), false);
      assert.equal(serverWs.ping(), false);
      assert.equal(serverWs.pong(), false);
      assert.equal(serverWs.droppedSends, 5);
      throwsCode(() => serverWs.ping('€'.repeat(42)), ErrorCode.WS_CONTROL_TOO_LARGE);
      await client.closed;
      assert.equal(client.messages().length, 0);
    });

    test('close() with a reserved code throws ERR_WS_INVALID_CLOSE_CODE and stays open', async (t) => {
      const server = await serve({ ...listenOn(transport), handler: {} });
      t.after(() => server.close());
      const ws = await connect(urlOf(transport, server.address!.port), connectVia(transport));
      for (const code of [1005, 1006, 999, 5000])
        assert.throws(
          () => ws.close(code),
          (error: unknown) =>
            error instanceof WirekitError && error.code === ErrorCode.WS_INVALID_CLOSE_CODE,
          String(code),
        );
      assert.equal(ws.readyState, ReadyState.OPEN);
      ws.close();
    });
  });
}

describe('close handshake timeouts', { timeout: 30_000 }, () => {
  test("fragment order is the caller's to keep: a new message inside a fragmented one throws", async (t) => {
    const server = await serve({ port: 0, handler: {} });
    t.after(() => server.close());
    const ws = await connect(`ws://127.0.0.1:${server.address!.port}/`);
    ws.send('part', false, false);
    assert.throws(
      () => ws.sendBinary(Buffer.from([1])),
      (error: unknown) =>
        error instanceof WirekitError && error.code === ErrorCode.WS_FRAGMENT_ORDER,
    );
    ws.send('end', false, true);
    ws.close();
  });
});

describe('peer protocol errors from a raw client', { timeout: 30_000 }, () => {
  /** A standalone server and a raw client after a valid handshake. */
  async function rawSession(
    t: { after(fn: () => unknown): void },
    options: { maxMessageSize?: number } = {},
  ): Promise<{ client: RawClient; serverSide: ReturnType<typeof recorder> }> {
    const serverSide = recorder();
    const server = await serve({
      port: 0,
      closeTimeout: 1_000,
      ...options,
      handler: serverSide.handler,
    });
    t.after(() => server.close());
    const client = await RawClient.open(server.address!.port);
    t.after(() => client.socket.destroy());
    assert.match(client.head, /^HTTP\/1\.1 101 /);
    return { client, serverSide };
  }

  test('an unmasked client frame → server close 1002; the client gets a 1002 close frame', async (t) => {
    const { client, serverSide } = await rawSession(t);
    client.socket.write(frame({ opcode: Opcode.TEXT, payload: 'not masked' }));
    const closed = await serverSide.closed;
    assert.equal(closed.code, 1002);
    assert.equal(closed.wasClean, false);
    await client.waitForFrames(1);
    const [close] = client.frames;
    assert.equal(close!.opcode, Opcode.CLOSE);
    assert.equal(close!.masked, false, 'servers never mask (§5.1)');
    assert.equal(closeCodeOf(close!.payload), 1002);
    await client.closed; // the server closes TCP first (§7.1.1)
    assert.deepEqual(serverSide.messages(), []);
  });

  test('invalid UTF-8 in a text message → 1007', async (t) => {
    const { client, serverSide } = await rawSession(t);
    client.sendFrame(Opcode.TEXT, Buffer.from([0xc3, 0x28]));
    assert.equal((await serverSide.closed).code, 1007);
    await client.waitForFrames(1);
    assert.equal(closeCodeOf(client.frames[0]!.payload), 1007);
  });

  test('a reserved opcode → 1002', async (t) => {
    const { client, serverSide } = await rawSession(t);
    client.sendFrame(0x3, 'x');
    assert.equal((await serverSide.closed).code, 1002);
    await client.waitForFrames(1);
    assert.equal(closeCodeOf(client.frames[0]!.payload), 1002);
  });

  test('a frame announcing more than maxMessageSize → 1009 before the payload arrives', async (t) => {
    const { client, serverSide } = await rawSession(t, { maxMessageSize: 1024 });
    // Only the header of a 1 GiB frame: the limit is checked before allocating.
    client.socket.write(Buffer.from([0x82, 0xff, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]));
    assert.equal((await serverSide.closed).code, 1009);
    await client.waitForFrames(1);
    assert.equal(closeCodeOf(client.frames[0]!.payload), 1009);
  });

  test('a raw client that answers the close handshake gets wasClean on the server', async (t) => {
    const { client, serverSide } = await rawSession(t);
    const serverWs = await serverSide.opened;
    serverWs.close(4000, 'bye');
    await client.waitForFrames(1);
    assert.equal(closeCodeOf(client.frames[0]!.payload), 4000);
    assert.equal(client.frames[0]!.payload.subarray(2).toString(), 'bye');
    client.sendFrame(Opcode.CLOSE, Buffer.from([0x0f, 0xa0]));
    const closed = await serverSide.closed;
    assert.deepEqual(closed, { event: 'close', code: 4000, reason: '', wasClean: true });
    await client.closed;
  });

  test('§5.5.1 the server echoes the peer’s close code and reason', async (t) => {
    const { client, serverSide } = await rawSession(t);
    const body = Buffer.concat([Buffer.from([0x0f, 0xa2]), Buffer.from('raw bye ✓')]); // 4002
    client.sendFrame(Opcode.CLOSE, Buffer.from(body)); // masked in place: a copy
    await client.waitForFrames(1);
    const echo = client.frames[0]!;
    assert.equal(echo.opcode, Opcode.CLOSE);
    assert.ok(echo.payload.equals(body), `echoed ${echo.payload.toString('hex')}`);
    const closed = await serverSide.closed;
    assert.deepEqual(closed, { event: 'close', code: 4002, reason: 'raw bye ✓', wasClean: true });
    await client.closed;
  });

  test('while CLOSING, data sends are dropped but pings and pongs follow the close frame (RFC 6455 §5.5.1)', async (t) => {
    const { client, serverSide } = await rawSession(t);
    const serverWs = await serverSide.opened;
    serverWs.close(4000, 'kicked');
    assert.equal(serverWs.readyState, ReadyState.CLOSING);
    assert.equal(serverWs.send('dropped'), false);
    assert.equal(serverWs.ping('p'), true);
    assert.equal(serverWs.pong('q'), true);
    assert.equal(serverWs.droppedSends, 1);
    await client.waitForFrames(3);
    assert.deepEqual(
      client.frames.map((f) => [f.opcode, f.payload.toString('latin1')]),
      [
        [Opcode.CLOSE, '\x0f\xa0kicked'],
        [Opcode.PING, 'p'],
        [Opcode.PONG, 'q'],
      ],
    );
    client.sendFrame(Opcode.CLOSE, client.frames[0]!.payload);
    const closed = await serverSide.closed;
    assert.deepEqual(closed, { event: 'close', code: 4000, reason: 'kicked', wasClean: true });
    await client.closed;
  });

  test('frames split across many tiny TCP writes are reassembled', async (t) => {
    const { client, serverSide } = await rawSession(t);
    for (const byte of clientFrame({ opcode: Opcode.TEXT, payload: 'split' })) {
      client.socket.write(Buffer.of(byte));
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => serverSide.messages().length === 1, 'the reassembled message');
    assert.equal(serverSide.messages()[0]!.data.toString(), 'split');
    client.socket.destroy();
  });
});

// Runs after every test above (node:test runs a file's tests in order): nothing may stay open,
// or the test process would not exit by itself.
test('no sockets, servers or TLS sessions remain open', async () => {
  const open = (): string[] => process.getActiveResourcesInfo().filter((r) => /^(TCP|TLS)/.test(r));
  await until(() => open().length === 0, 'every handle to close');
  assert.deepEqual(open(), []);
});
