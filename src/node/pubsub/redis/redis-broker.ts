/**
 * A {@link Broker} over Redis pub/sub (node-redis, the `redis` package: an optional peer
 * dependency, loaded only by this entry, `wirekit/redis`), so that a publish on one process or
 * machine reaches the subscribers of every server connected to the same Redis.
 *
 * - One Redis channel per topic (`prefix` + topic), subscribed once per process while any
 *   server of the process has a subscriber to the topic (reference-counted), on a dedicated
 *   subscriber connection; publishes go out on a second connection.
 * - A message is one PUBLISH whose payload is a 1-byte header (bit 0: binary), the 16-byte id
 *   of the publishing broker, then the message. A broker ignores its own messages coming back
 *   from Redis: it delivered them to the other servers of its process when they were
 *   published, and the publishing server to its own subscribers.
 * - Order: messages of one publisher to one topic reach every subscriber in publish order
 *   (one connection, and Redis keeps the order of a connection's commands and deliveries).
 * - Faults: when a connection to Redis drops (Redis restarted, the network), it reconnects
 *   with exponential backoff (`minReconnectDelay` doubling up to `maxReconnectDelay`, with
 *   jitter) and node-redis subscribes every channel again. Delivery is **at most once**: a
 *   message published while the publishing connection is down is not buffered; it still
 *   reaches the subscribers of the publishing process, is not sent to other processes, and is
 *   counted in `stats.droppedWhileDown`. Messages published by others while this process's
 *   subscriber connection is down are lost for it (Redis pub/sub keeps nothing).
 * - Limits: a message over `maxMessageSize`, or a publish while more than `maxPendingBytes`
 *   are sent to Redis and not yet acknowledged (Redis or the network is slower than the
 *   publishers: a flood), throws `ERR_PUBSUB_REFUSED` before anything is delivered anywhere,
 *   rather than queue without bound.
 *
 * @example
 * ```ts
 * import { serve } from 'wirekit';
 * import { RedisBroker } from 'wirekit/redis';
 * const broker = await RedisBroker.connect('redis://127.0.0.1:6379');
 * const server = await serve({ port: 9001, handler, pubsub: { broker } });
 * ```
 */
import { randomBytes } from 'node:crypto';
import { createClient } from 'redis';
import { ErrorCode, WirekitError } from '../../../core/errors.js';
import type { Broker, BrokerSink } from '../broker.js';
import { PendingBytes } from '../pending-bytes.js';
import { TopicSinks } from '../topic-sinks.js';

/** Options of {@link RedisBroker.connect}. */
export interface RedisBrokerOptions {
  /** Prefix of the Redis channel of each topic. Default `'wirekit:'`. */
  readonly prefix?: string;
  /** Largest message published through Redis (`ERR_PUBSUB_REFUSED` beyond). Default 1 MiB. */
  readonly maxMessageSize?: number;
  /** Bytes sent to Redis and not yet acknowledged past which publishes are refused
   * (`ERR_PUBSUB_REFUSED`). Default 8 MiB. */
  readonly maxPendingBytes?: number;
  /** First reconnect delay, in ms; doubles per attempt. Default 50. */
  readonly minReconnectDelay?: number;
  /** Longest reconnect delay, in ms. Default 2 000. */
  readonly maxReconnectDelay?: number;
  /** Give up connecting at first after this many ms. Default 5 000. */
  readonly connectTimeout?: number;
  /** Errors of the Redis connections (each drop, each failed reconnect). Default: ignored. */
  readonly onError?: (error: Error) => void;
}

/** Counters of a {@link RedisBroker}. */
export interface RedisBrokerStats {
  /** Messages sent to Redis. */
  readonly published: number;
  /** Messages from other processes delivered to this process's servers. */
  readonly received: number;
  /** Messages not sent to other processes because the publishing connection was down. */
  readonly droppedWhileDown: number;
  /** Publishes refused: too large, or past `maxPendingBytes`. */
  readonly refused: number;
  /** Redis channels this process is subscribed to. */
  readonly channels: number;
  /** Bytes sent to Redis and not yet acknowledged. */
  readonly pendingBytes: number;
  /** Both connections are up. */
  readonly connected: boolean;
}

/** The part of a node-redis client used here. */
interface RedisConnection {
  readonly isReady: boolean;
  connect(): Promise<unknown>;
  publish(channel: string, message: Buffer): Promise<unknown>;
  subscribe(channel: string, listener: Listener, bufferMode: true): Promise<void>;
  unsubscribe(channel: string, listener: Listener, bufferMode: true): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  duplicate(): RedisConnection;
  close(): Promise<void>;
  destroy(): void;
}

type Listener = (message: Buffer, channel: Buffer) => void;

const HEADER = 17;
const BINARY = 1;
const ORIGIN = 16;

/** A broker over Redis pub/sub. Make one per process with {@link RedisBroker.connect}. */
export class RedisBroker implements Broker {
  readonly #publisher: RedisConnection;
  readonly #subscriber: RedisConnection;
  readonly #prefix: string;
  readonly #maxMessageSize: number;
  readonly #maxPendingBytes: number;
  /** This broker's id in every message it publishes. */
  readonly #origin: Buffer = randomBytes(ORIGIN);
  /** Per topic: the sinks of this process and how many times each subscribed. */
  readonly #sinks = new TopicSinks();
  /** Publishes not yet acknowledged (Redis answers in order). */
  readonly #pending = new PendingBytes();
  #published = 0;
  #received = 0;
  #droppedWhileDown = 0;
  #refused = 0;
  #closed = false;
  readonly #onMessage: Listener = (message, channel) => this.#deliver(message, channel);

