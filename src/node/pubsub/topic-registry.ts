/**
 * The topics of one server: who is subscribed to what, and publishing to them.
 *
 * A published message is prepared once (`PreparedMessage`: UTF-8 encoded once, framed once,
 * and compressed once per compressor setup for subscribers whose permessage-deflate keeps no
 * context) and each subscriber's connection copies the same frame bytes into its output for
 * the tick; the connection's usual batching then writes everything a subscriber got in a tick
 * with one write. A subscriber that does not keep up is handled alone (see `SlowSubscriber`):
 * writes never wait for a peer, so it slows no one else.
 *
 * Subscriptions are the registry's, not the connection's: a connection only holds a reference
 * to its server's registry, and leaves every topic when it closes.
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { PreparedMessage } from '../../core/ws/prepared-message.js';
import { ReadyState } from '../../core/ws/ready-state.js';
import { nodePlatform } from '../node-platform.js';
import type { Broker, BrokerSink } from './broker.js';
import { type ResolvedPubSub, SlowSubscriber } from './pubsub-options.js';

/** What the registry needs of a connection. */
export interface TopicMember {
  readonly readyState: ReadyState;
  /**
   * Queue `message` for the peer unless the connection is not OPEN or more than `dropAbove`
   * bytes are waiting; `false` when it was not queued.
   */
  deliver(message: PreparedMessage, dropAbove: number): boolean;
}

/** Counters of a server's pub/sub since it started. */
export interface PubSubStats {
  /** Messages published (here, or received from the broker). */
  readonly published: number;
  /** Messages queued to subscribers (one per subscriber). */
  readonly delivered: number;
  /** Messages not queued to a subscriber that was over its backpressure limit
   * (`slowSubscriber: 'drop'`). */
  readonly dropped: number;
  /** Uncompressed frames built: at most one per published message. */
  readonly framesEncoded: number;
  /** Compressed frames built for subscribers without context takeover: at most one per
   * published message and compressor setup. */
  readonly framesCompressed: number;
  /** Topics with at least one subscriber on this server. */
  readonly topics: number;
}

/** Topics, their subscribers, and publishing. */
export class TopicRegistry implements BrokerSink {
  readonly #options: ResolvedPubSub;
  readonly #broker: Broker | undefined;
  /** Bytes waiting past which a subscriber's messages are dropped (Infinity: never). */
  readonly #dropAbove: number;
  readonly #topics = new Map<string, Set<TopicMember>>();
  readonly #memberships = new Map<TopicMember, Set<string>>();
  /** One prepared message per publish depth: a publish from a callback that a publish ran
   * (a close handler, say) gets its own. */
  readonly #prepared: PreparedMessage[] = [];
  #depth = 0;
  #published = 0;
  #delivered = 0;
  #dropped = 0;
  #closed = false;

  constructor(options: ResolvedPubSub, maxBackpressure: number) {
    this.#options = options;
    this.#broker = options.broker;
    this.#dropAbove =
      options.slowSubscriber === SlowSubscriber.DROP ? maxBackpressure : Number.POSITIVE_INFINITY;
  }

