/**
 * The primary's half of {@link ClusterBroker}: which workers have subscribers to which topics,
 * and each publish relayed to the other workers subscribed to its topic, in the order it came.
 * A worker that exits leaves every topic.
 *
 * What the primary queues for a worker is bounded: while more than `maxPendingBytes` of
 * messages to a worker are not yet written to its IPC channel (the worker does not read: it is
 * stopped, or its event loop is blocked), messages for it are dropped and counted
 * (`stats.dropped`); the other workers keep getting theirs. Delivery between
 * workers is at most once anyway: a dropped message is never sent later.
 */
import { type IpcLimits, messageSize, resolveIpcLimits } from './cluster-broker.js';
import { CLUSTER_TAG, type FromWorker, type ToWorker } from './cluster-messages.js';
import { PendingBytes } from './pending-bytes.js';

/** The part of a cluster `Worker` the relay uses. */
export interface RelayedWorker {
  readonly id: number;
  /** Send a message; `callback` runs once it is written (Node's `worker.send`). */
  send(message: ToWorker, callback?: (error: Error | null) => void): unknown;
  isConnected(): boolean;
}

/** Counters of the IPC relay between cluster workers (`WorkerPool.ipc`). */
export interface ClusterRelayStats {
  /** Messages relayed to workers (one per receiving worker). */
  readonly relayed: number;
  /** Messages not sent to a worker past its `maxPendingBytes`. */
  readonly dropped: number;
  /** The most bytes queued for one worker at any time. */
  readonly maxQueuedBytes: number;
}

interface Subscriber {
  readonly topics: Set<string>;
  readonly pending: PendingBytes;
}

/** Relays publishes between the workers of a cluster. */
export class ClusterRelay {
  readonly #topics = new Map<string, Set<RelayedWorker>>();
  readonly #workers = new Map<RelayedWorker, Subscriber>();
  readonly #maxPendingBytes: number;
  #relayed = 0;
  #dropped = 0;
  #maxQueuedBytes = 0;

  constructor(limits: IpcLimits = {}) {
    this.#maxPendingBytes = resolveIpcLimits(limits).maxPendingBytes;
  }

  /** Topics with at least one subscribed worker. */
  get topicCount(): number {
    return this.#topics.size;
  }

  /** Counters: messages relayed and dropped, the deepest queue seen. */
  get stats(): ClusterRelayStats {
    return {
      relayed: this.#relayed,
      dropped: this.#dropped,
      maxQueuedBytes: this.#maxQueuedBytes,
    };
  }

  /** Bytes queued for `worker` and not yet written to its channel. */
  queuedBytes(worker: RelayedWorker): number {
    return this.#workers.get(worker)?.pending.bytes ?? 0;
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
        this.#subscriber(worker).topics.add(message.topic);
        return;
      }
      case 'unsubscribe':
        this.#leave(worker, message.topic);
        this.#workers.get(worker)?.topics.delete(message.topic);
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
        const size = messageSize(message.topic, message.data);
        for (const other of workers) {
          if (other === worker || !other.isConnected()) continue;
          const pending = this.#subscriber(other).pending;
          if (pending.bytes + size > this.#maxPendingBytes) {
            this.#dropped++;
            continue;
          }
          pending.add(size);
          if (pending.bytes > this.#maxQueuedBytes) this.#maxQueuedBytes = pending.bytes;
          this.#relayed++;
          other.send(out, pending.settle);
        }
        return;
      }
      default:
        return;
    }
  }

  /** `worker` exited: it leaves every topic. */
  remove(worker: RelayedWorker): void {
    const subscriber = this.#workers.get(worker);
    if (subscriber === undefined) return;
    this.#workers.delete(worker);
    for (const topic of subscriber.topics) this.#leave(worker, topic);
  }

  #subscriber(worker: RelayedWorker): Subscriber {
    let subscriber = this.#workers.get(worker);
    if (subscriber === undefined) {
      subscriber = { topics: new Set(), pending: new PendingBytes() };
      this.#workers.set(worker, subscriber);
    }
    return subscriber;
  }

  #leave(worker: RelayedWorker, topic: string): void {
    const workers = this.#topics.get(topic);
    if (workers === undefined || !workers.delete(worker) || workers.size > 0) return;
    this.#topics.delete(topic);
  }
}