  private constructor(publisher: RedisConnection, options: RedisBrokerOptions) {
    this.#publisher = publisher;
    this.#subscriber = publisher.duplicate();
    this.#prefix = options.prefix ?? 'wirekit:';
    this.#maxMessageSize = options.maxMessageSize ?? 1024 * 1024;
    this.#maxPendingBytes = options.maxPendingBytes ?? 8 * 1024 * 1024;
    const onError = options.onError ?? ignore;
    // node-redis emits every connection error; without a listener one would crash the process.
    this.#publisher.on('error', onError);
    this.#subscriber.on('error', onError);
  }

  /**
   * Connect to Redis at `url` (`redis://host:port`, `rediss://` for TLS). Resolves once both
   * connections are up; rejects after `connectTimeout` if Redis cannot be reached.
   */
  static async connect(url: string, options: RedisBrokerOptions = {}): Promise<RedisBroker> {
    const min = options.minReconnectDelay ?? 50;
    const max = options.maxReconnectDelay ?? 2000;
    let connecting = true;
    const client = createClient({
      url,
      // The first connection fails fast (the caller decides); later drops retry forever with
      // exponential backoff and jitter, so that many processes do not reconnect in step.
      socket: {
        connectTimeout: options.connectTimeout ?? 5000,
        reconnectStrategy: (retries: number, cause: Error): number | Error =>
          connecting
            ? cause
            : Math.min(max, min * 2 ** Math.min(retries, 20)) * (0.5 + Math.random() / 2),
      },
      // Publishes are never queued while disconnected (see #send); subscribe commands are, and
      // go out on reconnect.
    }) as unknown as RedisConnection;
    const broker = new RedisBroker(client, options);
    try {
      await Promise.all([broker.#publisher.connect(), broker.#subscriber.connect()]);
    } catch (error) {
      broker.#publisher.destroy();
      broker.#subscriber.destroy();
      throw new WirekitError(ErrorCode.CONNECTION_LOST, `cannot connect to Redis at ${url}`, {
        cause: error,
      });
    }
    connecting = false;
    return broker;
  }

  /** A snapshot of the broker's counters (messages published, received, dropped, refused; channels; bytes pending). */
  get stats(): RedisBrokerStats {
    return {
      published: this.#published,
      received: this.#received,
      droppedWhileDown: this.#droppedWhileDown,
      refused: this.#refused,
      channels: this.#sinks.size,
      pendingBytes: this.#pending.bytes,
      connected: this.#publisher.isReady && this.#subscriber.isReady,
    };
  }

  subscribe(topic: string, sink: BrokerSink): void {
    if (this.#closed) return;
    if (this.#sinks.add(topic, sink))
      this.#subscriber.subscribe(this.#prefix + topic, this.#onMessage, true).catch(ignore);
  }

  unsubscribe(topic: string, sink: BrokerSink): void {
    if (this.#sinks.remove(topic, sink) && !this.#closed)
      this.#subscriber.unsubscribe(this.#prefix + topic, this.#onMessage, true).catch(ignore);
  }

  publish(topic: string, data: Uint8Array, isBinary: boolean, origin: BrokerSink): void {
    if (this.#closed) return;
    if (data.length > this.#maxMessageSize) {
      this.#refused++;
      throw new WirekitError(
        ErrorCode.PUBSUB_REFUSED,
        `message of ${data.length} bytes; Redis broker limit ${this.#maxMessageSize}`,
      );
    }
    if (this.#pending.bytes + data.length > this.#maxPendingBytes) {
      this.#refused++;
      throw new WirekitError(
        ErrorCode.PUBSUB_REFUSED,
        `${this.#pending.bytes} bytes are waiting for Redis (limit ${this.#maxPendingBytes}): publishing faster than Redis takes`,
      );
    }
    // The other servers of this process get it now; Redis's copy comes back with our origin and
    // is ignored.
    this.#sinks.deliver(topic, data, isBinary, origin);
    this.#send(topic, data, isBinary);
  }

  /** Unsubscribe everything and close both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#sinks.clear();
    await Promise.all([closeQuietly(this.#publisher), closeQuietly(this.#subscriber)]);
  }

  #send(topic: string, data: Uint8Array, isBinary: boolean): void {
    const publisher = this.#publisher;
    if (!publisher.isReady) {
      this.#droppedWhileDown++;
      return;
    }
    const message = Buffer.allocUnsafe(HEADER + data.length);
    message[0] = isBinary ? BINARY : 0;
    this.#origin.copy(message, 1);
    message.set(data, HEADER);
    this.#pending.add(message.length);
    this.#published++;
    const settle = this.#pending.settle;
    publisher.publish(this.#prefix + topic, message).then(settle, settle);
  }

  #deliver(message: Buffer, channel: Buffer): void {
    if (message.length < HEADER || message.compare(this.#origin, 0, ORIGIN, 1, HEADER) === 0)
      return;
    const topic = channel.toString('utf8', this.#prefix.length);
    if (!this.#sinks.has(topic)) return;
    this.#received++;
    this.#sinks.deliver(topic, message.subarray(HEADER), (message[0]! & BINARY) !== 0);
  }
}

function ignore(): void {}

async function closeQuietly(connection: RedisConnection): Promise<void> {
  try {
    await connection.close();
  } catch {
    connection.destroy();
  }
}
