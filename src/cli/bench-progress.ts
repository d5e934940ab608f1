/**
 * The live progress line of `wirekit bench` on a terminal: once a second, msg/s over the last
 * second, p50 and p99 so far and the error count, rewritten in place with `\r` on stderr. Not
 * drawn when stderr is not a terminal: a log or a pipe would get a line per second of `\r`
 * noise, and scripts read the result on stdout anyway.
 */
import { LoadPhase, type LoadProgress } from './load-client.js';

/** How often the line is redrawn. */
const INTERVAL_MS = 1000;

/**
 * The progress line of one run.
 *
 * @example
 * ```ts
 * const progress = new BenchProgress(() => client.progress(), 100);
 * progress.start();
 * const result = await client.run();
 * progress.stop();
 * ```
 */
export class BenchProgress {
  readonly #read: () => LoadProgress;
  readonly #connections: number;
  readonly #stream: NodeJS.WriteStream = process.stderr;
  #timer: NodeJS.Timeout | undefined;
  #drawn = false;
  #lastElapsedMs = 0;
  #lastMessages = 0;

  constructor(read: () => LoadProgress, connections: number) {
    this.#read = read;
    this.#connections = connections;
  }

  /** Whether a line will be drawn at all: stderr is a terminal. */
  get enabled(): boolean {
    return this.#stream.isTTY === true;
  }

  /** Draw now and then every second (nothing when stderr is not a terminal). */
  start(): void {
    if (!this.enabled || this.#timer !== undefined) return;
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), INTERVAL_MS);
    this.#timer.unref();
  }

  /** Redraw now (a new phase of the run), when the line is drawn at all. */
  redraw(): void {
    if (this.#timer !== undefined) this.#draw();
  }

  /** Stop redrawing and erase the line, so what follows starts on a clean line. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  #draw(): void {
    const progress = this.#read();
    let line: string;
    if (progress.phase === LoadPhase.CONNECTING) {
      line = `connecting: ${progress.open}/${this.#connections} open`;
    } else {
      const seconds = (progress.elapsedMs - this.#lastElapsedMs) / 1000;
      const rate = seconds > 0 ? (progress.messages - this.#lastMessages) / seconds : 0;
      this.#lastElapsedMs = progress.elapsedMs;
      this.#lastMessages = progress.messages;
      const elapsed = Math.round(progress.elapsedMs / 1000);
      const draining = progress.phase === LoadPhase.DRAINING ? '  (awaiting answers)' : '';
      line =
        `${elapsed} s  ${Math.round(rate).toLocaleString('en-US')} msg/s` +
        `  p50 ${progress.p50.toFixed(3)} ms  p99 ${progress.p99.toFixed(3)} ms` +
        `  errors ${progress.errors}${draining}`;
    }
    // A line wider than the terminal wraps, and `\r` would then rewrite only its last row.
    const width = this.#stream.columns > 1 ? this.#stream.columns - 1 : line.length;
    this.#stream.write(`\r\x1b[2K${line.slice(0, width)}`);
    this.#drawn = true;
  }
}
