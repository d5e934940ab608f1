/**
 * A benchmark process: a compiled script run by this Node.js through `sh -c 'ulimit -n N &&
 * exec taskset -c CPU node …'` (so its pid is node's own), stdin a pipe (closing it stops the
 * servers, so nothing outlives the runner even on SIGKILL), stdout read as JSON lines. Every
 * child is remembered and killed by pid when the runner exits, also on failure or Ctrl-C.
 *
 * @example
 * ```ts
 * killChildrenOnExit();
 * const server = NodeChild.start('dist/bench/deflate/ws-server.js', ['--mode', 'off'], {});
 * const ready = await server.nextLine((line) => line['event'] === 'ready');
 * await server.stop();
 * ```
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How to run the script. */
export interface ChildOptions {
  /** Pin to this core; undefined: not pinned. */
  readonly cpu?: number | undefined;
  /** Raise the open-file limit to this (soft limit; at most the hard limit). */
  readonly openFiles?: number | undefined;
  /** Node flags before the script (e.g. `--expose-gc`, `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
}

/** A parsed JSON line from the child's stdout. */
export type JsonLine = Readonly<Record<string, unknown>>;

const live = new Set<NodeChild>();
const STOP_TIMEOUT = 10_000;

function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** One running child. */
export class NodeChild {
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

  /** Start `node [nodeArgs] script [args]` under `sh`, `ulimit` and `taskset` as asked. */
  static start(script: string, args: readonly string[], options: ChildOptions): NodeChild {
    const words: string[] = [];
    if (options.cpu !== undefined) words.push('taskset', '-c', String(options.cpu));
    words.push(process.execPath, ...(options.nodeArgs ?? []), script, ...args);
    const limit = options.openFiles === undefined ? '' : `ulimit -n ${options.openFiles} && `;
    const child = spawn('sh', ['-c', `${limit}exec ${words.map(quote).join(' ')}`], {
      stdio: 'pipe',
    });
    const started = new NodeChild(child);
    live.add(started);
    return started;
  }

  /** The process id (node's own: `sh` and `taskset` exec it). */
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

  /**
   * The first line (not yet taken) that `accept` likes; rejects after `timeoutMs` or when the
   * child exits first.
   */
  nextLine(accept: (line: JsonLine) => boolean, timeoutMs = 30_000): Promise<JsonLine> {
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

  /** SIGTERM, and SIGKILL if it has not exited after a while; resolves with its exit code. */
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

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** SIGKILL every child still running (synchronous: safe in an `exit` handler). */
export function killAllChildren(): void {
  for (const child of live) signal(child.pid, 'SIGKILL');
  live.clear();
}

/** Kill every child when this process exits, is interrupted or fails. */
export function killChildrenOnExit(): void {
  process.once('exit', killAllChildren);
  for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(name, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}
