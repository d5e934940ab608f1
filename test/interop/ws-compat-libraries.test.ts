/**
 * Packages written for ws, running unchanged on `wirekit/ws`:
 * - Socket.IO with `wsEngine: WebSocketServer` (engine.io's documented option for a
 *   ws-compatible server) and `socket.io-client` over the websocket transport only: an emit
 *   with an acknowledgement, a broadcast to a room, and a disconnect seen by the server.
 * - graphql-ws's `useServer` on a `wirekit/ws` server, with graphql-ws's own `createClient`
 *   given `wirekit/ws`'s `WebSocket` (and ws's, against the same server): a query, and a
 *   subscription with a few events and its completion.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import {
  GraphQLInt,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
} from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { Server as SocketIoServer, type Socket as SocketIoSocket } from 'socket.io';
import { type Socket as ClientSocket, io } from 'socket.io-client';
import RealWebSocket from 'ws';
import { WebSocket, WebSocketServer } from '../../src/node/ws-compat/index.js';
import { closeHttp, deferred, listenLocal, within } from '../node/helpers.js';
import { next, startServer, stopServer } from '../node/ws-compat/helpers.js';

const BOUND = 10_000;

function connected(socket: ClientSocket): Promise<void> {
  return within(
    new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('connect_error', reject);
    }),
    BOUND,
    'socket.io connect',
  );
}

describe('Socket.IO on wirekit/ws (wsEngine)', () => {
  test('emit with ack, room broadcast, disconnect', async () => {
    const http = createServer();
    const server = new SocketIoServer(http, {
      wsEngine: WebSocketServer,
      transports: ['websocket'],
    });
    const disconnected = deferred<string>();
    server.on('connection', (socket: SocketIoSocket) => {
      socket.on('hello', (name: string, ack: (reply: string) => void) => ack(`hello, ${name}`));
      socket.on('join', (room: string, ack: () => void) => {
        void socket.join(room);
        ack();
      });
      socket.on('shout', (room: string, text: string) => {
        server.to(room).emit('news', text);
      });
      socket.on('disconnect', (reason: string) => disconnected.resolve(reason));
    });
    const port = await listenLocal(http);
    const url = `http://127.0.0.1:${port}`;
    const a = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const b = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    const c = io(url, { transports: ['websocket'], forceNew: true, reconnection: false });
    await Promise.all([connected(a), connected(b), connected(c)]);
    // The transport is wirekit/ws's WebSocket on the server.
    const [serverSocket] = await server.fetchSockets();
    assert.ok(serverSocket !== undefined);
    assert.equal(
      (server.sockets.sockets.get(a.id!) as SocketIoSocket).conn.transport.name,
      'websocket',
    );

    assert.equal(await within(a.emitWithAck('hello', 'wirekit'), BOUND, 'ack'), 'hello, wirekit');
    await within(a.emitWithAck('join', 'room-1'), BOUND, 'join a');
    await within(b.emitWithAck('join', 'room-1'), BOUND, 'join b');
    const newsA = within(new Promise((r) => a.once('news', r)), BOUND, 'news a');
    const newsB = within(new Promise((r) => b.once('news', r)), BOUND, 'news b');
    let cGotNews = false;
    c.on('news', () => {
      cGotNews = true;
    });
    c.emit('shout', 'room-1', 'to the room ✓');
    assert.deepEqual(await Promise.all([newsA, newsB]), ['to the room ✓', 'to the room ✓']);
    // c is not in the room: a round trip of its own after the broadcast shows it got nothing.
    assert.equal(await within(c.emitWithAck('hello', 'c'), BOUND, 'ack c'), 'hello, c');
    assert.equal(cGotNews, false);
    // Large binary payloads go through too.
    const big = Buffer.alloc(256 * 1024, 3);
    server.once('connection', () => {});
    const echoed = within(
      new Promise<Buffer>((resolve) => {
        a.once('big', (data: Buffer) => resolve(data));
      }),
      BOUND,
      'big',
    );
    server.sockets.sockets.get(a.id!)?.emit('big', big);
    assert.ok((await echoed).equals(big));

    b.disconnect();
    assert.equal(
      await within(disconnected.promise, BOUND, 'disconnect'),
      'client namespace disconnect',
    );
    a.disconnect();
    c.disconnect();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeHttp(http).catch(() => undefined);
  });
});

const schema = new GraphQLSchema({
  query: new GraphQLObjectType({
    name: 'Query',
    fields: { hello: { type: GraphQLString, resolve: () => 'world' } },
  }),
  subscription: new GraphQLObjectType({
    name: 'Subscription',
    fields: {
      count: {
        type: GraphQLInt,
        args: { to: { type: new GraphQLNonNull(GraphQLInt) } },
        async *subscribe(_root: unknown, args: { to: number }) {
          for (let i = 1; i <= args.to; i++) yield { count: i };
        },
      },
    },
  }),
});

async function query(client: Client, text: string): Promise<unknown> {
  return within(
    new Promise((resolve, reject) => {
      let result: unknown;
      client.subscribe(
        { query: text },
        { next: (data) => (result = data), error: reject, complete: () => resolve(result) },
      );
    }),
    BOUND,
    text,
  );
}

async function subscription(client: Client, text: string): Promise<unknown[]> {
  return within(
    new Promise((resolve, reject) => {
      const values: unknown[] = [];
      client.subscribe(
        { query: text },
        {
          next: (data) => values.push((data.data as { count: number }).count),
          error: reject,
          complete: () => resolve(values),
        },
      );
    }),
    BOUND,
    text,
  );
}

describe('graphql-ws on wirekit/ws', () => {
  for (const [name, impl] of [
    ['wirekit/ws', WebSocket],
    ['ws', RealWebSocket],
  ] as const) {
    test(`useServer, createClient with ${name}'s WebSocket: a query and a subscription`, async () => {
      const { wss, url } = await startServer({ path: '/graphql' });
      const server = useServer({ schema }, wss as unknown as Parameters<typeof useServer>[1]);
      const connections: WebSocket[] = [];
      const closes: Promise<unknown>[] = [];
      wss.on('connection', (ws) => {
        connections.push(ws);
        closes.push(next(ws, 'close'));
      });
      const client = createClient({
        url: `${url}/graphql`,
        webSocketImpl: impl,
        lazy: true,
        retryAttempts: 0,
      });
      assert.deepEqual(await query(client, '{ hello }'), { data: { hello: 'world' } });
      assert.deepEqual(await subscription(client, 'subscription { count(to: 4) }'), [1, 2, 3, 4]);
      assert.equal(connections[0]?.protocol, 'graphql-transport-ws');
      await client.dispose();
      await Promise.all(closes);
      await server.dispose();
      await stopServer(wss).catch(() => undefined);
    });
  }

  test('the server refuses an unknown subprotocol through handleProtocols set by useServer', async () => {
    const { wss, url } = await startServer();
    const server = useServer({ schema }, wss as unknown as Parameters<typeof useServer>[1]);
    const ws = new WebSocket(url, 'not-graphql');
    const closed = next<[number]>(ws, 'close');
    const [error] = await next<[Error]>(ws, 'error');
    assert.match(error.message, /Server sent no subprotocol/);
    assert.equal((await closed)[0], 1006);
    await server.dispose();
    void (wss.address() as AddressInfo);
  });
});
