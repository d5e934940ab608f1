/**
 * Every core: one wirekit server per worker process (node:cluster) on one shared port, with
 * topics across all of them. The primary forks the workers, relays publishes between them
 * ({@link ClusterRelay}: a publish in any worker reaches the subscribers of every worker), and
 * replaces a worker that exits unasked, after a delay that doubles while workers keep crashing.
 * Each worker runs `start` with a {@link ClusterBroker} to pass to its server's `pubsub`
 * option (or its own `RedisBroker`, to reach other machines too).
 *
 * node:cluster runs the same script again in each worker, so call `runWorkers` from the
 * script's top level: in the primary it resolves with a {@link WorkerPool} once every worker
 * listens; in a worker, with `undefined` once its server listens.
 *
 * @example
 * ```ts
 * const pool = await runWorkers({ workers: 4 }, ({ broker }) =>
 *   serve({ port: 9001, handler, pubsub: { broker } }),
 * );
 * if (pool !== undefined) process.on('SIGTERM', () => void pool.close());
 * ```
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { ErrorCode, WirekitError } from '../core/errors.js';
import { ClusterBroker, type IpcLimits, resolveIpcLimits } from './pubsub/cluster-broker.js';
import {
  CLUSTER_TAG,
  type FromWorker,
  isFromWorker,
  isToWorker,
} from './pubsub/cluster-messages.js';
import { ClusterRelay, type ClusterRelayStats } from './pubsub/cluster-relay.js';

/** Options of {@link runWorkers}. */
export interface WorkersOptions {
  /** Worker processes. Default: the number of cores (`os.availableParallelism()`). */
  readonly workers?: number;
  /** Delay before a worker that exited unasked is replaced, in ms; doubles for each further
   * exit within a minute, up to 30 s. Default 100. */
  readonly restartDelay?: number;
  /** On {@link WorkerPool.close}, workers still running after this many ms are killed.
   * Default 10 000. */
  readonly closeTimeout?: number;
  /** A worker exited; `replaced`: it exited unasked and a new one will take its place. */
  readonly onWorkerExit?: (exit: WorkerExit) => void;
  /**
   * Bounds on the IPC relay between workers (see {@link IpcLimits}): a worker's publish past
   * them throws `ERR_PUBSUB_REFUSED`; the primary drops (and counts, {@link WorkerPool.ipc})
   * messages for a worker that does not read. Pass the same options in every process: the
   * workers run the same `runWorkers` call.
   */
  readonly ipc?: IpcLimits;
}

/** How a worker ended (see {@link WorkersOptions.onWorkerExit}). */
export interface WorkerExit {
  /** The worker's cluster id (`cluster.worker.id`). */
  readonly workerId: number;
  /** Process id of the worker, `undefined` if it never started. */
  readonly pid: number | undefined;
  /** Exit code, or `null` when a signal ended the worker. */
  readonly code: number | null;
  /** The signal that ended the worker (e.g. `SIGKILL`), or `null` when it exited. */
  readonly signal: string | null;
  /** `true` when the worker exited unasked and a new one will take its place. */
  readonly replaced: boolean;
}

/** What a worker's `start` gets. */
export interface WorkerContext {
  /** Carries publishes to and from the other workers: pass it as `pubsub: { broker }`. */
  readonly broker: ClusterBroker;
  /** This worker's cluster id (a replaced worker gets a new one). */
  readonly workerId: number;
}

/** What a worker's `start` returns: its listening server (a `WebSocketServer`). */
export interface WorkerServer {
  /** Where it listens (the port the workers share). */
  readonly address:
    | {
        /** The TCP port the server listens on. */
        readonly port: number;
      }
    | undefined;
  /** Close it (its connections, then the listener); the worker exits after. */
  close(): Promise<void>;
}

/** The primary's handle on its workers. */
export interface WorkerPool {
  /** The port the workers share. */
  readonly port: number;
  /** Workers running now. */
  readonly size: number;
  /** Workers replaced after exiting unasked, since the start. */
  readonly restarts: number;
  /** The IPC relay's counters: messages relayed to workers, and dropped for workers that did
   * not read. */
  readonly ipc: ClusterRelayStats;
  /** Close every worker's server (their connections get 1001) and wait for them to exit. */
  close(): Promise<void>;
}

const MAX_RESTART_DELAY = 30_000;
const CRASH_WINDOW = 60_000;

/** Run `start` in `workers` cluster workers; see the module comment. */
export async function runWorkers(
  options: WorkersOptions,
  start: (context: WorkerContext) => WorkerServer | Promise<WorkerServer>,
): Promise<WorkerPool | undefined> {
  // Checked in every process, before anything starts.
  const ipc = resolveIpcLimits(options.ipc);
  if (cluster.isPrimary) return startPrimary(options, ipc);
  await startWorker(start, ipc);
  return undefined;
}

