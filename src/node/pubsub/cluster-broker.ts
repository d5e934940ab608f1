/**
 * The broker of a cluster worker (node:cluster): publishes go to the primary over IPC, which
 * relays them to the other workers subscribed to the topic ({@link ClusterRelay}); the other
 * servers of this worker get them at once, as with `LocalBroker`. Made by `runWorkers`.
 *
 * Delivery between workers is in order per publisher (one IPC channel each way) and at most
 * once: a worker that crashes loses what was on its way to it.
 *
 * Limits (see {@link IpcLimits}): a message over `maxMessageSize`, or a publish while more than
 * `maxPendingBytes` of this worker's publishes are not yet written to the IPC channel (the
 * primary reads slower than this worker publishes: a flood), throws `ERR_PUBSUB_REFUSED`
 * before anything is delivered anywhere, as `RedisBroker` does, rather than queue in the
 * channel without bound. The primary bounds what it queues for each worker too.
 */
import { ErrorCode, WirekitError } from '../../core/errors.js';
import type { Broker, BrokerSink } from './broker.js';
import { CLUSTER_TAG, type FromWorker, isToWorker } from './cluster-messages.js';
import { PendingBytes } from './pending-bytes.js';
import { TopicSinks } from './topic-sinks.js';

/** How a worker reaches its primary (`process` in a cluster worker). */
export interface ClusterChannel {
  /** Send a message; `callback` runs once it is written (Node's `process.send`). */
  send?(message: FromWorker, callback?: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Bounds on what the IPC relay between workers queues (`runWorkers`'s `ipc` option). */
export interface IpcLimits {
  /** Largest message a worker publishes to the others (`ERR_PUBSUB_REFUSED` beyond). Default
   * 1 MiB. */
  readonly maxMessageSize?: number;
  /**
   * Bytes queued on one IPC channel and not yet written, per direction and per worker. A
   * worker's publish past it throws `ERR_PUBSUB_REFUSED`; the primary drops a message for a
   * worker that has this much queued (it does not read: stopped, or its event loop blocked),
   * counts it, and keeps relaying to the others. Default 8 MiB.
   */
  readonly maxPendingBytes?: number;
}

/** {@link IpcLimits} with the defaults filled in. */
export function resolveIpcLimits(limits: IpcLimits = {}): Required<IpcLimits> {
  const resolved = {
    maxMessageSize: limits.maxMessageSize ?? 1024 * 1024,
    maxPendingBytes: limits.maxPendingBytes ?? 8 * 1024 * 1024,
  };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1)
      throw new WirekitError(
        ErrorCode.INVALID_ARGUMENT,
        `ipc.${name} must be a positive integer, not ${value}`,
      );
  }
  return resolved;
}

/** Counters of a {@link ClusterBroker}. */
export interface ClusterBrokerStats {
  /** Messages sent to the primary. */
  readonly published: number;
  /** Publishes refused: too large, or past `maxPendingBytes`. */
  readonly refused: number;
  /** Bytes of publishes not yet written to the IPC channel. */
  readonly pendingBytes: number;
}

/** A {@link Broker} for one cluster worker. */
export class ClusterBroker implements Broker {
  readonly #channel: ClusterChannel;
  readonly #sinks = new TopicSinks();
  readonly #pending = new PendingBytes();
  readonly #maxMessageSize: number;
  readonly #maxPendingBytes: number;
  readonly #onMessage = (message: unknown): void => {
    if (!isToWorker(message) || message.kind !== 'publish') return;
    this.#sinks.deliver(message.topic, message.data, message.isBinary);
  };
  #published = 0;
  #refused = 0;
  #closed = false;

  /** @internal Made by `runWorkers`, in a cluster worker (`channel`: the worker's `process`). */
  constructor(
    channel: ClusterChannel = process as unknown as ClusterChannel,
    limits: IpcLimits = {},
  ) {
    const resolved = resolveIpcLimits(limits);
    this.#maxMessageSize = resolved.maxMessageSize;
    this.#maxPendingBytes = resolved.maxPendingBytes;
    this.#channel = channel;
    channel.on('message', this.#onMessage);
  }

  /** Counters: publishes sent and refused, bytes waiting for the channel. */
  get stats(): ClusterBrokerStats {
    return {
      published: this.#published,
      refused: this.#refused,
      pendingBytes: this.#pending.bytes,
    };
  }

  subscribe(topic: string, sink: BrokerSink): void {
    if (this.#closed) return;
    if (this.#sinks.add(topic, sink)) this.#send({ tag: CLUSTER_TAG, kind: 'subscribe', topic });
  }

  unsubscribe(topic: string, sink: BrokerSink): void {
    if (this.#sinks.remove(topic, sink))
      this.#send({ tag: CLUSTER_TAG, kind: 'unsubscribe', topic });
  }

  publish(topic: string, data: Uint8Array, isBinary: boolean, origin: BrokerSink): void {
    if (this.#closed) return;
    if (data.length > this.#maxMessageSize) {
      this.#refused++;
      throw new WirekitError(
        ErrorCode.PUBSUB_REFUSED,
        `message of ${data.length} bytes; worker IPC limit ${this.#maxMessageSize} (ipc.maxMessageSize)`,
      );
    }
    const size = messageSize(topic, data);
    if (this.#pending.bytes + size > this.#maxPendingBytes) {
      this.#refused++;
      throw new WirekitError(
        ErrorCode.PUBSUB_REFUSED,
        `${this.#pending.bytes} bytes of publishes are waiting for the IPC channel to the primary (limit ${this.#maxPendingBytes}, ipc.maxPendingBytes): publishing faster than the primary reads`,
      );
    }
    this.#sinks.deliver(topic, data, isBinary, origin);
    const send = this.#channel.send;
    if (send === undefined) return; // no primary to tell
    // IPC serializes the bytes at once (structured clone): `data` is not kept.
    this.#pending.add(size);
    this.#published++;
    send.call(
      this.#channel,
      { tag: CLUSTER_TAG, kind: 'publish', topic, data, isBinary },
      this.#pending.settle,
    );
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#sinks.clear();
    this.#channel.off('message', this.#onMessage);
    return Promise.resolve();
  }

  #send(message: FromWorker): void {
    // Without an IPC channel (the primary is gone) there is no one to tell.
    if (!this.#closed || message.kind === 'unsubscribe') this.#channel.send?.(message);
  }
}

/** What a publish costs on the channel, near enough: its bytes, its topic, a small envelope. */
export function messageSize(topic: string, data: Uint8Array): number {
  return data.length + topic.length * 2 + 64;
}
