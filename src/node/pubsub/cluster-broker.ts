/**
 * The broker of a cluster worker (node:cluster): publishes go to the primary over IPC, which
 * relays them to the other workers subscribed to the topic ({@link ClusterRelay}); the other
 * servers of this worker get them at once, as with `LocalBroker`. Made by `runWorkers`.
 *
 * Delivery between workers is in order per publisher (one IPC channel each way) and at most
 * once: a worker that crashes loses what was on its way to it.
 */
import type { Broker, BrokerSink } from './broker.js';
import { CLUSTER_TAG, type FromWorker, isToWorker } from './cluster-messages.js';

/** How a worker reaches its primary (`process` in a cluster worker). */
export interface ClusterChannel {
  send?(message: FromWorker): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** A {@link Broker} for one cluster worker. */
export class ClusterBroker implements Broker {
  readonly #channel: ClusterChannel;
  readonly #topics = new Map<string, Map<BrokerSink, number>>();
  readonly #onMessage = (message: unknown): void => {
    if (!isToWorker(message) || message.kind !== 'publish') return;
    const sinks = this.#topics.get(message.topic);
    if (sinks === undefined) return;
    for (const sink of sinks.keys()) sink.deliver(message.topic, message.data, message.isBinary);
  };
  #closed = false;

  /** @internal Made by `runWorkers`, in a cluster worker (`channel`: the worker's `process`). */
  constructor(channel: ClusterChannel = process as unknown as ClusterChannel) {
    this.#channel = channel;
    channel.on('message', this.#onMessage);
  }

  subscribe(topic: string, sink: BrokerSink): void {
    if (this.#closed) return;
    let sinks = this.#topics.get(topic);
    if (sinks === undefined) {
      sinks = new Map();
      this.#topics.set(topic, sinks);
      this.#send({ tag: CLUSTER_TAG, kind: 'subscribe', topic });
    }
    sinks.set(sink, (sinks.get(sink) ?? 0) + 1);
  }

  unsubscribe(topic: string, sink: BrokerSink): void {
    const sinks = this.#topics.get(topic);
    const count = sinks?.get(sink);
    if (sinks === undefined || count === undefined) return;
    if (count > 1) {
      sinks.set(sink, count - 1);
      return;
    }
    sinks.delete(sink);
    if (sinks.size > 0) return;
    this.#topics.delete(topic);
    this.#send({ tag: CLUSTER_TAG, kind: 'unsubscribe', topic });
  }

  publish(topic: string, data: Uint8Array, isBinary: boolean, origin: BrokerSink): void {
    if (this.#closed) return;
    const sinks = this.#topics.get(topic);
    if (sinks !== undefined)
      for (const sink of sinks.keys()) if (sink !== origin) sink.deliver(topic, data, isBinary);
    // IPC serializes the bytes at once (structured clone): `data` is not kept.
    this.#send({ tag: CLUSTER_TAG, kind: 'publish', topic, data, isBinary });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#topics.clear();
    this.#channel.off('message', this.#onMessage);
    return Promise.resolve();
  }

  #send(message: FromWorker): void {
    // Without an IPC channel (the primary is gone) there is no one to tell.
    if (!this.#closed || message.kind === 'unsubscribe') this.#channel.send?.(message);
  }
}
