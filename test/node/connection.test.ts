/**
 * Connection semantics over real connections: sends on a closing or closed connection and
 * caller misuse, over every transport of the list (`test/transports/test-transports.ts`); peer
 * protocol errors from a raw TCP client. The close handshake, `terminate()` and `closeTimeout`
 * are in close.test.ts, the size limits in limits.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { Opcode } from '../../src/core/ws/opcode.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import { serve } from '../../src/node/websocket-server.js';
import { clientFrame, frame } from '../core/ws/helpers.js';
import { testTransports } from '../transports/test-transports.js';
import { closeCodeOf, RawClient, recorder, testNothingLeftOpen, until } from './helpers.js';

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof WirekitError && error.code === code);
}

for (const transport of testTransports()) {
  describe(`connection semantics over ${transport.name}`, { timeout: 30_000 }, () => {
    test('sends on a CLOSING, then CLOSED connection return false, drop the data and count it; misuse still throws', async (t) => {
      const serverSide = recorder();
      const server = await transport.listen({ handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
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
      const server = await transport.listen({ handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
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
      const server = await transport.listen({ handler: {} });
      t.after(() => server.close());
      const ws = await connect(transport.url(server.address!.port), transport.connect);
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

testNothingLeftOpen();
