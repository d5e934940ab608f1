/**
 * wirekit/redis: the Redis broker for topics across processes and machines. Needs the
 * optional peer dependency `redis` (node-redis): `npm install redis`.
 */
export {
  RedisBroker,
  type RedisBrokerOptions,
  type RedisBrokerStats,
} from './redis-broker.js';
