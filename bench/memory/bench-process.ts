/**
 * A process of the memory benchmark (a server or the raw client): started through
 * `sh -c 'ulimit -n N && exec nice -n 10 COMMAND…'` so it may hold 10,000 sockets and yields the
 * shared cores to other work, with its stdout read as JSON lines and its stdin a pipe (closing
 * it ends the process, so nothing outlives the runner). Every process started is remembered
 * and killed by pid when the runner exits, also on failure or Ctrl-C.
 *
 * @example
 * ```ts
 * killOnExit();
 * const server = BenchProcess.start([process.execPath, '--expose-gc', script], 20_000);
 * const ready = await server.nextLine((line) => line['event'] === 'ready');
 * await server.stop();
 * ```
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A parsed JSON line from the process's stdout. */
export type JsonLine = Readonly<Record<string, unknown>>;

const live = new Set<BenchProcess>();
const STOP_TIMEOUT = 10_000;

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** One running process. */
export class BenchProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #lines: JsonLine[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #stderr: string[] = [];
  readonly exited: Promise<number | null>;
  #done = false;

  private constructor(child: ChildProcessWithoutNullStreams) {
    this.#child = child;
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        this.#lines.push(JSON.parse(text) as JsonLine);
      } catch {
        this.#stderr.push(`(stdout) ${text}\n`);
      }
      this.#notify();
    });
    child.stderr.setEncoding('utf8').on('data', (text: string) => this.#stderr.push(text));
    child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      child.once('close', (code) => {
        this.#done = true;
        live.delete(this);
        this.#notify();
        resolve(code);
      });
    });
  }

  /** Start `command` (executable first) niced, with `openFiles` as its open-file limit. */
  static start(command: readonly string[], openFiles: number): BenchProcess {
    const line = `ulimit -n ${openFiles} && exec nice -n 10 ${command.map(quote).join(' ')}`;
    const started = new BenchProcess(spawn('sh', ['-c', line], { stdio: 'pipe' }));
    live.add(started);
    return started;
  }

  /** The process id (the command's own: `sh` and `nice` exec it). */
  get pid(): number {
    return this.#child.pid!;
  }

  /** What it wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr.join('');
  }

  /** Write one line to its stdin. */
  send(line: string): void {
    this.#child.stdin.write(`${line}\n`);
  }

  /** The first line not yet taken that `accept` likes; rejects after `timeoutMs` or when the
   * process exits first. */
  nextLine(accept: (line: JsonLine) => boolean, timeoutMs = 60_000): Promise<JsonLine> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const at = this.#lines.findIndex(accept);
        if (at !== -1) {
          resolve(this.#lines.splice(at, 1)[0]!);
          return true;
        }
        if (this.#done) {
          reject(new Error(`process ${this.pid} exited first: ${this.stderr.trim()}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`process ${this.pid}: no answer in ${timeoutMs} ms: ${this.stderr}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.#waiters.delete(waiter);
        }
      };
      this.#waiters.add(waiter);
    });
  }

  /** SIGTERM, then SIGKILL if it has not exited after a while; resolves with its exit code. */
  async stop(): Promise<number | null> {
    if (!this.#done) {
      signal(this.pid, 'SIGTERM');
      const timer = setTimeout(() => signal(this.pid, 'SIGKILL'), STOP_TIMEOUT);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  #notify(): void {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** SIGKILL every process still running (synchronous: safe in an `exit` handler). */
function killAll(): void {
  for (const child of live) signal(child.pid, 'SIGKILL');
  live.clear();
}

/** Kill every started process when this one exits, is interrupted or fails. */
export function killOnExit(): void {
  process.once('exit', killAll);
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(name, () => {
      killAll();
      process.exit(130);
    });
  }
}
