/**
 * The in-process broker: several servers of one process (a plain and a TLS listener, say)
 * share topics. A publish on one reaches the subscribers of all, synchronously, in order.
 *
 * @example
 * ```ts
 * const broker = new LocalBroker();
 * const a = await serve({ port: 9001, handler, pubsub: { broker } });
 * const b = await serve({ port: 9002, handler, pubsub: { broker } });
 * a.publish('news', 'to the subscribers of a and of b');
 * ```
 */
import type { Broker, BrokerSink } from './broker.js';

/** Sinks of one topic, with how many times each subscribed. */
type Sinks = Map<BrokerSink, number>;

/** A {@link Broker} within one process. */
export class LocalBroker implements Broker {
  readonly #topics = new Map<string, Sinks>();

  /** Topics with at least one sink. */
  get topicCount(): number {
    return this.#topics.size;
  }

  subscribe(topic: string, sink: BrokerSink): void {
    let sinks = this.#topics.get(topic);
    if (sinks === undefined) {
      sinks = new Map();
      this.#topics.set(topic, sinks);
    }
    sinks.set(sink, (sinks.get(sink) ?? 0) + 1);
  }

  unsubscribe(topic: string, sink: BrokerSink): void {
    const sinks = this.#topics.get(topic);
    const count = sinks?.get(sink);
    if (sinks === undefined || count === undefined) return;
    if (count > 1) sinks.set(sink, count - 1);
    else {
      sinks.delete(sink);
      if (sinks.size === 0) this.#topics.delete(topic);
    }
  }

  publish(topic: string, data: Uint8Array, isBinary: boolean, origin: BrokerSink): void {
    const sinks = this.#topics.get(topic);
    if (sinks === undefined) return;
    for (const sink of sinks.keys()) if (sink !== origin) sink.deliver(topic, data, isBinary);
  }

  close(): Promise<void> {
    this.#topics.clear();
    return Promise.resolve();
  }
}
