/**
 * Run the load client (`load-client.js`) once as a child process, optionally pinned to a
 * core, and return the JSON result it prints. A client that fails, prints no result or runs
 * past its deadline is an error (and is killed).
 *
 * @example
 * ```ts
 * const result = await runClient(['--mode', 'echo', '--port', '9001'], { cpu: 1, timeoutMs: 30_000 });
 * ```
 */
import { spawnTracked } from './child-processes.js';

/** How to run it. */
export interface ClientRunOptions {
  readonly cpu: number | undefined;
  readonly timeoutMs: number;
}

const script = new URL('../load-client.js', import.meta.url).pathname;

/** Run the client with `args`; resolves with its parsed result. */
export function runClient(args: readonly string[], options: ClientRunOptions): Promise<unknown> {
  const command: string[] = [];
  if (options.cpu !== undefined) command.push('taskset', '-c', String(options.cpu));
  command.push(process.execPath, script, ...args, '--deadline-ms', String(options.timeoutMs));
  const child = spawnTracked(command[0]!, command.slice(1));
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr += text;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }, options.timeoutMs + 5_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`load client ${args.join(' ')} failed (${code ?? signal}): ${stderr}`));
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`load client printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}
