/**
 * Pub/sub options of a server, with their defaults in one place.
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';
import type { Broker } from './broker.js';

/** What happens to a subscriber that does not keep up. */
export const SlowSubscriber = {
  /**
   * The connection's backpressure policy: once more than `maxBackpressure` bytes wait for the
   * peer, the connection is closed with 1008 (policy violation, RFC 6455 §7.4.1).
   */
  CLOSE: 'close',
  /** Messages published to it while more than `maxBackpressure` bytes wait are dropped and
   * counted (`server.pubsubStats.dropped`); the connection stays open. */
  DROP: 'drop',
} as const;

export type SlowSubscriber = (typeof SlowSubscriber)[keyof typeof SlowSubscriber];

/** Topics of a server: limits, slow subscribers, and a broker to reach beyond the server. */
export interface PubSubOptions {
  /** Topics one connection may subscribe to at once (`ERR_PUBSUB_TOO_MANY_TOPICS` beyond).
   * Default 1024. */
  readonly maxTopicsPerConnection?: number;
  /** Longest topic name, in UTF-16 code units (`ERR_PUBSUB_INVALID_TOPIC` beyond). Default 256. */
  readonly maxTopicLength?: number;
  /** See {@link SlowSubscriber}. Default `'close'`. */
  readonly slowSubscriber?: SlowSubscriber;
  /** Carries publishes to and from other servers, workers or processes. Default: none (this
   * server's subscribers only). */
  readonly broker?: Broker;
}

/** {@link PubSubOptions} with every default filled in. */
export interface ResolvedPubSub {
  readonly maxTopicsPerConnection: number;
  readonly maxTopicLength: number;
  readonly slowSubscriber: SlowSubscriber;
  readonly broker: Broker | undefined;
}

/** Fill in defaults and check the limits. */
export function resolvePubSub(options: PubSubOptions = {}): ResolvedPubSub {
  const maxTopicsPerConnection = options.maxTopicsPerConnection ?? 1024;
  const maxTopicLength = options.maxTopicLength ?? 256;
  checkLimit(maxTopicsPerConnection, 'maxTopicsPerConnection');
  checkLimit(maxTopicLength, 'maxTopicLength');
  const slowSubscriber = options.slowSubscriber ?? SlowSubscriber.CLOSE;
  if (slowSubscriber !== SlowSubscriber.CLOSE && slowSubscriber !== SlowSubscriber.DROP) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `pubsub.slowSubscriber must be 'close' or 'drop', not ${String(slowSubscriber)}`,
    );
  }
  return { maxTopicsPerConnection, maxTopicLength, slowSubscriber, broker: options.broker };
}

function checkLimit(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `pubsub.${name} must be a positive integer, not ${value}`,
    );
  }
}
