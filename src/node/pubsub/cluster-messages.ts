/**
 * The messages between cluster workers and their primary (node:cluster IPC with `advanced`
 * serialization, so message bytes travel as bytes): topic subscriptions and publishes for
 * {@link ClusterBroker}, and the lifecycle of `runWorkers`.
 */

/** Tag of every wirekit message, so that an application's own IPC messages pass untouched. */
export const CLUSTER_TAG = 'wirekit.cluster';

/** A worker to its primary. */
export type FromWorker =
  | {
      readonly tag: typeof CLUSTER_TAG;
      readonly kind: 'subscribe' | 'unsubscribe';
      readonly topic: string;
    }
  | {
      readonly tag: typeof CLUSTER_TAG;
      readonly kind: 'publish';
      readonly topic: string;
      readonly data: Uint8Array;
      readonly isBinary: boolean;
    }
  | { readonly tag: typeof CLUSTER_TAG; readonly kind: 'ready'; readonly port: number }
  | { readonly tag: typeof CLUSTER_TAG; readonly kind: 'closed' };

/** The primary to a worker. */
export type ToWorker =
  | {
      readonly tag: typeof CLUSTER_TAG;
      readonly kind: 'publish';
      readonly topic: string;
      readonly data: Uint8Array;
      readonly isBinary: boolean;
    }
  | { readonly tag: typeof CLUSTER_TAG; readonly kind: 'close' };

/** Is `message` one of wirekit's, from a worker? */
export function isFromWorker(message: unknown): message is FromWorker {
  return isTagged(message);
}

/** Is `message` one of wirekit's, from the primary? */
export function isToWorker(message: unknown): message is ToWorker {
  return isTagged(message);
}

function isTagged(message: unknown): boolean {
  return (
    typeof message === 'object' &&
    message !== null &&
    (message as { tag?: unknown }).tag === CLUSTER_TAG
  );
}
