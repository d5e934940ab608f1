/**
 * A wirekit server with a Redis broker, alone in a child process (run by `broker-node-handle.ts`
 * for the broker tests): `node broker-node.js REDIS_URL`. Its connections subscribe to the
 * topics of their URL (`/?t=a,b`) and send commands as text messages:
 * - `pub:TOPIC:BODY` publishes BODY to TOPIC from this connection (not back to it);
 * - `sub:TOPIC`, `unsub:TOPIC` change its subscriptions and answer `ok`;
 * - `many:N` subscribes it to topics t0 … t(N-1) and answers `ok`.
 * Over IPC it answers `{ type: 'stats' }` with the server's and broker's counters and its
 * memory, and `{ type: 'close' }` by closing the server and the broker, then exiting.
 */
import { RedisBroker, type RedisBrokerStats } from '../../src/node/pubsub/redis/redis-broker.js';
import type { PubSubStats } from '../../src/node/pubsub/topic-registry.js';
import { serve } from '../../src/node/websocket-server.js';

/** The child's figures (heap measured after a full GC). */
export interface BrokerNodeStats {
  readonly broker: RedisBrokerStats;
  readonly pubsub: PubSubStats;
  readonly heapUsed: number;
  readonly rss: number;
}

/** What the child sends over IPC. */
export type FromBrokerNode =
  | { readonly type: 'ready'; readonly port: number }
  | ({ readonly type: 'stats' } & BrokerNodeStats);

const url = process.argv[2];
if (url === undefined) throw new Error('usage: broker-node.js REDIS_URL');
const broker = await RedisBroker.connect(url, {
  minReconnectDelay: 20,
  maxReconnectDelay: 200,
  maxPendingBytes: Number(process.env['BROKER_MAX_PENDING'] ?? 8 * 1024 * 1024),
});
const server = await serve<{ topics: string[] }>({
  port: 0,
  pubsub: { broker, maxTopicsPerConnection: 20_000 },
  handler: {
    upgrade(request) {
      const query = new URL(request.url, 'http://x').searchParams.get('t');
      return { topics: query === null || query === '' ? [] : query.split(',') };
    },
    open(ws) {
      for (const topic of ws.data.topics) ws.subscribe(topic);
    },
    message(ws, data) {
      const text = data.toString();
      const colon = text.indexOf(':');
      const command = text.slice(0, colon);
      const rest = text.slice(colon + 1);
      if (command === 'pub') {
        const at = rest.indexOf(':');
        ws.publish(rest.slice(0, at), rest.slice(at + 1));
      } else if (command === 'sub') {
        ws.subscribe(rest);
        ws.send('ok');
      } else if (command === 'unsub') {
        ws.unsubscribe(rest);
        ws.send('ok');
      } else if (command === 'many') {
        for (let i = 0; i < Number(rest); i++) ws.subscribe(`t${i}`);
        ws.send('ok');
      }
    },
  },
});

function send(message: FromBrokerNode): void {
  process.send?.(message);
}

process.on('message', (message: { type: string }) => {
  if (message.type === 'stats') {
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    send({
      type: 'stats',
      broker: broker.stats,
      pubsub: server.pubsubStats,
      heapUsed: memory.heapUsed,
      rss: memory.rss,
    });
  } else if (message.type === 'close') {
    void server
      .close()
      .then(() => broker.close())
      .then(() => process.exit(0));
  }
});
send({ type: 'ready', port: server.address!.port });
