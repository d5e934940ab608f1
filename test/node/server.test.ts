/**
 * The standalone server (`serve`) over every transport of the list
 * (`test/transports/test-transports.ts`): messages both ways, fragmentation, ping/pong,
 * callback order, the `upgrade` hook, subprotocols, path checks, and `WebSocketServer.close()`.
 * Real sockets on 127.0.0.1; every server and client is closed.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { rejectUpgrade } from '../../src/node/websocket-server.js';
import { echo } from '../helpers/echo.js';
import { testTransports } from '../transports/test-transports.js';
import { recorder, testNothingLeftOpen, until, within } from './helpers.js';

const MiB = 1024 * 1024;

for (const transport of testTransports()) {
  describe(`serve over ${transport.name}`, { timeout: 30_000 }, () => {
    test('echoes text, binary, empty and 5 MiB messages both ways', async (t) => {
      const server = await transport.listen({
        handler: echo,
      });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: client.handler,
      });
      const large = randomBytes(5 * MiB);
      const largeText = 'é'.repeat(MiB); // 2 MiB of two-byte UTF-8
      ws.send('hello');
      ws.send(Buffer.from([0, 1, 2, 255]));
      ws.send('');
      ws.send(new Uint8Array(0));
      ws.send(large);
      await until(() => client.messages().length === 5, 'five echoes', 20_000);
      // One large message at a time, as an application that respects backpressure does.
      ws.send(largeText);
      await until(() => client.messages().length === 6, 'the 2 MiB text echo', 20_000);
      const got = client.messages();
      assert.deepEqual(
        got.map((m) => m.isBinary),
        [false, true, false, true, true, false],
      );
      assert.equal(got[0]!.data.toString(), 'hello');
      assert.deepEqual([...got[1]!.data], [0, 1, 2, 255]);
      assert.equal(got[2]!.data.length, 0);
      assert.equal(got[3]!.data.length, 0);
      assert.ok(got[4]!.data.equals(large), '5 MiB binary echo differs');
      assert.equal(got[5]!.data.toString(), largeText);
      ws.close();
      await client.closed;
      await server.close();
    });

    test('fragmented sends (fin: false) arrive as one message, both directions', async (t) => {
      const serverSide = recorder({
        open(ws) {
          ws.send('Hel', false, false);
          ws.send('lo, ', false, false);
          ws.send('world', false, true);
          ws.sendBinary(Buffer.from([1, 2]), false);
          ws.sendBinary(Buffer.from([3]), true);
        },
      });
      const server = await transport.listen({ handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: client.handler,
      });
      ws.sendText('ab', false);
      ws.sendText('cd', true);
      ws.send(Buffer.from([9]), true, false);
      ws.send(Buffer.from([8]), true, true);
      await until(() => client.messages().length === 2 && serverSide.messages().length === 2);
      assert.deepEqual(
        client.messages().map((m) => [m.data.toString('hex'), m.isBinary]),
        [
          [Buffer.from('Hello, world').toString('hex'), false],
          ['010203', true],
        ],
      );
      assert.deepEqual(
        serverSide.messages().map((m) => [m.data.toString('hex'), m.isBinary]),
        [
          [Buffer.from('abcd').toString('hex'), false],
          ['0908', true],
        ],
      );
      ws.close();
      await server.close();
    });

    test('ping and pong reach the callbacks with their payloads, both directions', async (t) => {
      const serverSide = recorder({
        ping(ws) {
          ws.ping('from-server');
        },
      });
      const server = await transport.listen({ handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: client.handler,
      });
      ws.ping('from-client');
      // Server: ping('from-client') auto-pongs, then pings back; client auto-pongs that.
      await until(
        () =>
          client.events.some((e) => e.event === 'ping') &&
          serverSide.events.some((e) => e.event === 'pong'),
      );
      const payloads = (events: typeof client.events, kind: 'ping' | 'pong'): string[] =>
        events.flatMap((e) => (e.event === kind ? [e.data.toString()] : []));
      assert.deepEqual(payloads(serverSide.events, 'ping'), ['from-client']);
      assert.deepEqual(payloads(client.events, 'pong'), ['from-client']);
      assert.deepEqual(payloads(client.events, 'ping'), ['from-server']);
      assert.deepEqual(payloads(serverSide.events, 'pong'), ['from-server']);
      ws.close();
      await server.close();
    });

    test('open, message, close callbacks in order with code, reason and wasClean', async (t) => {
      const serverSide = recorder();
      const server = await transport.listen({ handler: serverSide.handler });
      t.after(() => server.close());
      const client = recorder();
      const ws = await connect(transport.url(server.address!.port), {
        ...transport.connect,
        handler: client.handler,
      });
      assert.equal(ws.readyState, ReadyState.OPEN);
      await serverSide.opened;
      ws.send('one');
      ws.close(4001, 'done here');
      assert.equal(ws.readyState, ReadyState.CLOSING);
      const serverClose = await serverSide.closed;
      const clientClose = await client.closed;
      assert.deepEqual(
        serverSide.events.map((e) => e.event),
        ['open', 'message', 'close'],
      );
      assert.deepEqual(serverClose, {
        event: 'close',
        code: 4001,
        reason: 'done here',
        wasClean: true,
      });
      // RFC 6455 §7.1.5/§7.1.6: the initiator reports the code and reason of the close frame it
      // received, the server's echo, which repeats the code (§5.5.1) and the reason.
      assert.deepEqual(clientClose, {
        event: 'close',
        code: 4001,
        reason: 'done here',
        wasClean: true,
      });
      assert.deepEqual(
        client.events.map((e) => e.event),
        ['open', 'close'],
      );
      assert.equal(ws.readyState, ReadyState.CLOSED);
      await server.close();
    });

    test('an async upgrade hook sets ws.data, seen in open and messages', async (t) => {
      const seen: string[] = [];
      const server = await transport.listen<{ user: string; path: string }>({
        handler: {
          async upgrade(request) {
            await new Promise((resolve) => setTimeout(resolve, 20));
            return { user: request.headers.get('x-user') ?? '?', path: request.url };
          },
          open(ws) {
            seen.push(`open:${ws.data.user}`);
          },
          message(ws, data) {
            ws.send(`${ws.data.user}@${ws.data.path}:${data.toString()}`);
          },
        },
      });
      t.after(() => server.close());
      const ws = await connect(transport.url(server.address!.port, '/room?id=7'), {
        ...transport.connect,
        headers: { 'X-User': 'alice' },
      });
      ws.send('hi');
      const reply = await firstMessage(ws);
      assert.equal(reply, 'alice@/room?id=7:hi');
      assert.deepEqual(seen, ['open:alice']);
      ws.close();
      await server.close();
    });

    // The refusal's body reaches the client's error: the HTTP/1.1 client reads it with the
    // answer's head, the HTTP/2 and HTTP/3 clients from the refused stream (RFC 8441 §5,
    // RFC 9220 §3).
    for (const status of [401, 403]) {
      test(`rejectUpgrade(${status}) reaches the client as ERR_WS_HANDSHAKE with status`, async (t) => {
        const opened: unknown[] = [];
        const server = await transport.listen({
          handler: {
            upgrade(request) {
              if (request.headers.get('authorization') !== 'Bearer good')
                throw rejectUpgrade(status, 'no entry', [['WWW-Authenticate', 'Bearer']]);
            },
            open(ws) {
              opened.push(ws);
            },
          },
        });
        t.after(() => server.close());
        const error = await connect(transport.url(server.address!.port), {
          ...transport.connect,
          headers: { Authorization: 'Bearer bad' },
        }).then(
          () => assert.fail('connect should have failed'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof WirekitError);
        assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
        assert.equal(error.status, status);
        assert.match(error.message, new RegExp(`${status}`));
        assert.match(error.message, /no entry/);
        // The right token gets in.
        const ws = await connect(transport.url(server.address!.port), {
          ...transport.connect,
          headers: { Authorization: 'Bearer good' },
        });
        assert.equal(ws.readyState, ReadyState.OPEN);
        assert.equal(opened.length, 1);
        ws.close();
        await server.close();
      });
    }

    test('an upgrade hook that throws something else refuses with 500', async (t) => {
      // The server warns about the hook's error; keep the test output clean.
      t.mock.method(process, 'emitWarning', () => {});
      const server = await transport.listen({
        handler: {
          upgrade() {
            throw new Error('database down');
          },
        },
      });
      t.after(() => server.close());
      const error = await connect(transport.url(server.address!.port), {
        ...transport.connect,
      }).then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
      assert.equal(error.status, 500);
      assert.doesNotMatch(error.message, /database down/, 'internal errors stay internal');
      await server.close();
    });

    test('a path other than `path` gets 404; the right path connects', async (t) => {
      const server = await transport.listen({ path: '/ws', handler: {} });
      t.after(() => server.close());
      const port = server.address!.port;
      const error = await connect(transport.url(port, '/other'), transport.connect).then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
      assert.equal(error.status, 404);
      const ws = await connect(transport.url(port, '/ws?x=1'), transport.connect);
      assert.equal(ws.readyState, ReadyState.OPEN);
      ws.close();
      await server.close();
    });

    test('selectProtocol picks a subprotocol, visible as `protocol` on both sides', async (t) => {
      const offered: string[][] = [];
      const serverSide = recorder();
      const server = await transport.listen({
        selectProtocol(protocols) {
          offered.push([...protocols]);
          return protocols.includes('chat.v2') ? 'chat.v2' : undefined;
        },
        handler: serverSide.handler,
      });
      t.after(() => server.close());
      const port = server.address!.port;
      const ws = await connect(transport.url(port), {
        ...transport.connect,
        protocols: ['chat.v3', 'chat.v2'],
      });
      const serverWs = await serverSide.opened;
      assert.equal(ws.protocol, 'chat.v2');
      assert.equal(serverWs.protocol, 'chat.v2');
      // None acceptable: no Sec-WebSocket-Protocol in the answer, protocol ''.
      const plain = await connect(transport.url(port), {
        ...transport.connect,
        protocols: ['mqtt'],
      });
      assert.equal(plain.protocol, '');
      assert.deepEqual(offered, [['chat.v3', 'chat.v2'], ['mqtt']]);
      ws.close();
      plain.close();
      await server.close();
    });

    test('close() during a pending upgrade hook: the handshake is dropped, open never runs', async (t) => {
      const opened: unknown[] = [];
      let hookStarted = false;
      const server = await transport.listen({
        handler: {
          upgrade: () =>
            new Promise<undefined>((resolve) => {
              hookStarted = true;
              setTimeout(() => resolve(undefined), 300);
            }),
          open: (ws) => opened.push(ws),
        },
      });
      t.after(() => server.close());
      const attempt = connect(transport.url(server.address!.port), transport.connect).then(
        () => assert.fail('the handshake should have been dropped'),
        (e: unknown) => e,
      );
      await until(() => hookStarted, 'the upgrade hook');
      await server.close();
      const error = await attempt;
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.CONNECTION_LOST);
      // The hook resolves after close(): still no connection.
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.deepEqual(opened, []);
      assert.equal(server.connections.size, 0);
    });

    test('close() closes every connection with 1001 and resolves once sockets closed', async (t) => {
      const serverSide = recorder();
      const server = await transport.listen({ handler: serverSide.handler });
      t.after(() => server.close());
      const port = server.address!.port;
      const clients = [recorder(), recorder(), recorder()];
      for (const c of clients)
        await connect(transport.url(port), { ...transport.connect, handler: c.handler });
      await until(() => server.connections.size === 3);
      await server.close();
      assert.equal(server.connections.size, 0);
      for (const c of clients) {
        const closed = await c.closed;
        assert.equal(closed.code, 1001);
        assert.equal(closed.wasClean, true);
      }
      // The listener is gone too: a new connection is refused.
      const error = await connect(transport.url(port), transport.connect).then(
        () => assert.fail('connect should have failed'),
        (e: unknown) => e,
      );
      assert.ok(error instanceof WirekitError);
      assert.equal(error.code, ErrorCode.CONNECTION_LOST);
    });
  });
}

/** The next message of `ws`, as text, through async iteration. */
async function firstMessage<Data>(ws: Connection<Data>): Promise<string> {
  const iterator = ws[Symbol.asyncIterator]();
  const result = await within(iterator.next(), 5_000, 'a message');
  assert.equal(result.done, false);
  return result.value.data.toString();
}

testNothingLeftOpen();
