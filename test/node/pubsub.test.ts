/**
 * Topics on one server (issue 12, steps 1–2): subscribe/unsubscribe/isSubscribed/topics,
 * `server.publish` and `ws.publish` (everyone but the sender), order per publisher, the end of
 * subscriptions with the connection, limits as typed errors, publishing to a closing
 * connection, encode-once (frame counters), compressed subscribers in shared and dedicated
 * mode, and a slow subscriber that neither blocks nor breaks the others (closed with 1008, or
 * its messages dropped and counted). Real sockets on 127.0.0.1; wirekit's client.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { ReadyState } from '../../src/core/ws/ready-state.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { LocalBroker } from '../../src/node/pubsub/local-broker.js';
import type { PubSubOptions } from '../../src/node/pubsub/pubsub-options.js';
import { serve, WebSocketServer } from '../../src/node/websocket-server.js';
import { collectUncaught, RawClient, until, upgradeRequest } from './helpers.js';

/** A server whose connections subscribe to the topics named in the URL query (`?t=a,b`). */
async function topicServer(
  options: {
    pubsub?: PubSubOptions;
    deflate?: boolean | DeflateConfig;
    maxBackpressure?: number;
  } = {},
  closeCodes: number[] = [],
): Promise<{ server: WebSocketServer<{ topics: string[] }>; port: number }> {
  const server = await serve<{ topics: string[] }>({
    port: 0,
    ...options,
    closeTimeout: 1000,
    handler: {
      upgrade(request) {
        const query = new URL(request.url, 'http://x').searchParams.get('t');
        return { topics: query === null || query === '' ? [] : query.split(',') };
      },
      open(ws) {
        for (const topic of ws.data.topics) ws.subscribe(topic);
      },
      message(ws, data, isBinary) {
        // "pub:<topic>:<text>" publishes from this connection.
        const text = data.toString();
        if (text.startsWith('pub:')) {
          const [, topic, body] = text.split(':') as [string, string, string];
          ws.publish(topic, body, isBinary);
        }
      },
      close(_ws, code) {
        closeCodes.push(code);
      },
    },
  });
  return { server, port: server.address!.port };
}

/** A client that records the text of every message it receives. */
async function subscriber(
  port: number,
  topics: string,
  deflate?: boolean | DeflateConfig,
): Promise<{ ws: Connection<undefined>; texts: string[] }> {
  const texts: string[] = [];
  const ws = await connect(`ws://127.0.0.1:${port}/?t=${topics}`, {
    ...(deflate === undefined ? {} : { deflate }),
    handler: {
      message(_ws, data) {
        texts.push(data.toString());
      },
    },
  });
  return { ws, texts };
}

function hasCode(code: string): (e: unknown) => boolean {
  return (e: unknown) => e instanceof WirekitError && e.code === code;
}

