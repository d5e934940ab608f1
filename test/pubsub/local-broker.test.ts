/**
 * The in-process broker: two servers of one process share topics. A publish on either reaches
 * the subscribers of both, once each and in order, the sender excluded; the broker holds one
 * subscription per server and topic, released when the last subscriber leaves or the server
 * closes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import { LocalBroker } from '../../src/node/pubsub/local-broker.js';
import { serve } from '../../src/node/websocket-server.js';
import { until } from '../node/helpers.js';

test('two servers on one LocalBroker share topics', async (t) => {
  const broker = new LocalBroker();
  const handler = {
    open(ws: { subscribe(topic: string): boolean }) {
      ws.subscribe('room');
    },
    message(
      ws: { publish(topic: string, data: Uint8Array, isBinary: boolean): number },
      data: Buffer,
    ) {
      ws.publish('room', data, false);
    },
  };
  const a = await serve({ port: 0, pubsub: { broker }, handler });
  const b = await serve({ port: 0, pubsub: { broker }, handler });
  t.after(() => Promise.all([a.close(), b.close()]));
  const received = new Map<string, string[]>();
  const open = async (name: string, port: number) => {
    const texts: string[] = [];
    received.set(name, texts);
    return connect(`ws://127.0.0.1:${port}/`, {
      handler: {
        message(_ws, data) {
          texts.push(data.toString());
        },
      },
    });
  };
  const a1 = await open('a1', a.address!.port);
  const a2 = await open('a2', a.address!.port);
  const b1 = await open('b1', b.address!.port);
  t.after(() => {
    for (const ws of [a1, a2, b1]) ws.terminate();
  });
  await until(() => a.subscribers('room') === 2 && b.subscribers('room') === 1, 'subscriptions');
  assert.equal(broker.topicCount, 1);
  for (let i = 0; i < 100; i++) a.publish('room', `s${i}`);
  a1.send('from a1');
  const all = Array.from({ length: 100 }, (_, i) => `s${i}`);
  await until(() => received.get('b1')!.length === 101 && received.get('a2')!.length === 101);
  assert.deepEqual(received.get('b1'), [...all, 'from a1']);
  assert.deepEqual(received.get('a2'), [...all, 'from a1']);
  assert.deepEqual(received.get('a1'), all, 'the sender does not get its own message');
  b1.close(1000);
  await until(() => b.subscribers('room') === 0, 'b1 to leave');
  a.publish('room', 'after');
  await until(() => received.get('a2')!.length === 102, 'the last message');
  assert.equal(received.get('b1')!.length, 101);
  await b.close();
  await a.close();
  assert.equal(broker.topicCount, 0, 'every subscription released');
});
