/**
 * The load client of `wirekit bench`, in the spirit of anycable's websocket-bench: open N
 * connections, then measure round trips.
 *
 * - Echo: every connection keeps one message in flight (send, await the echo, send again); a
 *   sample is one round trip.
 * - Broadcast: connection 0 sends, the server relays to all; a sample is the time until every
 *   other connection got it (the sender's own copy, if the server sends one, is ignored). One
 *   broadcast is in flight at a time; payloads carry a sequence number in their first 4 bytes.
 *
 * The run stops after `messages` samples or, without it, when `durationMs` has passed (messages
 * in flight are then awaited); `timeoutMs` bounds the whole run either way. One handler object
 * serves every connection.
 */
import {
  type ClientTlsOptions,
  CloseCode,
  type Connection,
  type ConnectionHandler,
  connect,
  ReadyState,
} from '../index.js';
import { LatencyRecorder, type LatencySummary } from './latency-recorder.js';
import { RelayMode } from './relay-handler.js';

/** What to run. */
export interface LoadOptions {
  readonly url: string;
  readonly mode: RelayMode;
  readonly connections: number;
  /** Payload size in bytes (at least 4 in broadcast mode). */
  readonly payload: number;
  /** Stop after this many samples (round trips or broadcasts). */
  readonly messages: number | undefined;
  /** Without `messages`: stop sending after this many ms. */
  readonly durationMs: number;
  /** Give up (incomplete) after this many ms of measuring. */
  readonly timeoutMs: number;
  readonly tls?: ClientTlsOptions;
}

/** What `wirekit bench --json` prints. */
export interface LoadResult {
  readonly mode: RelayMode;
  readonly url: string;
  readonly connections: number;
  readonly payloadBytes: number;
  /** Samples: completed round trips (echo) or broadcasts that reached everyone. */
  readonly messages: number;
  /** Messages received by the clients that were counted: `messages` (echo) or
   * `messages × (connections − 1)` (broadcast). */
  readonly deliveries: number;
  /** From the first send to the last counted message. */
  readonly seconds: number;
  readonly messagesPerSecond: number;
  readonly deliveriesPerSecond: number;
  readonly latencyMs: LatencySummary;
  /** Messages sent whose answer had not arrived when the run ended. */
  readonly lost: number;
  /** Wrong answers: a wrong size or sequence number, a message nobody waited for. */
  readonly errors: number;
  /** The run reached its target (count or duration) with nothing lost and no failure. */
  readonly complete: boolean;
  /** Why the run stopped early, if it did. */
  readonly failure?: string;
}

/** Per-connection state, kept in `connection.data`. */
interface ClientState {
  readonly index: number;
  /** When the message in flight was sent (echo). */
  sentAt: number;
  waiting: boolean;
  /** Last broadcast sequence number received (broadcast). */
  lastSeq: number;
}

/** Connections opened at once while setting up. */
const CONNECT_CONCURRENCY = 32;
/** After the duration, how long to wait for messages in flight. */
const DRAIN_GRACE_MS = 5_000;

/**
 * One benchmark run.
 *
 * @example
 * ```ts
 * const result = await new LoadClient({ url: 'ws://127.0.0.1:9001', mode: 'echo',
 *   connections: 10, payload: 512, messages: 10_000, durationMs: 0, timeoutMs: 60_000 }).run();
 * console.log(result.messagesPerSecond, result.latencyMs.p99);
 * ```
 */