describe('topics on one server', { timeout: 60_000 }, () => {
  test('subscribe, topics, isSubscribed, subscribers(); unsubscribe; the end of the connection', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const { ws } = await subscriber(port, 'a,b');
    await until(() => server.subscribers('b') === 1, 'the subscriptions');
    const serverSide = [...server.connections][0]!;
    assert.deepEqual(serverSide.topics, ['a', 'b']);
    assert.equal(serverSide.isSubscribed('a'), true);
    assert.equal(serverSide.isSubscribed('c'), false);
    assert.equal(serverSide.subscribe('a'), false, 'already subscribed');
    assert.equal(serverSide.unsubscribe('a'), true);
    assert.equal(serverSide.unsubscribe('a'), false);
    assert.equal(server.subscribers('a'), 0);
    assert.equal(server.pubsubStats.topics, 1);
    ws.close(1000);
    await until(() => server.connections.size === 0, 'the connection to end');
    assert.equal(server.subscribers('b'), 0, 'subscriptions end with the connection');
    assert.equal(server.pubsubStats.topics, 0);
    assert.deepEqual(serverSide.topics, []);
  });

  test('server.publish: every subscriber, in publish order, framed once per message', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const subs = await Promise.all([1, 2, 3, 4, 5].map(() => subscriber(port, 'news')));
    const other = await subscriber(port, 'sport');
    t.after(() => {
      for (const s of [...subs, other]) s.ws.terminate();
    });
    await until(() => server.subscribers('news') === 5, 'the subscriptions');
    const count = 2000;
    const before = server.pubsubStats;
    for (let i = 0; i < count; i++) {
      assert.equal(server.publish('news', `m${i}`), 5);
      if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
    }
    const expected = Array.from({ length: count }, (_, i) => `m${i}`);
    await until(() => subs.every((s) => s.texts.length === count), 'every delivery');
    for (const s of subs) assert.deepEqual(s.texts, expected);
    assert.deepEqual(other.texts, []);
    const after = server.pubsubStats;
    assert.equal(after.published - before.published, count);
    assert.equal(after.delivered - before.delivered, count * 5);
    assert.equal(after.framesEncoded - before.framesEncoded, count, 'one frame per message');
    assert.equal(server.publish('nobody', 'x'), 0);
  });

  test('ws.publish reaches every subscriber but the sender; binary stays binary', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const a = await subscriber(port, 'room');
    const b = await subscriber(port, 'room');
    const binary: boolean[] = [];
    const c = await connect(`ws://127.0.0.1:${port}/?t=room`, {
      handler: {
        message(_ws, _data, isBinary) {
          binary.push(isBinary);
        },
      },
    });
    t.after(() => {
      a.ws.terminate();
      b.ws.terminate();
      c.terminate();
    });
    await until(() => server.subscribers('room') === 3, 'the subscriptions');
    a.ws.send('pub:room:hello');
    await until(() => b.texts.length === 1 && binary.length === 1, 'the deliveries');
    a.ws.send(Buffer.from('pub:room:bytes'));
    await until(() => b.texts.length === 2 && binary.length === 2, 'the binary delivery');
    assert.deepEqual(b.texts, ['hello', 'bytes']);
    assert.deepEqual(binary, [false, true]);
    assert.deepEqual(a.texts, [], 'the sender does not get its own message');
  });

  test('unsubscribe stops delivery', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const a = await subscriber(port, 'x');
    t.after(() => a.ws.terminate());
    await until(() => server.subscribers('x') === 1, 'the subscription');
    server.publish('x', 'one');
    await until(() => a.texts.length === 1, 'the first message');
    [...server.connections][0]!.unsubscribe('x');
    server.publish('x', 'two');
    server.publish('y', 'three');
    a.ws.send('ping-through'); // a round trip later, nothing more has come
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(a.texts, ['one']);
  });

  test('publishing to a closing subscriber is a no-op, never an exception', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const a = await subscriber(port, 'x');
    const b = await subscriber(port, 'x');
    t.after(() => {
      a.ws.terminate();
      b.ws.terminate();
    });
    await until(() => server.subscribers('x') === 2, 'the subscriptions');
    const [first] = [...server.connections];
    first!.close(1000); // CLOSING: waiting for the client's close
    assert.equal(first!.readyState, ReadyState.CLOSING);
    assert.equal(server.publish('x', 'after close'), 1);
    assert.equal(first!.publish('x', 'from a closing connection'), 1);
    await until(() => a.texts.length + b.texts.length === 2, 'the open subscriber');
    assert.equal(server.pubsubStats.dropped, 0, 'skipped, not counted as dropped');
  });

  test('limits are typed errors: topic name, topics per connection; a client has no topics', async (t) => {
    const { server, port } = await topicServer({
      pubsub: { maxTopicLength: 8, maxTopicsPerConnection: 2 },
    });
    t.after(() => server.close());
    const { ws } = await subscriber(port, '');
    t.after(() => ws.terminate());
    await until(() => server.connections.size === 1, 'the connection');
    const serverSide = [...server.connections][0]!;
    assert.throws(() => serverSide.subscribe(''), hasCode(ErrorCode.PUBSUB_INVALID_TOPIC));
    assert.throws(() => serverSide.subscribe('123456789'), hasCode(ErrorCode.PUBSUB_INVALID_TOPIC));
    assert.throws(() => server.publish('123456789', 'x'), hasCode(ErrorCode.PUBSUB_INVALID_TOPIC));
    serverSide.subscribe('a');
    serverSide.subscribe('b');
    assert.throws(() => serverSide.subscribe('c'), hasCode(ErrorCode.PUBSUB_TOO_MANY_TOPICS));
    assert.deepEqual(serverSide.topics, ['a', 'b']);
    assert.throws(() => ws.subscribe('a'), hasCode(ErrorCode.PUBSUB_UNAVAILABLE));
    assert.throws(() => ws.publish('a', 'x'), hasCode(ErrorCode.PUBSUB_UNAVAILABLE));
    assert.equal(ws.isSubscribed('a'), false);
    assert.throws(
      () => new WebSocketServer({ handler: {}, pubsub: { maxTopicsPerConnection: 0 } }),
      hasCode(ErrorCode.INVALID_ARGUMENT),
    );
  });
});

