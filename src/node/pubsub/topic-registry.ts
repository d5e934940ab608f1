/**
 * The topics of one server: who is subscribed to what, and publishing to them.
 *
 * Messages published to one topic within one tick are framed once each, one after the other,
 * into one batch; at the end of the tick (or as soon as anything else could overtake them) the
 * batch goes to every subscriber as one reference, and a subscriber with nothing else queued
 * writes those very bytes: no copy and one write per subscriber per tick, however many
 * messages, as uWebSockets.js drains its topic tree once per loop turn. A topic with a
 * subscriber that compresses (permessage-deflate), or a server that drops messages to slow
 * subscribers, takes the per-message path instead: each message is prepared once
 * (`PreparedMessage`: UTF-8 encoded once, framed once, and compressed once per compressor setup
 * for subscribers whose permessage-deflate keeps no context) and each subscriber decides for
 * itself. A subscriber that does not keep up is handled alone (see `SlowSubscriber`): writes
 * never wait for a peer, so it slows no one else.
 *
 * Order: a subscriber gets a batch before anything else is queued for it (a send, a ping or
 * pong, a close or an abort, a message of another topic or another publisher), because each of
 * those drains the batch first; a batch is queued to every subscriber before any of them is
 * written (a write can close a connection and run its handler); so every subscriber sees
 * messages in the order they were published and sent.
 *
 * Subscriptions are the registry's, not the connection's: a connection only holds a reference
 * to its server's registry, and leaves every topic when it closes.
 */
import { Buffer } from 'node:buffer';
import { ErrorCode, WirekitError } from '../../core/errors.js';
import { FrameWriter } from '../../core/ws/frame-writer.js';
import { Opcode } from '../../core/ws/opcode.js';
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
  /** `true` when the member sends shared frames as they are (no permessage-deflate). */
  readonly sharesFrames: boolean;
  /**
   * Queue whole, unmasked server frames by reference (the bytes are never written to again),
   * without running any callback; a {@link Delivery} value.
   */
  deliverFrames(frames: Uint8Array): number;
  /** Write what is queued now (after {@link Delivery.FLUSH}). */
  flush(): void;
}

/** What {@link TopicMember.deliverFrames} did. */
export const Delivery = {
  /** Not queued: the connection is not OPEN. */
  SKIPPED: 0,
  /** Queued; written at the end of the tick. */
  QUEUED: 1,
  /** Queued, and the member's output is large enough to be written at once. */
  FLUSH: 2,
} as const;

/** A topic's subscribers. */
interface Topic {
  readonly members: Set<TopicMember>;
  /** Members that do not take shared frames as they are (they compress). */
  compressing: number;
}

const EMPTY = new Uint8Array(0);
/** A batch this large goes out at once rather than at the end of the tick. */
const BATCH_LIMIT = 256 * 1024;
/** The smallest batch buffer: room for a few small frames. */
const BATCH_MIN = 2048;
/** A new batch buffer starts at the last batch's size, up to this (it grows when needed). */
const BATCH_START_MAX = 64 * 1024;
/** Strings longer than this are encoded on their own first, so that the batch grows by their
 * exact UTF-8 size rather than by the three bytes per character a string may need. */