export class LoadClient {
  readonly #options: LoadOptions;
  readonly #payload: Buffer;
  readonly #latency: LatencyRecorder;
  readonly #clients: Connection<ClientState>[] = [];
  readonly #handler: ConnectionHandler<ClientState>;
  #running = false;
  #started = 0;
  #completed = 0;
  #errors = 0;
  #failure: string | undefined;
  #startAt = 0;
  #lastAt = 0;
  #deadline = Number.POSITIVE_INFINITY;
  // Broadcast: the sequence number in flight, when it was sent, receivers that have it.
  #seq = 0;
  #sentAt = 0;
  #received = 0;
  #open = 0;
  #settle: (() => void) | undefined;
  #allClosed: (() => void) | undefined;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#payload = Buffer.alloc(options.payload, 0x61);
    this.#latency = new LatencyRecorder(options.messages ?? 65_536);
    const run = this;
    this.#handler = {
      message(ws, data): void {
        run.#onMessage(ws, data);
      },
      close(ws, code, reason): void {
        run.#onClose(ws, code, reason);
      },
    };
  }

  /** Connect, measure, close every connection; resolves with the figures. */
  async run(): Promise<LoadResult> {
    await this.#connectAll();
    const options = this.#options;
    const finished = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
    this.#running = true;
    this.#startAt = performance.now();
    this.#lastAt = this.#startAt;
    if (options.messages === undefined) this.#deadline = this.#startAt + options.durationMs;
    const timeout = setTimeout(
      () => this.#stop(`timed out after ${options.timeoutMs / 1000} s`),
      options.timeoutMs,
    );
    // Duration runs: stop sending at the deadline, then give messages in flight a grace period.
    const deadline =
      options.messages === undefined
        ? setTimeout(() => this.#afterDeadline(), options.durationMs)
        : undefined;
    if (options.mode === RelayMode.ECHO) for (const ws of this.#clients) this.#sendEcho(ws);
    else this.#broadcast();
    await finished;
    clearTimeout(timeout);
    clearTimeout(deadline);
    await this.#closeAll();
    return this.#result();
  }

  async #connectAll(): Promise<void> {
    const { url, connections, tls } = this.#options;
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      while (next < connections && !failed) {
        const index = next++;
        const ws = await connect<ClientState>(url, {
          handler: this.#handler,
          data: { index, sentAt: 0, waiting: false, lastSeq: 0 },
          ...(tls === undefined ? {} : { tls }),
        }).catch((error: unknown) => {
          failed = true;
          throw error;
        });
        this.#clients[index] = ws;
        this.#open += 1;
      }
    };
    const workers = Array.from({ length: Math.min(CONNECT_CONCURRENCY, connections) }, worker);
    try {
      await Promise.all(workers);
    } catch (error) {
      await Promise.allSettled(workers);
      await this.#closeAll();
      throw error;
    }
  }

  #sendEcho(ws: Connection<ClientState>): void {
    const target = this.#options.messages;
    if (target !== undefined ? this.#started >= target : performance.now() >= this.#deadline)
      return;
    if (ws.readyState !== ReadyState.OPEN) {
      this.#stop(`connection ${ws.data.index} is closing`);
      return;
    }
    this.#started += 1;
    ws.data.waiting = true;
    ws.data.sentAt = performance.now();
    ws.sendBinary(this.#payload);
  }

  #broadcast(): void {
    const target = this.#options.messages;
    if (target !== undefined ? this.#started >= target : performance.now() >= this.#deadline) {
      this.#stop(undefined);
      return;
    }
    const sender = this.#clients[0]!;
    if (sender.readyState !== ReadyState.OPEN) {
      this.#stop('the sending connection is closing');
      return;
    }
    this.#started += 1;
    this.#seq += 1;
    this.#received = 0;
    this.#payload.writeUInt32BE(this.#seq >>> 0, 0);
    this.#sentAt = performance.now();
    sender.sendBinary(this.#payload);
  }

  #onMessage(ws: Connection<ClientState>, data: Buffer): void {
    if (!this.#running) return;
    const now = performance.now();
    const state = ws.data;
    if (this.#options.mode === RelayMode.ECHO) {
      if (!state.waiting) {
        this.#errors += 1;
        return;
      }
      state.waiting = false;
      if (data.length !== this.#payload.length) this.#errors += 1;
      this.#complete(now - state.sentAt, now);
      this.#sendEcho(ws);
      if (this.#started === this.#completed && this.#sendingOver(now)) this.#stop(undefined);
      return;
    }
    if (state.index === 0) return; // the sender's own copy
    if (data.length !== this.#payload.length || data.readUInt32BE(0) !== this.#seq) {
      this.#errors += 1;
      return;
    }
    if (state.lastSeq === this.#seq) {
      this.#errors += 1; // a duplicate
      return;
    }
    state.lastSeq = this.#seq;
    this.#received += 1;
    if (this.#received === this.#clients.length - 1) {
      this.#complete(now - this.#sentAt, now);
      this.#broadcast();
    }
  }

  #complete(latency: number, now: number): void {
    this.#latency.record(latency);
    this.#completed += 1;
    this.#lastAt = now;
  }

  #sendingOver(now: number): boolean {
    const target = this.#options.messages;
    return target !== undefined ? this.#started >= target : now >= this.#deadline;
  }

  #afterDeadline(): void {
    if (!this.#running) return;
    if (this.#started === this.#completed) {
      this.#stop(undefined);
      return;
    }
    const grace = setTimeout(() => this.#stop(undefined), DRAIN_GRACE_MS);
    grace.unref();
  }

  #onClose(ws: Connection<ClientState>, code: number, reason: string): void {
    this.#open -= 1;
    if (this.#running) {
      const why = reason === '' ? '' : ` (${reason})`;
      this.#stop(`connection ${ws.data.index} closed during the run with ${code}${why}`);
    }
    if (this.#open === 0) this.#allClosed?.();
  }

  /** End the measurement (`failure` when it ended early). */
  #stop(failure: string | undefined): void {
    if (!this.#running) return;
    this.#running = false;
    this.#failure = failure;
    this.#settle?.();
  }

  #closeAll(): Promise<void> {
    if (this.#open === 0) return Promise.resolve();
    const closed = new Promise<void>((resolve) => {
      this.#allClosed = resolve;
    });
    for (const ws of this.#clients) {
      if (ws !== undefined && ws.readyState === ReadyState.OPEN) ws.close(CloseCode.NORMAL);
    }
    return closed;
  }

  #result(): LoadResult {
    const options = this.#options;
    const messages = this.#completed;
    const receivers = options.mode === RelayMode.ECHO ? 1 : options.connections - 1;
    const deliveries = messages * receivers;
    const seconds = (this.#lastAt - this.#startAt) / 1000;
    const perSecond = (count: number): number => (seconds > 0 ? count / seconds : 0);
    const lost = this.#started - this.#completed;
    const reachedTarget = options.messages === undefined || messages === options.messages;
    const l = this.#latency.summary();
    return {
      mode: options.mode,
      url: options.url,
      connections: options.connections,
      payloadBytes: options.payload,
      messages,
      deliveries,
      seconds: round(seconds, 6),
      messagesPerSecond: round(perSecond(messages), 2),
      deliveriesPerSecond: round(perSecond(deliveries), 2),
      latencyMs: {
        min: round(l.min, 4),
        mean: round(l.mean, 4),
        p50: round(l.p50, 4),
        p90: round(l.p90, 4),
        p99: round(l.p99, 4),
        max: round(l.max, 4),
      },
      lost,
      errors: this.#errors,
      complete: this.#failure === undefined && lost === 0 && reachedTarget,
      ...(this.#failure === undefined ? {} : { failure: this.#failure }),
    };
  }
}

/** `value` with at most `digits` decimals (µs resolution is plenty for ms latencies). */
function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