  /** Subscribe `member` to `topic`; `false` if it already was. */
  subscribe(member: TopicMember, topic: string): boolean {
    this.#checkTopic(topic);
    let topics = this.#memberships.get(member);
    if (topics?.has(topic)) return false;
    if (member.readyState !== ReadyState.OPEN) return false;
    if (topics === undefined) {
      topics = new Set();
      this.#memberships.set(member, topics);
    } else if (topics.size >= this.#options.maxTopicsPerConnection) {
      throw new WirekitError(
        ErrorCode.PUBSUB_TOO_MANY_TOPICS,
        `a connection may subscribe to at most ${this.#options.maxTopicsPerConnection} topics`,
      );
    }
    topics.add(topic);
    let members = this.#topics.get(topic);
    if (members === undefined) {
      members = new Set();
      this.#topics.set(topic, members);
      if (!this.#closed) this.#broker?.subscribe(topic, this);
    }
    members.add(member);
    return true;
  }

  /** Unsubscribe `member` from `topic`; `false` if it was not subscribed. */
  unsubscribe(member: TopicMember, topic: string): boolean {
    const topics = this.#memberships.get(member);
    if (topics === undefined || !topics.delete(topic)) return false;
    if (topics.size === 0) this.#memberships.delete(member);
    this.#leave(member, topic);
    return true;
  }

  isSubscribed(member: TopicMember, topic: string): boolean {
    return this.#memberships.get(member)?.has(topic) ?? false;
  }

  /** The topics `member` is subscribed to, in subscription order. */
  topicsOf(member: TopicMember): string[] {
    const topics = this.#memberships.get(member);
    return topics === undefined ? [] : [...topics];
  }

  /** `member` is closed: leave every topic. */
  remove(member: TopicMember): void {
    const topics = this.#memberships.get(member);
    if (topics === undefined) return;
    this.#memberships.delete(member);
    for (const topic of topics) this.#leave(member, topic);
  }

  /** Subscribers of `topic` on this server. */
  subscribers(topic: string): number {
    return this.#topics.get(topic)?.size ?? 0;
  }

  get stats(): PubSubStats {
    let framesEncoded = 0;
    let framesCompressed = 0;
    for (const message of this.#prepared) {
      framesEncoded += message.framesEncoded;
      framesCompressed += message.framesCompressed;
    }
    return {
      published: this.#published,
      delivered: this.#delivered,
      dropped: this.#dropped,
      framesEncoded,
      framesCompressed,
      topics: this.#topics.size,
    };
  }

  /**
   * Publish to every subscriber of `topic` but `sender`, and through the broker beyond this
   * server. Returns how many subscribers of this server it was queued for.
   */
  publish(
    topic: string,
    data: string | Uint8Array,
    isBinary: boolean,
    sender: TopicMember | undefined,
  ): number {
    this.#checkTopic(topic);
    const message = this.#enter();
    try {
      message.prepare(data, isBinary);
      // The broker first: a message it refuses (too large, a flood) goes nowhere.
      if (this.#broker !== undefined && !this.#closed)
        this.#broker.publish(topic, message.payload, isBinary, this);
      return this.#fanOut(topic, message, sender);
    } finally {
      this.#exit(message);
    }
  }

  /** A message published elsewhere, from the broker (see {@link BrokerSink}). */
  deliver(topic: string, data: Uint8Array, isBinary: boolean): void {
    if (!this.#topics.has(topic)) return;
    const message = this.#enter();
    try {
      message.prepare(data, isBinary);
      this.#fanOut(topic, message, undefined);
    } finally {
      this.#exit(message);
    }
  }

  /** The server is closing: stop taking messages from the broker. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const broker = this.#broker;
    if (broker !== undefined)
      for (const topic of this.#topics.keys()) broker.unsubscribe(topic, this);
  }

  #fanOut(topic: string, message: PreparedMessage, sender: TopicMember | undefined): number {
    this.#published++;
    const members = this.#topics.get(topic);
    if (members === undefined) return 0;
    const dropAbove = this.#dropAbove;
    let delivered = 0;
    let dropped = 0;
    // A member that closes during the loop (its backpressure limit) leaves the set; a Set
    // iterator skips deleted entries.
    for (const member of members) {
      if (member === sender) continue;
      if (member.deliver(message, dropAbove)) delivered++;
      else if (member.readyState === ReadyState.OPEN) dropped++;
    }
    this.#delivered += delivered;
    this.#dropped += dropped;
    return delivered;
  }

  #leave(member: TopicMember, topic: string): void {
    const members = this.#topics.get(topic);
    if (members === undefined || !members.delete(member) || members.size > 0) return;
    this.#topics.delete(topic);
    if (!this.#closed) this.#broker?.unsubscribe(topic, this);
  }

  #checkTopic(topic: string): void {
    if (typeof topic !== 'string' || topic.length === 0) {
      throw new WirekitError(ErrorCode.PUBSUB_INVALID_TOPIC, 'a topic is a non-empty string');
    }
    if (topic.length > this.#options.maxTopicLength) {
      throw new WirekitError(
        ErrorCode.PUBSUB_INVALID_TOPIC,
        `topic of ${topic.length} characters; at most ${this.#options.maxTopicLength}`,
      );
    }
  }

  #enter(): PreparedMessage {
    let message = this.#prepared[this.#depth];
    if (message === undefined) {
      message = new PreparedMessage(nodePlatform);
      this.#prepared.push(message);
    }
    this.#depth++;
    return message;
  }

  #exit(message: PreparedMessage): void {
    message.release();
    this.#depth--;
  }
}
