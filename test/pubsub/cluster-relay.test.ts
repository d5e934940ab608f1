/**
 * The cluster bridge without processes: ClusterBroker (a worker's side) over a fake IPC
 * channel, ClusterRelay (the primary's side) with fake workers. A publish goes to the other
 * workers subscribed to its topic, in order, never back to its own worker; the worker's other
 * servers get it at once; a worker that leaves (unsubscribe, exit) gets nothing more.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerSink } from '../../src/node/pubsub/broker.js';
import { ClusterBroker, type ClusterChannel } from '../../src/node/pubsub/cluster-broker.js';
import type { FromWorker, ToWorker } from '../../src/node/pubsub/cluster-messages.js';
import { ClusterRelay, type RelayedWorker } from '../../src/node/pubsub/cluster-relay.js';

/** One worker: its broker, the channel to the relay, and what its sinks received. */
function worker(id: number, relay: ClusterRelay) {
  const listeners = new Set<(message: unknown) => void>();
  const handle: RelayedWorker = {
    id,
    isConnected: () => true,
    send(message: ToWorker, written?: (error: Error | null) => void) {
      for (const listener of listeners) listener(structuredClone(message));
      written?.(null);
    },
  };
  const channel: ClusterChannel = {
    send(message: FromWorker, written?: (error: Error | null) => void) {
      relay.handle(handle, structuredClone(message));
      written?.(null);
    },
    on(_event, listener) {
      listeners.add(listener);
    },
    off(_event, listener) {
      listeners.delete(listener);
    },
  };
  const broker = new ClusterBroker(channel);
  const received: string[] = [];
  const sink: BrokerSink = {
    deliver(topic, data) {
      received.push(`${topic}:${Buffer.from(data).toString()}`);
    },
  };
  return { handle, broker, sink, received };
}

test('ClusterBroker + ClusterRelay: other workers, in order, not back to the sender', () => {
  const relay = new ClusterRelay();
  const [a, b, c] = [worker(1, relay), worker(2, relay), worker(3, relay)];
  a.broker.subscribe('t', a.sink);
  b.broker.subscribe('t', b.sink);
  c.broker.subscribe('other', c.sink);
  assert.equal(relay.topicCount, 2);
  for (let i = 0; i < 5; i++) a.broker.publish('t', Buffer.from(`m${i}`), true, a.sink);
  assert.deepEqual(b.received, ['t:m0', 't:m1', 't:m2', 't:m3', 't:m4']);
  assert.deepEqual(a.received, [], 'the publishing server delivers to its own subscribers');
  assert.deepEqual(c.received, []);

  // A second server in worker b: it gets b's own publishes at once, and a's through the relay.
  const second: string[] = [];
  const secondSink: BrokerSink = {
    deliver(topic, data) {
      second.push(`${topic}:${Buffer.from(data).toString()}`);
    },
  };
  b.broker.subscribe('t', secondSink);
  b.broker.publish('t', Buffer.from('from b'), false, b.sink);
  assert.deepEqual(second, ['t:from b']);
  assert.deepEqual(a.received, ['t:from b']);

  b.broker.unsubscribe('t', b.sink);
  a.broker.publish('t', Buffer.from('still'), false, a.sink);
  assert.deepEqual(second, ['t:from b', 't:still'], 'b stays subscribed while a server of it is');
  b.broker.unsubscribe('t', secondSink);
  a.broker.publish('t', Buffer.from('gone'), false, a.sink);
  assert.equal(second.length, 2);

  relay.remove(a.handle);
  b.broker.subscribe('t', b.sink);
  b.broker.publish('t', Buffer.from('after exit'), false, b.sink);
  assert.equal(a.received.length, 1, 'an exited worker gets nothing more');
  assert.equal(relay.topicCount, 2);
});

test('limits: a worker whose channel writes do not complete is refused past maxPendingBytes; the relay drops for a worker that does not read', () => {
  const limits = { maxPendingBytes: 1000, maxMessageSize: 500 };
  const relay = new ClusterRelay(limits);
  const sent: ToWorker[] = [];
  // A worker that never reads: its writes never complete.
  const stuck: RelayedWorker = { id: 9, isConnected: () => true, send: (m) => sent.push(m) };
  relay.handle(stuck, { tag: 'wirekit.cluster', kind: 'subscribe', topic: 't' });
  const fromWorker: FromWorker[] = [];
  const channel: ClusterChannel = {
    send(message) {
      fromWorker.push(message); // never written
    },
    on() {},
    off() {},
  };
  const broker = new ClusterBroker(channel, limits);
  const origin: BrokerSink = { deliver() {} };
  const refusedAt: number[] = [];
  for (let i = 0; i < 10; i++) {
    try {
      broker.publish('t', Buffer.alloc(200), true, origin);
    } catch (error) {
      assert.equal((error as { code?: string }).code, 'ERR_PUBSUB_REFUSED');
      refusedAt.push(i);
    }
  }
  // 200 bytes + the topic + a 64-byte envelope: 266 each, so three fit in 1000.
  assert.deepEqual(refusedAt, [3, 4, 5, 6, 7, 8, 9]);
  assert.equal(broker.stats.refused, 7);
  assert.ok(broker.stats.pendingBytes <= 1000);
  assert.throws(() => broker.publish('t', Buffer.alloc(501), true, origin), /ipc.maxMessageSize/);
  // The relay: three fit in the stuck worker's queue, the rest is dropped and counted.
  const publisher: RelayedWorker = { id: 1, isConnected: () => true, send: () => {} };
  for (let i = 0; i < 10; i++)
    relay.handle(publisher, {
      tag: 'wirekit.cluster',
      kind: 'publish',
      topic: 't',
      data: Buffer.alloc(200),
      isBinary: true,
    });
  assert.equal(sent.length, 3);
  assert.deepEqual(relay.stats, { relayed: 3, dropped: 7, maxQueuedBytes: 3 * 266 });
  assert.equal(relay.queuedBytes(stuck), 3 * 266);
});
