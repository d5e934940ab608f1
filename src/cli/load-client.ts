/**
 * The load client of `wirekit bench`, in the spirit of anycable's websocket-bench: open N
 * connections, then measure round trips.
 *
 * - Echo: every connection keeps one binary message in flight (send, await the echo, send
 *   again); a sample is one round trip. Payloads of 8 bytes or more carry the connection's
 *   number and a sequence number, so an answer that is not the echo of what was sent (a
 *   broadcast server's relay of another connection's message) is caught at once.
 * - Broadcast: connection 0 sends, the server relays to all; a sample is the time until every
 *   other connection got it (the sender's own copy, if the server sends one, is ignored). One
 *   broadcast is in flight at a time; payloads carry a sequence number in their first 4 bytes.
 *
 * The run stops after `messages` samples or, without it, when `durationMs` has passed (messages
 * in flight are then awaited). Anything that makes the figures wrong ends the run with an
 * error and no figures: a connection closed by the server, an answer that does not match, a
 * message never answered, the `timeoutMs` bound. {@link LoadClient.interrupt} ends it early
 * with the figures so far, marked partial. One handler object serves every connection.
 */
import { setMaxListeners } from 'node:events';
import {
  type ClientTlsOptions,
  CloseCode,
  type Connection,
  type ConnectionHandler,
  connect,
  ReadyState,
} from '../index.js';
import { LatencyHistogram, type LatencySummary } from './latency-histogram.js';
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
  /** Fail when the run has not ended this many ms after measuring started. */
  readonly timeoutMs: number;
  readonly tls?: ClientTlsOptions;
  /** Called when the run moves on to another {@link LoadPhase} (the progress line redraws). */
  readonly onPhase?: (phase: LoadPhase) => void;
}

/** The figures of a run (what `wirekit bench --json` prints, with the histogram added). */
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
  /** The run was interrupted: the figures cover only the part that ran. */
  readonly partial: boolean;
  /** Messages sent whose answer had not arrived when an interrupted run stopped. */
  readonly inFlight: number;
}

/** A look at a run in progress, for the live progress line. */
export interface LoadProgress {
  readonly phase: LoadPhase;
  /** Connections open so far. */
  readonly open: number;
  /** Since measuring started, ms (0 while connecting). */
  readonly elapsedMs: number;
  /** Samples so far. */
  readonly messages: number;
  /** Wrong answers so far (the first one ends the run). */
  readonly errors: number;
  readonly p50: number;
  readonly p99: number;
}

/** Where a run is. */
export const LoadPhase = {
  CONNECTING: 'connecting',
  MEASURING: 'measuring',
  /** Sending is over; answers in flight are awaited. */
  DRAINING: 'draining',
  /** Measuring is over; connections are closing. */
  CLOSING: 'closing',
} as const;

export type LoadPhase = (typeof LoadPhase)[keyof typeof LoadPhase];

/** Per-connection state, kept in `connection.data`. */
interface ClientState {
  readonly index: number;
  /** When the message in flight was sent (echo). */
  sentAt: number;
  /** Sequence number of the message in flight (echo), or the last broadcast received. */
  seq: number;
  waiting: boolean;
}

/** Connections opened at once while setting up. */
const CONNECT_CONCURRENCY = 32;
/** After the duration, how long to wait for messages in flight. */
const DRAIN_GRACE_MS = 5_000;
/**
 * Broadcast: how long the sender's own copy may be the only one back before the server is
 * taken for an echo server (which never relays to the other connections).
 */
