/**
 * The test's side of a wirekit server running alone in a child process (`server-process.ts`):
 * start it, watch what it reports, ask for its memory figures, and shut it down — checking
 * that it released everything and exited by itself. Every wait is bounded.
 *
 * @example
 * ```ts
 * const server = await ServerProcess.start({ maxMessageSize: 65_536 });
 * t.after(() => server.kill());
 * // ... hostile bytes at 127.0.0.1:server.port ...
 * const { peakRss } = await server.stats();
 * const { leftBehind, exitCode } = await server.shutDown();
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { within } from '../helpers/within.js';
import type {
  FromServerProcess,
  ServerProcessOptions,
  ServerProcessStats,
  ToServerProcess,
} from './server-process-messages.js';

/** How long any single wait on the child may take. Generous: the machine is slow and shared. */
const WAIT_MS = 20_000;
const SCRIPT = new URL('./server-process.js', import.meta.url).pathname;

/** A report from the child, found by {@link ServerProcess.waitFor}. */
export type ServerReport = FromServerProcess;

/** What {@link ServerProcess.shutDown} found. */
export interface ShutDownResult {
  /** Sockets or timers the child still had after closing its server (empty when clean). */
  readonly leftBehind: readonly string[];
  /** The child's exit code: it exited by itself, so nothing kept its event loop alive. */
  readonly exitCode: number | null;
}

export class ServerProcess {
  /** The port the child's server listens on (127.0.0.1). */
  readonly port: number;
  /** The child's figures once it listened, before any connection: the baseline. */
  readonly initial: ServerProcessStats;
  /** Everything the child reported, in order. */
  readonly reports: ServerReport[] = [];
  readonly #child: ChildProcess;
  readonly #exited: Promise<number | null>;
  #wake: (() => void) | undefined;
  #nextId = 1;

  private constructor(
    child: ChildProcess,
    ready: Extract<FromServerProcess, { type: 'ready' }>,
    exited: Promise<number | null>,
  ) {
    this.#child = child;
    this.port = ready.port;
    this.initial = ready.stats;
    this.#exited = exited;
    child.on('message', (message: FromServerProcess) => {
      this.reports.push(message);
      this.#wake?.();
    });
  }

  /** Spawn the child with `options` for its server and wait until it listens. */
  static async start(options: ServerProcessOptions = {}): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--expose-gc', SCRIPT, JSON.stringify(options)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => {
      child.once('exit', (code) => resolve(code));
    });
    const ready = await within(
      new Promise<Extract<FromServerProcess, { type: 'ready' }>>((resolve, reject) => {
        child.once('error', reject);
        void exited.then((code) => reject(new Error(`server process exited early (${code})`)));
        const onMessage = (message: FromServerProcess): void => {
          if (message.type !== 'ready') return;
          child.off('message', onMessage);
          resolve(message);
        };
        child.on('message', onMessage);
      }),
      WAIT_MS,
      'the server process to listen',
    ).catch((error: unknown) => {
      child.kill();
      throw error;
    });
    return new ServerProcess(child, ready, exited);
  }

  /** Wait until the child has reported something `predicate` accepts; return that report. */
  async waitFor<T extends ServerReport>(
    predicate: (report: ServerReport) => report is T,
    what: string,
  ): Promise<T> {
    const deadline = Date.now() + WAIT_MS;
    for (let seen = 0; ; ) {
      for (; seen < this.reports.length; seen++) {
        const report = this.reports[seen]!;
        if (predicate(report)) return report;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#child.exitCode !== null)
        throw new Error(`server process: no ${what} (reports: ${this.#summary()})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          this.#wake = undefined;
          resolve();
        };
      });
    }
  }

  /** Wait until `condition()` holds, checked after each report from the child. */
  async waitUntil(condition: () => boolean, what: string): Promise<void> {
    await this.waitFor((_r): _r is ServerReport => condition(), what);
  }

  /** The first close the child's server reported. */
  firstClose(): Promise<Extract<ServerReport, { type: 'close' }>> {
    return this.waitFor(isClose, 'close report');
  }

  /** Reports of one type so far. */
  reportsOf<K extends ServerReport['type']>(type: K): Extract<ServerReport, { type: K }>[] {
    return this.reports.filter((r): r is Extract<ServerReport, { type: K }> => r.type === type);
  }

  /** Memory and traffic figures now (after a full GC in the child). */
  async stats(): Promise<ServerProcessStats> {
    const id = this.#nextId++;
    this.#send({ type: 'stats', id });
    const reply = await this.waitFor(
      (r): r is Extract<ServerReport, { type: 'stats' }> => r.type === 'stats' && r.id === id,
      'stats reply',
    );
    return reply.stats;
  }

  /** Poll the stats until `predicate` holds (bounded), and return the stats that met it. */
  async statsWhen(
    predicate: (stats: ServerProcessStats) => boolean,
    what: string,
  ): Promise<ServerProcessStats> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const stats = await this.stats();
      if (predicate(stats)) return stats;
      if (Date.now() > deadline)
        throw new Error(`server process: ${what} never held (last ${JSON.stringify(stats)})`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Close the server; the child must report what it left behind and exit by itself. */
  async shutDown(): Promise<ShutDownResult> {
    this.#send({ type: 'shut-down' });
    const report = await this.waitFor(
      (r): r is Extract<ServerReport, { type: 'shut-down' }> => r.type === 'shut-down',
      'shut-down report',
    );
    const exitCode = await within(this.#exited, WAIT_MS, 'the server process to exit by itself');
    return { leftBehind: report.leftBehind, exitCode };
  }

  /** End the child if it is still running (cleanup after a failed test). */
  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
  }

  #send(message: ToServerProcess): void {
    this.#child.send(message);
  }

  #summary(): string {
    const counts: Record<string, number> = {};
    for (const r of this.reports) counts[r.type] = (counts[r.type] ?? 0) + 1;
    return JSON.stringify(counts);
  }
}

function isClose(report: ServerReport): report is Extract<ServerReport, { type: 'close' }> {
  return report.type === 'close';
}
