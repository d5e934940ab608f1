/**
 * The primary's half of {@link ClusterBroker}: which workers have subscribers to which topics,
 * and each publish relayed to the other workers subscribed to its topic, in the order it came.
 * A worker that exits leaves every topic.
 */
import { CLUSTER_TAG, type FromWorker, type ToWorker } from './cluster-messages.js';

/** The part of a cluster `Worker` the relay uses. */
export interface RelayedWorker {
  readonly id: number;
  send(message: ToWorker): unknown;
  isConnected(): boolean;
}

/** Relays publishes between the workers of a cluster. */
export class ClusterRelay {
  readonly #topics = new Map<string, Set<RelayedWorker>>();
  readonly #subscriptions = new Map<RelayedWorker, Set<string>>();

  /** Topics with at least one subscribed worker. */
  get topicCount(): number {
    return this.#topics.size;
  }

  /** A pub/sub message from `worker`. */
  handle(worker: RelayedWorker, message: FromWorker): void {
    switch (message.kind) {
      case 'subscribe': {
        let workers = this.#topics.get(message.topic);
        if (workers === undefined) {
          workers = new Set();
          this.#topics.set(message.topic, workers);
        }
        workers.add(worker);
        let topics = this.#subscriptions.get(worker);
        if (topics === undefined) {
          topics = new Set();
          this.#subscriptions.set(worker, topics);
        }
        topics.add(message.topic);
        return;
      }
      case 'unsubscribe':
        this.#leave(worker, message.topic);
        this.#subscriptions.get(worker)?.delete(message.topic);
        return;
      case 'publish': {
        const workers = this.#topics.get(message.topic);
        if (workers === undefined) return;
        const out: ToWorker = {
          tag: CLUSTER_TAG,
          kind: 'publish',
          topic: message.topic,
          data: message.data,
          isBinary: message.isBinary,
        };
        for (const other of workers) if (other !== worker && other.isConnected()) other.send(out);
        return;
      }
      default:
        return;
    }
  }

  /** `worker` exited: it leaves every topic. */
  remove(worker: RelayedWorker): void {
    const topics = this.#subscriptions.get(worker);
    if (topics === undefined) return;
    this.#subscriptions.delete(worker);
    for (const topic of topics) this.#leave(worker, topic);
  }

  #leave(worker: RelayedWorker, topic: string): void {
    const workers = this.#topics.get(topic);
    if (workers === undefined || !workers.delete(worker) || workers.size > 0) return;
    this.#topics.delete(topic);
  }
}
