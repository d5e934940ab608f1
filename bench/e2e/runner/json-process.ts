/**
 * Run one measuring process to its end (a load client, a same-process pair, the C echo
 * client), optionally pinned to a core, and return the JSON object on the last line it prints.
 * A process that fails, prints no result or outlives its time is an error (and is killed).
 *
 * @example
 * ```ts
 * const result = await runJsonProcess(['./echo-load', '--port', '9001'], {
 *   label: 'echo-load', cpu: 1, timeoutMs: 30_000,
 * });
 * ```
 */
import { spawnTracked } from './child-processes.js';

/** How to run it. */
export interface JsonProcessOptions {
  /** Named in errors. */
  readonly label: string;
  /** Pin to this core with taskset; undefined: not pinned. */
  readonly cpu: number | undefined;
  /** Killed with SIGKILL after this long. */
  readonly timeoutMs: number;
  /** Extra environment. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Run `command` (executable first); resolves with its parsed last line. */
export function runJsonProcess(
  command: readonly string[],
  options: JsonProcessOptions,
): Promise<unknown> {
  const full = options.cpu === undefined ? [...command] : ['taskset', '-c', String(options.cpu)];
  if (options.cpu !== undefined) full.push(...command);
  const child = spawnTracked(full[0]!, full.slice(1), { ...process.env, ...options.env });
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
    }, options.timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${options.label} did not start: ${error.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const last = stdout.trim().split('\n').pop() ?? '';
      if (code !== 0) {
        reject(new Error(`${options.label} failed (${code ?? signal}): ${stderr.trim()}`));
        return;
      }
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${options.label} printed no result: ${stdout} ${stderr}`));
      }
    });
  });
}
