/**
 * Run the Node load client (`load-client.js`) once as a child process, optionally pinned to a
 * core, and return the JSON result it prints. A client that fails, prints no result or runs
 * past its deadline is an error (and is killed).
 *
 * @example
 * ```ts
 * const result = await runClient(['--mode', 'echo', '--port', '9001'], { cpu: 1, timeoutMs: 30_000 });
 * ```
 */
import { runJsonProcess } from './json-process.js';

/** How to run it. */
export interface ClientRunOptions {
  readonly cpu: number | undefined;
  readonly timeoutMs: number;
}

const script = new URL('../load-client.js', import.meta.url).pathname;

/** Run the client with `args`; resolves with its parsed result. */
export function runClient(args: readonly string[], options: ClientRunOptions): Promise<unknown> {
  // The client stops itself at its deadline; the kill 5 s later is for a client that hangs.
  const command = [process.execPath, script, ...args, '--deadline-ms', String(options.timeoutMs)];
  return runJsonProcess(command, {
    label: `load client ${args.join(' ')}`,
    cpu: options.cpu,
    timeoutMs: options.timeoutMs + 5_000,
  });
}
