/**
 * Helpers for the CLI tests: run the compiled `wirekit` executable as a real child process
 * (stdin a pipe, so the CLI is in its scriptable mode), watch its output, and make sure none
 * outlives its test file (`after(stopAllCli)`).
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry (this file runs from dist/test/cli/). */
export const CLI_MAIN: string = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** How long a wait for output or exit may take before the test fails. */
const WAIT_MS = 15_000;

export interface CliExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const running = new Set<CliProcess>();

/** A running `wirekit …` process. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<CliExit>;
  #stdout = '';
  #stderr = '';
  #done = false;
  readonly #watchers = new Set<() => void>();

  /**
   * With `terminal`, the CLI runs on a pseudo-terminal made by script(1): its stdin, stdout and
   * stderr are that terminal (both outputs arrive as stdout, with CR LF line ends), and what
   * {@link write} sends is typed into it.
   */
  constructor(args: readonly string[], options: { readonly terminal?: boolean } = {}) {
    this.child =
      options.terminal === true
        ? spawn(
            'script',
            ['-qfec', shellCommand([process.execPath, CLI_MAIN, ...args]), '/dev/null'],
            {
              stdio: 'pipe',
            },
          )
        : spawn(process.execPath, [CLI_MAIN, ...args], { stdio: 'pipe' });
    running.add(this);
    this.child.stdout.setEncoding('utf8').on('data', (text: string) => {
      this.#stdout += text;
      this.#notify();
    });
    this.child.stderr.setEncoding('utf8').on('data', (text: string) => {
      this.#stderr += text;
      this.#notify();
    });
    // A CLI that exits while the test still writes must not crash the test with EPIPE.
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.#done = true;
        running.delete(this);
        this.#notify();
        resolve({ code, signal });
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Send text to the CLI's stdin. */
  write(text: string): void {
    this.child.stdin.write(text);
  }

  /** Close the CLI's stdin (after writing `text`). */
  end(text = ''): void {
    this.child.stdin.end(text);
  }

  /** Resolve with the first match of `pattern` in stdout or stderr; fail after a while or if
   * the process exits first. */
  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const match = pattern.exec(stream === 'stdout' ? this.#stdout : this.#stderr);
        if (match !== null) {
          resolve(match);
          return true;
        }
        if (this.#done) {
          reject(new Error(`CLI exited before ${stream} matched ${pattern}: ${this.#describe()}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.#watchers.delete(watcher);
        reject(
          new Error(`timed out waiting for ${stream} to match ${pattern}: ${this.#describe()}`),
        );
      }, WAIT_MS);
      const watcher = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.#watchers.delete(watcher);
        }
      };
      this.#watchers.add(watcher);
    });
  }

  /** Wait for the process to exit (and fail if it does not). */
  async exit(): Promise<CliExit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`CLI did not exit: ${this.#describe()}`)), WAIT_MS);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kill the process if it still runs and wait until it is gone. */
  async kill(): Promise<void> {
    if (!this.#done) this.child.kill('SIGKILL');
    await this.exited;
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  #describe(): string {
    return `wirekit ${this.child.spawnargs.slice(2).join(' ')}\n--- stdout\n${this.#stdout}--- stderr\n${this.#stderr}`;
  }
}

/** script(1) (util-linux; Debian's essential package bsdutils) gives the CLI a terminal. */
function requireScript(): void {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
  } catch (cause) {
    throw new Error('the terminal tests need script(1): apt-get install -y bsdutils', { cause });
  }
}

/** `wirekit …` on a pseudo-terminal (see {@link CliProcess}); fails at once without script(1). */
export function startCliOnTerminal(...args: string[]): CliProcess {
  requireScript();
  return new CliProcess(args, { terminal: true });
}

/** Words quoted for `sh -c`. */
function shellCommand(words: readonly string[]): string {
  return words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
}

/** Start `wirekit …` with stdin open. */
export function startCli(...args: string[]): CliProcess {
  return new CliProcess(args);
}

/** Run `wirekit …` to its end with `input` as the whole of stdin. */
export async function runCli(
  args: readonly string[],
  input = '',
): Promise<CliExit & { stdout: string; stderr: string }> {
  const cli = new CliProcess(args);
  cli.end(input);
  const exit = await cli.exit();
  return { ...exit, stdout: cli.stdout, stderr: cli.stderr };
}

/** `wirekit serve --port 0 …`, resolved once it printed its URL. */
export async function startServe(
  ...args: string[]
): Promise<{ readonly server: CliProcess; readonly url: string }> {
  const server = new CliProcess(['serve', '--port', '0', ...args]);
  const match = await server.waitFor('stdout', /listening on (wss?:\/\/\S+)/);
  return { server, url: match[1]! };
}

/** Kill every CLI process still running (for `after` hooks). */
export async function stopAllCli(): Promise<void> {
  await Promise.all([...running].map((cli) => cli.kill()));
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