const RELAY_WAIT_MS = 2_000;
/** Echo payloads at least this long carry the connection's number and a sequence number. */
const STAMP_BYTES = 8;

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
  readonly #latency = new LatencyHistogram();
  readonly #clients: Connection<ClientState>[] = [];
  readonly #handler: ConnectionHandler<ClientState>;
  readonly #connecting = new AbortController();
  #phase: LoadPhase = LoadPhase.CONNECTING;
  #interrupted = false;
  #started = 0;
  #completed = 0;
  #errors = 0;
  #failure: string | undefined;
  #startAt = 0;
  #lastAt = 0;
  #deadline = Number.POSITIVE_INFINITY;
  // Broadcast: the sequence number in flight, when it was sent, receivers that have it, when
  // the sender's own copy came back.
  #seq = 0;
  #sentAt = 0;
  #received = 0;
  #ownCopyAt = 0;
  #open = 0;
  #settle: (() => void) | undefined;
  #allClosed: (() => void) | undefined;

  constructor(options: LoadOptions) {
    this.#options = options;
    this.#payload = Buffer.alloc(options.payload, 0x61);
    // Every connect in flight listens on the one signal: that many listeners are no leak.
    setMaxListeners(CONNECT_CONCURRENCY + 1, this.#connecting.signal);
    const run = this;
    this.#handler = {
      // Counted when the connection starts, before any close can be reported: a server that
      // closes at once may have its close frame in the same read as the 101.
      open(): void {
        run.#open += 1;
      },
      message(ws, data, isBinary): void {
        run.#onMessage(ws, data, isBinary);
      },
      close(ws, code, reason, wasClean): void {
        run.#onClose(ws, code, reason, wasClean);
      },
    };
  }

  /** The latency samples so far. */
  get latency(): LatencyHistogram {
    return this.#latency;
  }

  /** Where the run is and its figures so far. */
  progress(): LoadProgress {
    return {
      phase: this.#phase,
      open: this.#open,
      elapsedMs: this.#startAt === 0 ? 0 : performance.now() - this.#startAt,
      messages: this.#completed,
      errors: this.#errors,
      p50: this.#latency.valueAt(50),
      p99: this.#latency.valueAt(99),
    };
  }

  /**
   * Stop now (Ctrl-C): connecting is abandoned, messages in flight are not awaited, and
   * {@link run} resolves with the figures so far, marked partial.
   */
  interrupt(): void {
    if (this.#interrupted) return;
    this.#interrupted = true;
    this.#connecting.abort();
    this.#stop(undefined);
  }

  /**
   * Connect, measure, close every connection; resolves with the figures. Rejects when a
   * connection cannot be opened or the run goes wrong (the message says how), after closing
   * what was opened.
   */
  async run(): Promise<LoadResult> {
    try {
      await this.#connectAll();
    } catch (error) {
      this.#enter(LoadPhase.CLOSING);
      await this.#closeAll();
      if (!this.#interrupted) throw error;
    }
    if (this.#interrupted) {
      await this.#closeAll();
      return this.#result();
    }
    if (this.#failure !== undefined) {
      // A connection closed between the last open and now.
      this.#enter(LoadPhase.CLOSING);
      await this.#closeAll();
      throw new Error(this.#failure);
    }
    const options = this.#options;
    const finished = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
    this.#startAt = performance.now();
    this.#lastAt = this.#startAt;
    this.#enter(LoadPhase.MEASURING);
    if (options.messages === undefined) this.#deadline = this.#startAt + options.durationMs;
    const timeout = setTimeout(() => {
      const target = options.messages === undefined ? '' : ` of ${options.messages}`;
      const done = `${this.#completed}${target} samples done`;
      this.#stop(`no result within --timeout ${options.timeoutMs / 1000} s (${done})`);
    }, options.timeoutMs);
    // Duration runs: stop sending at the deadline, then give messages in flight a grace period.
    const deadline =
      options.messages === undefined
        ? setTimeout(() => this.#afterDeadline(), options.durationMs)
        : undefined;
    const watch =
      options.mode === RelayMode.BROADCAST
        ? setInterval(() => this.#checkRelay(), RELAY_WAIT_MS / 4)
        : undefined;
    if (options.mode === RelayMode.ECHO) for (const ws of this.#clients) this.#sendEcho(ws);
    else this.#broadcast();
    await finished;
    clearTimeout(timeout);
    clearTimeout(deadline);
    clearInterval(watch);
    await this.#closeAll();
    if (this.#failure !== undefined) throw new Error(this.#failure);
    return this.#result();
  }

  async #connectAll(): Promise<void> {
    const { url, connections, tls } = this.#options;
    const signal = this.#connecting.signal;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < connections && !signal.aborted) {
        const index = next++;
        const ws = await connect<ClientState>(url, {
          handler: this.#handler,
          data: { index, sentAt: 0, seq: 0, waiting: false },
          signal,
          ...(tls === undefined ? {} : { tls }),
        });
        this.#clients[index] = ws;
      }
    };
    const workers = Array.from({ length: Math.min(CONNECT_CONCURRENCY, connections) }, worker);
    const outcomes = await Promise.allSettled(
      workers.map((work) =>
        work.catch((error: unknown) => {
          // The first failure stops the other workers; their aborted connects are not news.
          this.#connecting.abort();
          throw error;
        }),
      ),
    );
    const failed = outcomes.find((outcome) => outcome.status === 'rejected');
    if (this.#failure !== undefined) throw new Error(this.#failure);
    if (failed !== undefined) throw failed.reason;
  }

  #sendEcho(ws: Connection<ClientState>): void {
    if (this.#phase !== LoadPhase.MEASURING || this.#sendingOver(performance.now())) return;
    const state = ws.data;
    this.#started += 1;
    state.seq += 1;
    state.waiting = true;
    if (this.#payload.length >= STAMP_BYTES) {
      this.#payload.writeUInt32BE(state.index, 0);
      this.#payload.writeUInt32BE(state.seq >>> 0, 4);
    }
    state.sentAt = performance.now();
    ws.sendBinary(this.#payload); // copied before it returns: the stamp can change
  }

  #broadcast(): void {
    if (this.#phase === LoadPhase.CLOSING) return;
    if (this.#phase === LoadPhase.DRAINING || this.#sendingOver(performance.now())) {
      this.#stop(undefined);
      return;
    }
    const sender = this.#clients[0]!;
    this.#started += 1;
    this.#seq += 1;
    this.#received = 0;
    this.#ownCopyAt = 0;
    this.#payload.writeUInt32BE(this.#seq >>> 0, 0);
    this.#sentAt = performance.now();
    sender.sendBinary(this.#payload);
  }

  #onMessage(ws: Connection<ClientState>, data: Buffer, isBinary: boolean): void {
    if (this.#phase !== LoadPhase.MEASURING && this.#phase !== LoadPhase.DRAINING) return;
    const now = performance.now();
    const state = ws.data;
    if (this.#options.mode === RelayMode.ECHO) {
      const wrong = this.#echoMismatch(state, data, isBinary);
      if (wrong !== undefined) {
        this.#errors += 1;
        this.#stop(
          `connection ${state.index} got ${wrong}: the server does not echo (for a broadcast server use --mode broadcast)`,
        );
        return;
      }
      state.waiting = false;
      this.#complete(now - state.sentAt, now);
      this.#sendEcho(ws);
      if (this.#started === this.#completed && this.#sendingOver(now)) this.#stop(undefined);
      return;
    }
    const seq = data.length >= 4 ? data.readUInt32BE(0) : -1;
    if (state.index === 0) {
      if (seq === this.#seq) this.#ownCopyAt = now; // the sender's own copy
      return;
    }
    if (!isBinary || data.length !== this.#payload.length || seq !== this.#seq) {
      this.#errors += 1;
      this.#stop(
        `connection ${state.index} got a message that is not broadcast #${this.#seq} (${describe(data, isBinary)})`,
      );
      return;
    }
    if (state.seq === this.#seq) {
      this.#errors += 1;
      this.#stop(`connection ${state.index} got broadcast #${this.#seq} twice`);
      return;
    }
    state.seq = this.#seq;
    this.#received += 1;
    if (this.#received === this.#clients.length - 1) {
      this.#complete(now - this.#sentAt, now);
      this.#broadcast();
    }
  }

  /** How an echo answer differs from what was sent, or `undefined` when it is the echo. */
  #echoMismatch(state: ClientState, data: Buffer, isBinary: boolean): string | undefined {
    if (!state.waiting) return `a message it did not ask for (${describe(data, isBinary)})`;
    if (!isBinary) return `a text message back for a binary one (${describe(data, isBinary)})`;
    if (data.length !== this.#payload.length)
      return `${data.length} bytes back for ${this.#payload.length}`;
    if (
      data.length >= STAMP_BYTES &&
      (data.readUInt32BE(0) !== state.index || data.readUInt32BE(4) !== state.seq >>> 0)
    ) {
      const from = data.readUInt32BE(0);
      return `message #${data.readUInt32BE(4)} of connection ${from} back for its own #${state.seq}`;
    }
    return undefined;
  }

  #complete(latency: number, now: number): void {
    this.#latency.record(latency);
    this.#completed += 1;
    this.#lastAt = now;
  }

  #sendingOver(now: number): boolean {
    // Draining means the deadline's timer ran, which libuv's millisecond clock can do a
    // fraction of a millisecond before `performance.now()` reaches the deadline.
    if (this.#phase === LoadPhase.DRAINING) return true;
    const target = this.#options.messages;
    return target !== undefined ? this.#started >= target : now >= this.#deadline;
  }

  #afterDeadline(): void {
    if (this.#phase !== LoadPhase.MEASURING) return;
    if (this.#started === this.#completed) {
      this.#stop(undefined);
      return;
    }
    this.#enter(LoadPhase.DRAINING);
    const grace = setTimeout(() => {
      const missing = this.#started - this.#completed;
      this.#stop(
        `${missing} message(s) got no answer within ${DRAIN_GRACE_MS / 1000} s of the end of the run`,
      );
    }, DRAIN_GRACE_MS);
    grace.unref();
  }

  /** Broadcast: only the sender's own copy came back, for a while: an echo server. */
  #checkRelay(): void {
    if (this.#ownCopyAt === 0 || this.#received > 0) return;
    if (performance.now() - this.#ownCopyAt < RELAY_WAIT_MS) return;
    this.#stop(
      `broadcast #${this.#seq} came back to its sender only, no other connection got it within ${RELAY_WAIT_MS / 1000} s: the server does not broadcast (for an echo server use --mode echo)`,
    );
  }

  #onClose(ws: Connection<ClientState>, code: number, reason: string, wasClean: boolean): void {
    this.#open -= 1;
    if (this.#phase !== LoadPhase.CLOSING) {
      const why = reason === '' ? '' : ` (${JSON.stringify(reason)})`;
      const how = wasClean
        ? `the server closed connection ${ws.data.index} with code ${code}${why}`
        : `connection ${ws.data.index} was lost (code ${code}${why})`;
      const when =
        this.#phase === LoadPhase.CONNECTING
          ? 'while connecting'
          : `after ${this.#completed} samples`;
      const failure = `${how} ${when}`;
      if (this.#phase === LoadPhase.CONNECTING) {
        this.#failure ??= failure;
        this.#connecting.abort();
      } else {
        this.#stop(failure);
      }
    }
    if (this.#open === 0) this.#allClosed?.();
  }

  #enter(phase: LoadPhase): void {
    if (this.#phase === phase) return;
    this.#phase = phase;
    this.#options.onPhase?.(phase);
  }

  /** End the measurement (`failure` when it went wrong). */
  #stop(failure: string | undefined): void {
    if (this.#phase === LoadPhase.CLOSING) return;
    this.#failure = failure;
    this.#enter(LoadPhase.CLOSING);
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
        p999: round(l.p999, 4),
        max: round(l.max, 4),
      },
      partial: this.#interrupted,
      inFlight: this.#started - this.#completed,
    };
  }
}

/** A received message, briefly, for an error line. */
function describe(data: Buffer, isBinary: boolean): string {
  if (isBinary) return `binary, ${data.length} bytes`;
  const text = data.toString('utf8', 0, Math.min(data.length, 40));
  return `text ${JSON.stringify(text)}${data.length > 40 ? '…' : ''}`;
}

/** `value` with at most `digits` decimals (0.1 µs resolution is plenty for ms latencies). */
function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