const LONG_STRING = 1024;

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
  readonly #topics = new Map<string, Topic>();
  readonly #memberships = new Map<TopicMember, Set<string>>();
  /** One prepared message per publish depth: a publish from a callback that a publish ran
   * (a close handler, say) gets its own. */
  readonly #prepared: PreparedMessage[] = [];
  #depth = 0;
  readonly #writer = new FrameWriter({ role: 'server', platform: nodePlatform });
  /** The batch of this tick: frames for {@link #batchTopic}'s members but the sender. */
  #batch: Uint8Array = EMPTY;
  #batchLength = 0;
  #batchCount = 0;
  #batchTopic: Topic | undefined;
  #batchSender: TopicMember | undefined;
  /** How large the next batch buffer starts: the last batch's size. */
  #batchSize = BATCH_MIN;
  /** Members whose output is to be written once a batch is queued everywhere (reused). */
  readonly #toFlush: TopicMember[] = [];
  #drainScheduled = false;
  /** @internal `true` while a batch waits: a connection drains it before queueing output. */
  batching = false;
  #framesBatched = 0;
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
    // A member that joins now does not get what was published before.
    if (this.batching) this.drain();
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
    let entry = this.#topics.get(topic);
    if (entry === undefined) {
      entry = { members: new Set(), compressing: 0 };
      this.#topics.set(topic, entry);
      if (!this.#closed) this.#broker?.subscribe(topic, this);
    }
    entry.members.add(member);
    if (!member.sharesFrames) entry.compressing++;
    return true;
  }

  /** Unsubscribe `member` from `topic`; `false` if it was not subscribed. */
  unsubscribe(member: TopicMember, topic: string): boolean {
    // What was published before still reaches the member.
    if (this.batching) this.drainBefore(member);
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
    return this.#topics.get(topic)?.members.size ?? 0;
  }

  get stats(): PubSubStats {
    if (this.batching) this.drain();
    let framesEncoded = this.#framesBatched;
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
    const entry = this.#topics.get(topic);
    if (entry !== undefined && entry.compressing === 0 && this.#dropAbove === Infinity) {
      return this.#publishBatched(topic, entry, data, isBinary, sender);
    }
    // Draining runs callbacks that may publish again: until nothing waits.
    while (this.batching) this.drain();
    const message = this.#enter();
    try {
      message.prepare(data, isBinary);
      // The broker first: a message it refuses (too large, a flood) goes nowhere.
      if (this.#broker !== undefined && !this.#closed)
        this.#broker.publish(topic, message.payload, isBinary, this);
      return this.#fanOut(entry, message, sender);
    } finally {
      this.#exit(message);
    }
  }

  /** A message published elsewhere, from the broker (see {@link BrokerSink}). */
  deliver(topic: string, data: Uint8Array, isBinary: boolean): void {
    const entry = this.#topics.get(topic);
    if (entry === undefined) return;
    if (entry.compressing === 0 && this.#dropAbove === Infinity) {
      this.#publishBatched(undefined, entry, data, isBinary, undefined);
      return;
    }
    // Draining runs callbacks that may publish again: until nothing waits.
    while (this.batching) this.drain();
    const message = this.#enter();
    try {
      message.prepare(data, isBinary);
      this.#fanOut(entry, message, undefined);
    } finally {
      this.#exit(message);
    }
  }

  /**
   * Send the batch waiting for this tick to its subscribers now (a connection calls it before
   * queueing anything of its own, so nothing overtakes a published message).
   */
  drain(): void {
    const entry = this.#batchTopic;
    if (entry === undefined) return;
    const frames = this.#batch.subarray(0, this.#batchLength);
    const count = this.#batchCount;
    const sender = this.#batchSender;
    // The buffer is the subscribers' now (they may write it after this returns): the next batch
    // gets a new one. Reset first, so a publish made from a callback the flushes below run (a
    // close handler) starts a batch of its own.
    this.#batchSize = Math.min(
      Math.max(this.#batchLength + (this.#batchLength >> 2), BATCH_MIN),
      BATCH_START_MAX,
    );
    this.#batch = EMPTY;
    this.#batchLength = 0;
    this.#batchCount = 0;
    this.#batchTopic = undefined;
    this.#batchSender = undefined;
    this.batching = false;
    // Queue to every member first (no callback runs), then write the large outputs: a flush
    // can close a member and run a handler whose sends must come after this batch everywhere.
    const toFlush = this.#toFlush;
    let delivered = 0;
    for (const member of entry.members) {
      if (member === sender) continue;
      const result = member.deliverFrames(frames);
      if (result === Delivery.SKIPPED) continue;
      delivered++;
      if (result === Delivery.FLUSH) toFlush.push(member);
    }
    this.#delivered += delivered * count;
    if (toFlush.length === 0) return;
    const members = toFlush.splice(0);
    for (const member of members) member.flush();
  }

  /** Drain the waiting batch if `member` is one of its recipients (the sender is not). */
  drainBefore(member: TopicMember): void {
    if (member !== this.#batchSender && this.#batchTopic?.members.has(member) === true)
      this.drain();
  }

  /** The server is closing: stop taking messages from the broker. */
  close(): void {
    if (this.#closed) return;
    this.drain();
    this.#closed = true;
    const broker = this.#broker;
    if (broker !== undefined)
      for (const topic of this.#topics.keys()) broker.unsubscribe(topic, this);
  }

  /**
   * Frame a message into the tick's batch for `entry` (draining a batch of another topic or
   * sender first) and have it drained at the end of the tick. Returns how many subscribers
   * it is for.
   */
  #publishBatched(
    topic: string | undefined,
    entry: Topic,
    data: string | Uint8Array,
    isBinary: boolean,
    sender: TopicMember | undefined,
  ): number {
    let payload = data;
    // The broker first: a message it refuses (too large, a flood) goes nowhere. It may deliver
    // to other servers of this process at once, and their handlers may publish here: those
    // publishes finish before this one starts.
    if (topic !== undefined && this.#broker !== undefined && !this.#closed) {
      const message = this.#enter();
      try {
        message.prepare(data, isBinary);
        this.#broker.publish(topic, message.payload, isBinary, this);
      } finally {
        this.#exit(message);
      }
    } else if (typeof data !== 'string' && !isBinary && !nodePlatform.isUtf8(data)) {
      throw new WirekitError(
        ErrorCode.WS_INVALID_UTF8,
        'text to publish is not valid UTF-8 (RFC 6455 §5.6)',
      );
    }
    if (typeof payload === 'string' && payload.length > LONG_STRING) payload = Buffer.from(payload);
    // A batch of another topic or sender goes first. Draining runs callbacks that may publish
    // again, so look until what waits is this topic's batch or nothing.
    while (
      this.#batchTopic !== undefined &&
      (this.#batchTopic !== entry || this.#batchSender !== sender)
    )
      this.drain();
    this.#append(payload, isBinary);
    this.#published++;
    this.#framesBatched++;
    this.#batchCount++;
    this.#batchTopic = entry;
    this.#batchSender = sender;
    this.batching = true;
    if (!this.#drainScheduled) {
      this.#drainScheduled = true;
      process.nextTick(drainAtTickEnd, this);
    }
    const members = entry.members;
    const recipients =
      sender !== undefined && members.has(sender) ? members.size - 1 : members.size;
    if (this.#batchLength >= BATCH_LIMIT) this.drain();
    return recipients;
  }

  /** @internal The end of the tick (see {@link drain}). */
  drainScheduledBatch(): void {
    this.#drainScheduled = false;
    this.drain();
  }

  /** Frame `data` (checked: text bytes are UTF-8) at the end of the batch. Runs no callback. */
  #append(data: string | Uint8Array, isBinary: boolean): void {
    const writer = this.#writer;
    const need = writer.maxFrameSize(data);
    const at = this.#batchLength;
    let batch = this.#batch;
    if (batch.length - at < need) {
      // Memory of its own, not a slice of Node's pool: subscribers' queued writes keep it.
      const grown = Buffer.allocUnsafeSlow(Math.max(this.#batchSize, 2 * batch.length, at + need));
      if (at > 0) grown.set(batch.subarray(0, at));
      batch = grown;
      this.#batch = grown;
    }
    this.#batchLength =
      at + writer.writeFrame(batch, at, isBinary ? Opcode.BINARY : Opcode.TEXT, data, true);
  }

  #fanOut(
    entry: Topic | undefined,
    message: PreparedMessage,
    sender: TopicMember | undefined,
  ): number {
    this.#published++;
    if (entry === undefined) return 0;
    const members = entry.members;
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
    const entry = this.#topics.get(topic);
    if (entry === undefined || !entry.members.delete(member)) return;
    if (!member.sharesFrames) entry.compressing--;
    if (entry.members.size > 0) return;
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

function drainAtTickEnd(registry: TopicRegistry): void {
  registry.drainScheduledBatch();
}