async function startWorker(
  start: (context: WorkerContext) => WorkerServer | Promise<WorkerServer>,
  ipc: IpcLimits,
): Promise<void> {
  const broker = new ClusterBroker(undefined, ipc);
  const server = await start({ broker, workerId: cluster.worker?.id ?? 0 });
  let closing = false;
  const stop = (): void => {
    if (closing) return;
    closing = true;
    void server
      .close()
      .then(() => broker.close())
      .finally(() => {
        send({ tag: CLUSTER_TAG, kind: 'closed' });
        process.exit(0);
      });
  };
  process.on('message', (message: unknown) => {
    if (isToWorker(message) && message.kind === 'close') stop();
  });
  // The primary is gone: nothing relays any more and no one will replace us; close cleanly.
  process.on('disconnect', stop);
  // Signals go to the whole process group (Ctrl-C): the primary decides when workers close.
  process.on('SIGINT', noop);
  process.on('SIGTERM', noop);
  send({ tag: CLUSTER_TAG, kind: 'ready', port: server.address?.port ?? 0 });
}

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

function noop(): void {}

function startPrimary(options: WorkersOptions, ipc: IpcLimits): Promise<WorkerPool> {
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) {
    throw new WirekitError(
      ErrorCode.INVALID_ARGUMENT,
      `workers must be a positive integer, not ${count}`,
    );
  }
  const restartDelay = options.restartDelay ?? 100;
  const closeTimeout = options.closeTimeout ?? 10_000;
  // Message bytes go over IPC as bytes (structured clone), not as JSON arrays of numbers.
  cluster.setupPrimary({ serialization: 'advanced' });
  const relay = new ClusterRelay(ipc);
  const workers = new Set<Worker>();
  const crashes: number[] = [];
  let port = 0;
  let restarts = 0;
  let closing = false;
  let ready = 0;
  let resolveStarted: ((pool: WorkerPool) => void) | undefined;
  let rejectStarted: ((error: Error) => void) | undefined;

  const pool: WorkerPool = {
    get port() {
      return port;
    },
    get size() {
      return workers.size;
    },
    get restarts() {
      return restarts;
    },
    get ipc() {
      return relay.stats;
    },
    close: () => closeAll(),
  };

  const fork = (): void => {
    const worker = cluster.fork();
    workers.add(worker);
    let listening = false;
    worker.on('message', (message: unknown) => {
      if (!isFromWorker(message)) return;
      if (message.kind === 'ready') {
        listening = true;
        if (port === 0) port = message.port;
        ready++;
        if (ready === count) resolveStarted?.(pool);
      } else relay.handle(worker, message);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      relay.remove(worker);
      const replaced = !closing && !(resolveStarted !== undefined && !listening);
      options.onWorkerExit?.({
        workerId: worker.id,
        pid: worker.process.pid,
        code,
        signal,
        replaced,
      });
      if (closing) return;
      if (!listening && resolveStarted !== undefined) {
        // A worker that dies before it listens would die again: give up instead of looping.
        closing = true;
        for (const other of workers) other.kill();
        rejectStarted?.(
          new Error(`a worker exited before it listened (${signal ?? `code ${code}`})`),
        );
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && crashes[0]! < now - CRASH_WINDOW) crashes.shift();
      const delay = Math.min(MAX_RESTART_DELAY, restartDelay * 2 ** (crashes.length - 1));
      restarts++;
      // Not unref'd: with every worker gone, this timer is what keeps the primary running.
      setTimeout(() => {
        if (!closing) fork();
      }, delay);
    });
  };

  let closed: Promise<void> | undefined;
  const closeAll = (): Promise<void> => {
    closed ??= (async () => {
      closing = true;
      const exits = [...workers].map(
        (worker) => new Promise<void>((resolve) => worker.once('exit', () => resolve())),
      );
      for (const worker of workers) {
        if (worker.isConnected()) worker.send({ tag: CLUSTER_TAG, kind: 'close' });
        else worker.kill();
      }
      const timer = setTimeout(() => {
        for (const worker of workers) worker.process.kill('SIGKILL');
      }, closeTimeout);
      await Promise.all(exits);
      clearTimeout(timer);
    })();
    return closed;
  };

  return new Promise<WorkerPool>((resolve, reject) => {
    resolveStarted = (value) => {
      resolveStarted = undefined;
      resolve(value);
    };
    rejectStarted = reject;
    for (let i = 0; i < count; i++) fork();
  });
}
