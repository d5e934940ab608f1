/**
 * The reference counting every broker does: per topic, the sinks subscribed to it and how many
 * times each subscribed (the {@link Broker} contract counts calls). A broker asks its upstream
 * (Redis, the cluster primary) for a topic when {@link add} says it is the topic's first sink,
 * and lets go of it when {@link remove} says the last one left.
 *
 * @example
 * ```ts
 * const sinks = new TopicSinks();
 * if (sinks.add('news', sink)) upstream.subscribe('news');
 * sinks.deliver('news', data, false, origin); // every sink of 'news' but origin
 * if (sinks.remove('news', sink)) upstream.unsubscribe('news');
 * ```
 */
import type { BrokerSink } from './broker.js';

/** Sinks per topic, each with its subscription count. */
export class TopicSinks {
  readonly #topics = new Map<string, Map<BrokerSink, number>>();

  /** Topics with at least one sink. */
  get size(): number {
    return this.#topics.size;
  }

  /** Count one subscription of `sink` to `topic`; `true` if `topic` had no sink before. */
  add(topic: string, sink: BrokerSink): boolean {
    const sinks = this.#topics.get(topic);
    if (sinks === undefined) {
      this.#topics.set(topic, new Map([[sink, 1]]));
      return true;
    }
    sinks.set(sink, (sinks.get(sink) ?? 0) + 1);
    return false;
  }

  /**
   * Undo one {@link add} of `sink` to `topic`; `true` if that was the topic's last
   * subscription (the topic is gone). A sink that is not subscribed changes nothing.
   */
  remove(topic: string, sink: BrokerSink): boolean {
    const sinks = this.#topics.get(topic);
    const count = sinks?.get(sink);
    if (sinks === undefined || count === undefined) return false;
    if (count > 1) {
      sinks.set(sink, count - 1);
      return false;
    }
    sinks.delete(sink);
    if (sinks.size > 0) return false;
    this.#topics.delete(topic);
    return true;
  }

  /** Whether `topic` has a sink. */
  has(topic: string): boolean {
    return this.#topics.has(topic);
  }

  /**
   * Hand a message to every sink of `topic` except `except`, once each however many times it
   * subscribed; returns how many sinks got it.
   */
  deliver(topic: string, data: Uint8Array, isBinary: boolean, except?: BrokerSink): number {
    const sinks = this.#topics.get(topic);
    if (sinks === undefined) return 0;
    let delivered = 0;
    for (const sink of sinks.keys()) {
      if (sink === except) continue;
      sink.deliver(topic, data, isBinary);
      delivered++;
    }
    return delivered;
  }

  /** The topics, in the order they got their first sink. */
  topics(): IterableIterator<string> {
    return this.#topics.keys();
  }

  /** Forget every topic and sink. */
  clear(): void {
    this.#topics.clear();
  }
}
