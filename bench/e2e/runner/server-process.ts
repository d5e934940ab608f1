/**
 * One benchmark server as a child process: optionally pinned to a core with `taskset` and/or
 * run under `strace -c -f`; started from its compiled script by Node or by Bun (see
 * `bun-binary.ts`), ready when it prints its ready
 * line, stopped with SIGTERM to its own pid (it then prints its exit line; `strace` writes its
 * summary when the server exits).
 *
 * @example
 * ```ts
 * const server = await ServerProcess.start(spec, { cpu: 0 });
 * // … load on server.port …
 * const exit = await server.stop();
 * ```
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { ExitEvent, ReadyEvent } from '../servers/server-report.js';
import { spawnTracked, trackPid, untrackPid } from './child-processes.js';
import { type Runtime, runtimeCommand } from './runtime-command.js';

/** Which server to run. */
export interface ServerSpec {
  /** Short name used in tables ("wirekit", "ws (bufferutil)", …). */
  readonly label: string;
  /** Compiled server script. */
  readonly script: string;
  /** Extra environment (e.g. `WS_NO_BUFFER_UTIL=1`). */
  readonly env?: Readonly<Record<string, string>>;
  /** false for the raw TCP echo: no WebSocket handshake, echo only. */
  readonly websocket: boolean;
  /** Which executable runs the script. Default: this Node. */
  readonly runtime?: Runtime;
  /** A server that may be missing on this machine: the run goes on without its rows. */
  readonly optional?: boolean;
}

/** How to start it. */
export interface StartOptions {
  /** Pin to this core with taskset; undefined: not pinned. */
  readonly cpu: number | undefined;
  /** Run under `strace -c -f -o <file>`. */
  readonly straceOutput?: string;
  /** Extra node flags (e.g. `--cpu-prof`). */
  readonly nodeArgs?: readonly string[];
  /** Extra environment on top of the spec's (e.g. the TLS files). */
  readonly env?: Readonly<Record<string, string>>;
}

const START_TIMEOUT = 15_000;
const STOP_TIMEOUT = 15_000;

/** A running server. */
export class ServerProcess {
  readonly spec: ServerSpec;
  readonly ready: ReadyEvent;
  readonly #child: ChildProcess;
  readonly #lines: string[];
  readonly #stderr: string[];

  private constructor(
    spec: ServerSpec,
    ready: ReadyEvent,
    child: ChildProcess,
    lines: string[],
    stderr: string[],
  ) {
    this.spec = spec;
    this.ready = ready;
    this.#child = child;
    this.#lines = lines;
    this.#stderr = stderr;
  }

  get port(): number {
    return this.ready.port;
  }

  /** The server's own pid (the node or bun process, also under strace). */
  get pid(): number {
    return this.ready.pid;
  }

  static async start(spec: ServerSpec, options: StartOptions): Promise<ServerProcess> {
    const command: string[] = [];
    if (options.cpu !== undefined) command.push('taskset', '-c', String(options.cpu));
    if (options.straceOutput !== undefined) {
      command.push('strace', '-f', '-c', '-o', options.straceOutput);
    }
    command.push(...runtimeCommand(spec.runtime ?? 'node', spec.script, options.nodeArgs));
    command.push('--port', '0');
    const env = { ...process.env, ...spec.env, ...options.env };
    const child = spawnTracked(command[0]!, command.slice(1), env);
    const lines: string[] = [];
    const stderr: string[] = [];
    child.stderr!.setEncoding('utf8').on('data', (text: string) => stderr.push(text));
    const reader = createInterface({ input: child.stdout! });
    const ready = await new Promise<ReadyEvent>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${spec.label} did not start: ${stderr.join('')}`)),
        START_TIMEOUT,
      );
      reader.on('line', (line) => {
        lines.push(line);
        const event = parseEvent(line);
        if (event?.event === 'ready') {
          clearTimeout(timer);
          resolve(event as ReadyEvent);
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${spec.label} exited (${code}) before it was ready: ${stderr.join('')}`));
      });
    });
    trackPid(ready.pid);
    return new ServerProcess(spec, ready, child, lines, stderr);
  }

  /** Whether it is still running. */
  get running(): boolean {
    return this.#child.exitCode === null && this.#child.signalCode === null;
  }

  /** What the server wrote on stderr. */
  get stderr(): string {
    return this.#stderr.join('');
  }

  /** SIGTERM the server, wait for it (and its wrapper) to exit; its exit line if it printed one. */
  async stop(): Promise<ExitEvent | undefined> {
    const child = this.#child;
    if (this.running) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        for (const pid of [this.pid, child.pid]) {
          try {
            if (pid !== undefined) process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }
      }, STOP_TIMEOUT);
      await exited;
      clearTimeout(timer);
    }
    untrackPid(this.pid);
    for (const line of this.#lines) {
      const event = parseEvent(line);
      if (event?.event === 'exit') return event as ExitEvent;
    }
    return undefined;
  }
}

function parseEvent(line: string): { event?: string } | undefined {
  try {
    return JSON.parse(line) as { event?: string };
  } catch {
    return undefined;
  }
}