describe('one batch per topic per tick', { timeout: 60_000 }, () => {
  /** The server side of every connection, once `count` are open. */
  async function serverSides(
    server: WebSocketServer<{ topics: string[] }>,
    count: number,
  ): Promise<Connection<{ topics: string[] }>[]> {
    await until(() => server.connections.size === count, 'the connections');
    return [...server.connections];
  }

  test('messages of several topics and direct sends keep the order they were made in', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const both = await subscriber(port, 'a,b');
    const onlyA = await subscriber(port, 'a');
    t.after(() => {
      both.ws.terminate();
      onlyA.ws.terminate();
    });
    const [first, second] = await serverSides(server, 2);
    await until(() => server.subscribers('a') === 2 && server.subscribers('b') === 1, 'subs');
    // One tick: a batch of 'a', then 'b' (the 'a' batch goes first), then 'a' again, then a
    // direct send to each connection, then 'a' once more.
    assert.equal(server.publish('a', 'a1'), 2);
    assert.equal(server.publish('a', 'a2'), 2);
    assert.equal(server.publish('b', 'b1'), 1);
    assert.equal(server.publish('a', 'a3'), 2);
    first!.send('direct');
    second!.send('direct');
    assert.equal(server.publish('a', 'a4'), 2);
    await until(() => both.texts.length === 6 && onlyA.texts.length === 5, 'every message');
    assert.deepEqual(both.texts, ['a1', 'a2', 'b1', 'a3', 'direct', 'a4']);
    assert.deepEqual(onlyA.texts, ['a1', 'a2', 'a3', 'direct', 'a4']);
    const stats = server.pubsubStats;
    assert.equal(stats.framesEncoded, 5, 'each message framed once');
    assert.equal(stats.delivered, 9);
  });

  test('a subscription made after a publish in the same tick does not get it; one ended after it does', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const early = await subscriber(port, 'x');
    const late = await subscriber(port, '');
    t.after(() => {
      early.ws.terminate();
      late.ws.terminate();
    });
    const [earlySide, lateSide] = await serverSides(server, 2);
    await until(() => server.subscribers('x') === 1, 'the subscription');
    server.publish('x', 'before');
    lateSide!.subscribe('x');
    earlySide!.unsubscribe('x');
    server.publish('x', 'after');
    await until(() => early.texts.length === 1 && late.texts.length === 1, 'the deliveries');
    early.ws.send('round trip'); // nothing more comes for either
    late.ws.send('round trip');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(early.texts, ['before']);
    assert.deepEqual(late.texts, ['after']);
  });

  test('a publish before close() reaches the peer before the close frame', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const codes: number[] = [];
    const texts: string[] = [];
    const ws = await connect(`ws://127.0.0.1:${port}/?t=x`, {
      handler: {
        message(_ws, data) {
          texts.push(data.toString());
        },
        close(_ws, code) {
          codes.push(code);
        },
      },
    });
    t.after(() => ws.terminate());
    const [side] = await serverSides(server, 1);
    await until(() => server.subscribers('x') === 1, 'the subscription');
    server.publish('x', 'last words');
    side!.close(4001);
    assert.equal(server.subscribers('x'), 0, 'a closing connection leaves its topics');
    assert.equal(server.publish('x', 'too late'), 0);
    await until(() => codes.length === 1, 'the close');
    assert.deepEqual(texts, ['last words']);
    assert.deepEqual(codes, [4001]);
  });

  test('a batch past 256 KiB goes out at once; every message arrives whole and in order', async (t) => {
    const { server, port } = await topicServer();
    t.after(() => server.close());
    const received: Buffer[] = [];
    const ws = await connect(`ws://127.0.0.1:${port}/?t=bulk`, {
      handler: {
        message(_ws, data) {
          received.push(Buffer.from(data));
        },
      },
    });
    t.after(() => ws.terminate());
    await until(() => server.subscribers('bulk') === 1, 'the subscription');
    const count = 600; // 600 × 1 KiB in one tick: three batches
    for (let i = 0; i < count; i++) {
      const message = Buffer.alloc(1024, i % 251);
      message.writeUInt32BE(i, 0);
      assert.equal(server.publish('bulk', message), 1);
    }
    await until(() => received.length === count, 'every message');
    for (let i = 0; i < count; i++) {
      assert.equal(received[i]!.length, 1024);
      assert.equal(received[i]!.readUInt32BE(0), i);
      assert.equal(received[i]![1023], i % 251);
    }
  });

  test('a close handler that publishes while a batch goes out starts a batch of its own', async (t) => {
    const seen: string[] = [];
    const server = await serve<undefined>({
      port: 0,
      maxBackpressure: 64 * 1024,
      handler: {
        open(ws) {
          ws.subscribe('t');
        },
        close() {
          // Runs from inside the fan-out of the batch that crossed the limit.
          server.publish('t', 'from close');
        },
      },
    });
    t.after(() => server.close());
    const port = server.address!.port;
    const reader = await connect(`ws://127.0.0.1:${port}/`, {
      handler: {
        message(_ws, data) {
          seen.push(data.toString().slice(0, 10));
        },
      },
    });
    t.after(() => reader.terminate());
    // A raw peer that never reads: its socket fills and the server closes it (1008).
    const stuck = await RawClient.open(port);
    stuck.socket.pause();
    t.after(() => stuck.socket.destroy());
    await until(() => server.subscribers('t') === 2, 'the subscriptions');
    // Over the connection's 64 KiB flush threshold: the stuck peer's flush, and its close,
    // happen inside the fan-out.
    const big = 'z'.repeat(80 * 1024);
    for (let round = 0; round < 400 && server.subscribers('t') === 2; round++) {
      server.publish('t', big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(server.subscribers('t'), 1, 'the stuck peer was closed');
    await until(() => seen.includes('from close'), 'the publish from the close handler');
  });
});

