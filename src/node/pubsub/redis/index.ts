/**
 * wirekit/redis: the Redis broker for topics across processes and machines. Needs the
 * optional peer dependency `redis` (node-redis): `npm install redis`.
 *
 * @example
 * ```ts
 * import { serve } from 'wirekit';
 * import { RedisBroker } from 'wirekit/redis';
 * const broker = await RedisBroker.connect('redis://127.0.0.1:6379');
 * const server = await serve({ port: 9001, handler: {}, pubsub: { broker } });
 * ```
 *
 * @module wirekit/redis
 */
export {
  RedisBroker,
  type RedisBrokerOptions,
  type RedisBrokerStats,
} from './redis-broker.js';
