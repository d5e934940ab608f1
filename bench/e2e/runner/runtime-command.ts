/**
 * The command that runs a compiled script of the suite under Node (this executable, with any
 * flags) or under Bun (see `bun-binary.ts`).
 *
 * @example
 * ```ts
 * runtimeCommand('bun', '/…/dist/bench/e2e/servers/bun-echo-server.js'); // ['/…/bun.exe', '/…/bun-echo-server.js']
 * ```
 */
import { bunBinary, bunMissing } from './bun-binary.js';

/** Which executable runs a script. */
export type Runtime = 'node' | 'bun';

/** `[executable, ...flags, script]`; throws when Bun is wanted and none runs here. */
export function runtimeCommand(
  runtime: Runtime,
  script: string,
  nodeArgs: readonly string[] = [],
): string[] {
  if (runtime === 'node') return [process.execPath, ...nodeArgs, script];
  const bun = bunBinary();
  if (bun === undefined) throw bunMissing();
  if (nodeArgs.length > 0) throw new Error(`${script} runs under bun: node flags do not apply`);
  return [bun.path, script];
}
