/**
 * TopicSinks, the reference counting every broker shares: the first subscription of a topic and
 * the last unsubscription are the only ones reported (they drive the upstream subscription);
 * a sink subscribed twice gets each message once and stays until its second unsubscribe;
 * delivery skips the origin.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BrokerSink } from '../../src/node/pubsub/broker.js';
import { TopicSinks } from '../../src/node/pubsub/topic-sinks.js';

function sink(): BrokerSink & { readonly got: string[] } {
  const got: string[] = [];
  return {
    got,
    deliver(topic, data, isBinary) {
      got.push(`${topic}:${Buffer.from(data).toString()}:${isBinary ? 'b' : 't'}`);
    },
  };
}

test('first add and last remove of a topic are reported; counts per sink', () => {
  const sinks = new TopicSinks();
  const [a, b] = [sink(), sink()];
  assert.equal(sinks.add('t', a), true, 'first sink of t');
  assert.equal(sinks.add('t', a), false, 'a again');
  assert.equal(sinks.add('t', b), false);
  assert.equal(sinks.add('u', b), true);
  assert.equal(sinks.size, 2);
  assert.deepEqual([...sinks.topics()], ['t', 'u']);
  assert.equal(sinks.remove('t', a), false, 'a still holds one subscription');
  assert.equal(sinks.remove('t', b), false, 'a is still there');
  assert.equal(sinks.remove('t', a), true, 'the last one left');
  assert.equal(sinks.has('t'), false);
  assert.equal(sinks.remove('t', a), false, 'removing what is not there changes nothing');
  assert.equal(sinks.remove('u', a), false, 'a never subscribed to u');
  assert.equal(sinks.has('u'), true);
  sinks.clear();
  assert.equal(sinks.size, 0);
});

test('deliver: every sink once, however many times it subscribed, except the origin', () => {
  const sinks = new TopicSinks();
  const [a, b, c] = [sink(), sink(), sink()];
  sinks.add('t', a);
  sinks.add('t', a);
  sinks.add('t', b);
  sinks.add('other', c);
  assert.equal(sinks.deliver('t', Buffer.from('x'), false), 2);
  assert.equal(sinks.deliver('t', Buffer.from('y'), true, a), 1);
  assert.equal(sinks.deliver('none', Buffer.from('z'), false), 0);
  assert.deepEqual(a.got, ['t:x:t']);
  assert.deepEqual(b.got, ['t:x:t', 't:y:b']);
  assert.deepEqual(c.got, []);
});
