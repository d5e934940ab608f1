/**
 * The Redis broker against a real redis-server on a free loopback port, with wirekit servers in
 * child processes (`broker-node.ts`): delivery across processes, order per publisher, no
 * duplicates, one Redis subscription per topic and process, unsubscribe, Redis killed and
 * started again mid-run (at-most-once: what was published while it was down reaches only the
 * publishing process, as documented), 10,000 topics with memory measured, and refusals (a
 * message over the size limit, a flood past the pending-bytes limit). Everything started here
 * is stopped here; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient } from 'redis';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { RedisBroker } from '../../src/node/pubsub/redis/redis-broker.js';
import { serve } from '../../src/node/websocket-server.js';
import { BrokerNode } from './broker-node-handle.js';
import { RedisServer } from './redis-server.js';

/** Wait until `predicate()` holds (checked every 10 ms), at most `ms`. */
async function until(
  predicate: () => boolean | Promise<boolean>,
  what = 'a condition',
  ms = 20_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Client {
  readonly ws: Connection<undefined>;
  readonly texts: string[];
}

async function client(port: number, topics = ''): Promise<Client> {
  const texts: string[] = [];
  const ws = await connect(`ws://127.0.0.1:${port}/?t=${topics}`, {
    handler: {
      message(_ws, data) {
        texts.push(data.toString());
      },
    },
  });
  return { ws, texts };
}

/** Send a command and wait for its `ok`. */
async function command(c: Client, text: string): Promise<void> {
  const before = c.texts.filter((t) => t === 'ok').length;
  c.ws.send(text);
  await until(() => c.texts.filter((t) => t === 'ok').length > before, `ok for ${text}`, 30_000);
}

/** Messages of publisher `who` (`who:seq`), as sequence numbers in arrival order. */
function sequence(texts: readonly string[], who: string): number[] {
  return texts.filter((t) => t.startsWith(`${who}:`)).map((t) => Number(t.slice(who.length + 1)));
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

describe('Redis broker', { timeout: 180_000 }, () => {
  let redis: RedisServer;
  let control: ReturnType<typeof createClient>;
  const nodes: BrokerNode[] = [];
  const clients: Client[] = [];

  /** Subscribers of `channel` as Redis counts them (one per subscribed process). */
  async function numsub(channel: string): Promise<number> {
    if (!control.isReady) return -1;
    const reply = (await control.sendCommand(['PUBSUB', 'NUMSUB', channel])) as [string, number];
    return Number(reply[1]);
  }

  async function node(): Promise<BrokerNode> {
    const started = await BrokerNode.start(redis.url);
    nodes.push(started);
    return started;
  }

  async function open(port: number, topics = ''): Promise<Client> {
    const c = await client(port, topics);
    clients.push(c);
    return c;
  }

  before(async () => {
    redis = await RedisServer.start();
    control = createClient({ url: redis.url, socket: { reconnectStrategy: 50 } });
    control.on('error', () => {});
    await control.connect();
  });

  after(async () => {
    for (const c of clients) c.ws.terminate();
    for (const n of nodes) {
      await n.close().catch(() => n.kill());
    }
    control.destroy();
    await redis.stop();
  });

  test('three processes: every subscriber gets every message once, in order per publisher', async () => {
    const [a, b, c] = [await node(), await node(), await node()];
    const subscribers = [
      await open(a.port, 'x'),
      await open(a.port, 'x'),
      await open(b.port, 'x'),
      await open(b.port, 'x'),
      await open(c.port, 'x'),
      await open(c.port, 'x'),
    ];
    const pa = await open(a.port);
    const pb = await open(b.port);
    await until(async () => (await numsub('wirekit:x')) === 3, 'one subscription per process');
    const count = 300;
    for (let i = 0; i < count; i++) {
      pa.ws.send(`pub:x:a:${i}`);
      pb.ws.send(`pub:x:b:${i}`);
      if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    }
    await until(
      () => subscribers.every((s) => s.texts.length === 2 * count),
      'every delivery',
      60_000,
    );
    // A round trip through every process later, nothing more has arrived: no duplicates.
    pa.ws.send('pub:x:end:0');
    await until(() => subscribers.every((s) => s.texts.length === 2 * count + 1), 'the end mark');
    for (const s of subscribers) {
      assert.deepEqual(sequence(s.texts, 'a'), range(0, count));
      assert.deepEqual(sequence(s.texts, 'b'), range(0, count));
    }
    assert.deepEqual(pa.texts, []);
    for (const n of [a, b, c]) assert.equal((await n.stats()).broker.channels, 1);
  });

  test('unsubscribe stops delivery; the Redis subscription ends with the last local subscriber', async () => {
    const [a, b] = [await node(), await node()];
    const onA = await open(a.port, 'u');
    const b1 = await open(b.port, 'u');
    const b2 = await open(b.port, 'u');
    const publisher = await open(a.port);
    await until(async () => (await numsub('wirekit:u')) === 2, 'both processes subscribed');
    publisher.ws.send('pub:u:p:0');
    await until(() => b1.texts.length === 1 && b2.texts.length === 1 && onA.texts.length === 1);
    await command(b1, 'unsub:u');
    assert.equal(await numsub('wirekit:u'), 2, 'b2 still holds the subscription of process b');
    publisher.ws.send('pub:u:p:1');
    await until(() => b2.texts.length === 2 && onA.texts.length === 2, 'the second message');
    await command(b2, 'unsub:u');
    await until(async () => (await numsub('wirekit:u')) === 1, 'process b unsubscribed');
    publisher.ws.send('pub:u:p:2');
    await until(() => onA.texts.length === 3, 'the third message on a');
    publisher.ws.send('pub:u:p:3');
    await until(() => onA.texts.length === 4, 'the fourth message on a');
    assert.deepEqual(sequence(b1.texts, 'p'), [0]);
    assert.deepEqual(sequence(b2.texts, 'p'), [0, 1]);
  });

  test('Redis killed and restarted mid-run: reconnect, resubscribe; the outage is at-most-once', async () => {
    const [a, b] = [await node(), await node()];
    const local = await open(a.port, 'k');
    const remote = await open(b.port, 'k');
    const publisher = await open(a.port);
    await until(async () => (await numsub('wirekit:k')) === 2, 'both subscribed');
    for (let i = 0; i < 100; i++) publisher.ws.send(`pub:k:p:${i}`);
    await until(() => remote.texts.length === 100 && local.texts.length === 100, 'phase 1');

    await redis.kill();
    await until(async () => !(await a.stats()).broker.connected, 'a to see Redis gone');
    await until(async () => !(await b.stats()).broker.connected, 'b to see Redis gone');
    const droppedBefore = (await a.stats()).broker.droppedWhileDown;
    for (let i = 100; i < 200; i++) publisher.ws.send(`pub:k:p:${i}`);
    await until(() => local.texts.length === 200, 'local delivery during the outage');
    assert.equal((await a.stats()).broker.droppedWhileDown - droppedBefore, 100);

    await redis.restart();
    await until(
      async () => (await a.stats()).broker.connected && (await b.stats()).broker.connected,
      'both to reconnect',
      30_000,
    );
    await until(async () => (await numsub('wirekit:k')) === 2, 'both to resubscribe', 30_000);
    for (let i = 200; i < 300; i++) publisher.ws.send(`pub:k:p:${i}`);
    await until(() => local.texts.length === 300 && remote.texts.length === 200, 'phase 3');
    assert.deepEqual(sequence(local.texts, 'p'), range(0, 300));
    // At most once: what was published while Redis was down never reaches other processes.
    assert.deepEqual(sequence(remote.texts, 'p'), [...range(0, 100), ...range(200, 300)]);
  });

  test('10,000 topics: one Redis channel each, memory measured, released on close', async (t) => {
    const [a, b] = [await node(), await node()];
    const topics = 10_000;
    const before = await a.stats();
    const usedBefore = await redisMemory();
    const many = await open(a.port);
    await command(many, `many:${topics}`);
    const countChannels = async (): Promise<number> =>
      ((await control.sendCommand(['PUBSUB', 'CHANNELS', 'wirekit:t*'])) as string[]).length;
    await until(async () => (await countChannels()) === topics, 'every channel', 60_000);
    const subscribed = await a.stats();
    const usedAfter = await redisMemory();
    assert.equal(subscribed.pubsub.topics, topics);
    assert.equal(subscribed.broker.channels, topics);
    const heap = subscribed.heapUsed - before.heapUsed;
    t.diagnostic(
      `10,000 topics on one connection: wirekit heap +${(heap / 1024 / 1024).toFixed(1)} MiB ` +
        `(${Math.round(heap / topics)} B per topic), rss +${((subscribed.rss - before.rss) / 1024 / 1024).toFixed(1)} MiB; ` +
        `redis used_memory +${((usedAfter - usedBefore) / 1024 / 1024).toFixed(1)} MiB`,
    );
    // Bounded: a topic costs the server a few hundred bytes, not kilobytes.
    assert.ok(heap < 32 * 1024 * 1024, `heap grew by ${heap} bytes`);
    const publisher = await open(b.port);
    publisher.ws.send('pub:t9999:p:0');
    publisher.ws.send('pub:t0:p:1');
    await until(() => many.texts.length === 3, 'messages on the first and last topics');
    assert.deepEqual(many.texts.slice(1), ['p:0', 'p:1']);
    many.ws.close(1000);
    await until(async () => (await countChannels()) === 0, 'every channel released', 60_000);
    assert.equal((await a.stats()).broker.channels, 0);
  });

  async function redisMemory(): Promise<number> {
    const info = (await control.sendCommand(['INFO', 'memory'])) as string;
    return Number(/used_memory:(\d+)/.exec(info)?.[1]);
  }

  test('refused: a message over the size limit, and a flood past the pending limit', async (t) => {
    const broker = await RedisBroker.connect(redis.url, {
      maxMessageSize: 1024,
      maxPendingBytes: 16 * 1024,
    });
    t.after(() => broker.close());
    const server = await serve({ port: 0, pubsub: { broker }, handler: {} });
    t.after(() => server.close());
    const sub = await open(server.address!.port);
    await until(() => server.connections.size === 1, 'the connection');
    [...server.connections][0]!.subscribe('f');
    const refused = (e: unknown): boolean =>
      e instanceof WirekitError && e.code === ErrorCode.PUBSUB_REFUSED;
    assert.throws(() => server.publish('f', Buffer.alloc(2048)), refused);
    // A synchronous burst: Redis acknowledges nothing until this loop yields.
    let accepted = 0;
    let refusal: unknown;
    for (let i = 0; i < 1000 && refusal === undefined; i++) {
      try {
        server.publish('f', `${i}:${'x'.repeat(1000)}`);
        accepted++;
      } catch (error) {
        refusal = error;
      }
    }
    assert.ok(refused(refusal), 'the flood is refused');
    assert.ok(accepted >= 10 && accepted < 20, `${accepted} accepted before the limit`);
    await until(() => sub.texts.length === accepted, 'the accepted messages, locally');
    await until(() => broker.stats.pendingBytes === 0, 'Redis to acknowledge');
    server.publish('f', 'after');
    await until(() => sub.texts.length === accepted + 1, 'a publish after the flood');
    assert.equal(broker.stats.refused, 2);
  });
});