describe('a batch and the callbacks that run while it goes out', { timeout: 60_000 }, () => {
  /** A server whose connections subscribe to `t` (or the topics in `?t=`), listed in order. */
  async function batchServer(
    options: { maxBackpressure?: number; broker?: LocalBroker } = {},
    handler: {
      message?: (ws: Connection<string[]>) => void;
      close?: (ws: Connection<string[]>) => void;
    } = {},
  ): Promise<{ server: WebSocketServer<string[]>; sides: Connection<string[]>[]; port: number }> {
    const sides: Connection<string[]>[] = [];
    const server = await serve<string[]>({
      port: 0,
      closeTimeout: 500,
      pauseOnBackpressure: false,
      ...(options.maxBackpressure === undefined
        ? {}
        : { maxBackpressure: options.maxBackpressure }),
      ...(options.broker === undefined ? {} : { pubsub: { broker: options.broker } }),
      handler: {
        upgrade: (request) =>
          (new URL(request.url, 'http://x').searchParams.get('t') ?? 't').split(','),
        open(ws) {
          for (const topic of ws.data) ws.subscribe(topic);
          sides.push(ws);
        },
        ...(handler.message === undefined ? {} : { message: handler.message }),
        ...(handler.close === undefined ? {} : { close: handler.close }),
      },
    });
    return { server, sides, port: server.address!.port };
  }

  const texts = (client: RawClient): string[] =>
    client.frames.map((frame) => `${frame.opcode}:${frame.payload.toString()}`);

  test('a ping or pong sent after a publish follows the published message', async (t) => {
    const { server, sides, port } = await batchServer();
    t.after(() => server.close());
    const client = await RawClient.open(port);
    t.after(() => client.socket.destroy());
    await until(() => server.subscribers('t') === 1, 'the subscription');
    server.publish('t', 'm1');
    sides[0]!.ping('p');
    server.publish('t', 'm2');
    sides[0]!.pong('q');
    await client.waitForFrames(4);
    assert.deepEqual(texts(client), ['1:m1', '9:p', '1:m2', '10:q']);
  });

  test('a handler error (1011) after a publish: the message goes out before the close frame', async (t) => {
    const errors = collectUncaught(1);
    const { server, port } = await batchServer(
      {},
      {
        message() {
          server.publish('t', 'published before the error');
          throw new Error('boom');
        },
      },
    );
    t.after(() => server.close());
    const client = await RawClient.open(port);
    t.after(() => client.socket.destroy());
    await until(() => server.subscribers('t') === 1, 'the subscription');
    client.sendFrame(0x1, 'go');
    await errors;
    await client.closed;
    assert.equal(texts(client)[0], '1:published before the error');
    assert.equal(client.frames[1]!.opcode, 0x8);
    assert.equal(client.frames[1]!.payload.readUInt16BE(0), 1011);
  });

  test('a close handler run by the batch going out sends after the batch', async (t) => {
    let published = 0;
    let publishedAtClose = -1;
    const { server, sides, port } = await batchServer(
      { maxBackpressure: 64 * 1024 },
      {
        close() {
          if (publishedAtClose >= 0) return;
          publishedAtClose = published;
          sides[1]!.send('left');
        },
      },
    );
    t.after(() => server.close());
    const slow = await RawClient.open(port); // never reads: closed with 1008
    slow.socket.pause();
    t.after(() => slow.socket.destroy());
    await until(() => server.subscribers('t') === 1, 'the first subscription');
    const fast = await RawClient.open(port);
    t.after(() => fast.socket.destroy());
    await until(() => server.subscribers('t') === 2, 'the subscriptions');
    const big = 'x'.repeat(100_000);
    for (let round = 0; round < 200 && publishedAtClose < 0; round++) {
      // Three per tick: the batch passes 256 KiB and goes out inside the third publish.
      for (let i = 0; i < 3; i++) {
        published++; // counted first: the close can come from inside this publish
        server.publish('t', `${big}${round}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(publishedAtClose > 0, 'the slow subscriber was closed');
    await fast.waitForFrames(publishedAtClose + 1);
    const left = fast.frames.findIndex((frame) => frame.payload.toString() === 'left');
    assert.equal(left, publishedAtClose, 'every message published before comes first');
  });

  test('a close handler run inside a broker publish publishes to another topic: it goes there', async (t) => {
    const broker = new LocalBroker();
    let fired = false;
    let a: WebSocketServer<string[]> | undefined;
    const b = await batchServer(
      { maxBackpressure: 64 * 1024, broker },
      {
        close() {
          if (fired) return;
          fired = true;
          a!.publish('x', 'bye'); // runs inside a.publish('t', …) → broker → b's fan-out
        },
      },
    );
    const aServer = await batchServer({ broker });
    a = aServer.server;
    t.after(() => Promise.all([aServer.server.close(), b.server.close()]));
    const open = (port: number, topics: string) =>
      RawClient.open(port, { request: upgradeRequest({ target: `/?t=${topics}` }) });
    const slow = await open(b.port, 'u,t'); // on b, never reads: closed with 1008
    slow.socket.pause();
    const onT = await open(aServer.port, 't');
    const onX = await open(aServer.port, 'x');
    t.after(() => {
      for (const client of [slow, onT, onX]) client.socket.destroy();
    });
    await until(
      () => b.server.subscribers('u') === 1 && aServer.server.subscribers('x') === 1,
      'subs',
    );
    const big = 'y'.repeat(100_000);
    for (let i = 0; i < 200 && !fired; i++) {
      b.server.publish('u', big); // fills the slow peer's socket
      aServer.server.publish('t', `m${i}`); // reaches b through the broker, where it closes
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    assert.ok(fired, 'the slow subscriber was closed inside the broker publish');
    await onX.waitForFrames(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(texts(onX), ['1:bye']);
    assert.ok(!texts(onT).includes('1:bye'), "'bye' is not delivered to topic t");
  });
});

describe('compressed subscribers', { timeout: 60_000 }, () => {
  const big = (i: number): string => `${i}:${'the same words again and again '.repeat(60)}`;

  test('shared mode: compressed once per message; every kind of subscriber decodes it', async (t) => {
    const { server, port } = await topicServer({ deflate: true });
    t.after(() => server.close());
    const compressed = await Promise.all([1, 2, 3].map(() => subscriber(port, 'z', true)));
    const dedicatedClient = await subscriber(port, 'z', { mode: 'dedicated' });
    const plain = await subscriber(port, 'z');
    const all = [...compressed, dedicatedClient, plain];
    t.after(() => {
      for (const s of all) s.ws.terminate();
    });
    assert.match(compressed[0]!.ws.extensions, /permessage-deflate/);
    assert.equal(plain.ws.extensions, '');
    await until(() => server.subscribers('z') === 5, 'the subscriptions');
    const before = server.pubsubStats;
    const count = 50;
    for (let i = 0; i < count; i++) server.publish('z', big(i));
    server.publish('z', 'small');
    const expected = [...Array.from({ length: count }, (_, i) => big(i)), 'small'];
    await until(() => all.every((s) => s.texts.length === count + 1), 'every delivery');
    for (const s of all) assert.deepEqual(s.texts, expected);
    const after = server.pubsubStats;
    // The server answers every offer with no context takeover (shared mode): one compressed
    // frame per large message serves the four compressing subscribers.
    assert.equal(after.framesCompressed - before.framesCompressed, count);
    // The uncompressed frame: once per message, for the plain subscriber (and 'small' for all).
    assert.equal(after.framesEncoded - before.framesEncoded, count + 1);
  });

  test('dedicated mode: each subscriber compresses with its own context, and decodes', async (t) => {
    const { server, port } = await topicServer({ deflate: { mode: 'dedicated' } });
    t.after(() => server.close());
    const subs = await Promise.all([1, 2, 3].map(() => subscriber(port, 'z', true)));
    t.after(() => {
      for (const s of subs) s.ws.terminate();
    });
    assert.doesNotMatch(subs[0]!.ws.extensions, /server_no_context_takeover/);
    await until(() => server.subscribers('z') === 3, 'the subscriptions');
    const before = server.pubsubStats;
    const count = 50;
    for (let i = 0; i < count; i++) server.publish('z', big(i));
    const expected = Array.from({ length: count }, (_, i) => big(i));
    await until(() => subs.every((s) => s.texts.length === count), 'every delivery');
    for (const s of subs) assert.deepEqual(s.texts, expected);
    const after = server.pubsubStats;
    assert.equal(after.framesCompressed - before.framesCompressed, 0, 'no shared compression');
    assert.equal(after.delivered - before.delivered, count * 3);
  });
});

describe('a slow subscriber', { timeout: 60_000 }, () => {
  const KiB = 1024;
  const chunk = Buffer.alloc(16 * KiB, 0x61);
  /** Publish in bursts, a turn of the event loop apart, until `stop()` or the cap. */
  async function pump(
    server: { publish(topic: string, data: Buffer): number },
    stop: () => boolean,
  ): Promise<number> {
    let published = 0;
    while (!stop() && published < 4096) {
      for (let i = 0; i < 8; i++) server.publish('t', chunk);
      published += 8;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return published;
  }

  for (const policy of ['close', 'drop'] as const) {
    test(`does not block the others (slowSubscriber: '${policy}')`, async (t) => {
      const closeCodes: number[] = [];
      const { server, port } = await topicServer(
        { maxBackpressure: 256 * KiB, pubsub: { slowSubscriber: policy } },
        closeCodes,
      );
      t.after(() => server.close());
      const slow = await RawClient.open(port, {
        request:
          'GET /?t=t HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      });
      t.after(() => slow.socket.destroy());
      slow.socket.pause(); // never reads again
      let fastBytes = 0;
      let fastMessages = 0;
      const fast = await connect(`ws://127.0.0.1:${port}/?t=t`, {
        handler: {
          message(_ws, data) {
            fastMessages++;
            fastBytes += data.length;
          },
        },
      });
      t.after(() => fast.terminate());
      await until(() => server.subscribers('t') === 2, 'the subscriptions');
      const published = await pump(server, () =>
        policy === 'close' ? server.subscribers('t') === 1 : server.pubsubStats.dropped > 100,
      );
      assert.ok(published < 4096, 'the slow subscriber was dealt with before the cap');
      await until(() => fastMessages === published, 'every message at the fast subscriber');
      assert.equal(fastBytes, published * chunk.length);
      if (policy === 'close') {
        // Closed with 1008 past maxBackpressure, and out of the topic at once.
        assert.deepEqual(closeCodes, [1008]);
        assert.equal(server.subscribers('t'), 1);
      } else {
        assert.deepEqual(closeCodes, []);
        assert.equal(server.subscribers('t'), 2, 'the slow subscriber stays subscribed');
        assert.ok(server.pubsubStats.dropped > 100);
        const slowConnection = [...server.connections].find((c) => c.bufferedAmount > 0);
        assert.equal(slowConnection?.readyState, ReadyState.OPEN);
      }
    });
  }
});
