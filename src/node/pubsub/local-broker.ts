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
import { TopicSinks } from './topic-sinks.js';

/** A {@link Broker} within one process. */
export class LocalBroker implements Broker {
  readonly #sinks = new TopicSinks();

  /** Topics with at least one sink. */
  get topicCount(): number {
    return this.#sinks.size;
  }

  subscribe(topic: string, sink: BrokerSink): void {
    this.#sinks.add(topic, sink);
  }

  unsubscribe(topic: string, sink: BrokerSink): void {
    this.#sinks.remove(topic, sink);
  }

  publish(topic: string, data: Uint8Array, isBinary: boolean, origin: BrokerSink): void {
    this.#sinks.deliver(topic, data, isBinary, origin);
  }

  close(): Promise<void> {
    this.#sinks.clear();
    return Promise.resolve();
  }
}
