/**
 * Start a set of servers, run something against them, and stop them all whatever happens.
 *
 * @example
 * ```ts
 * await withServers(SERVERS, { cpu: 0 }, async (servers) => { … });
 * ```
 */
import { ServerProcess, type ServerSpec, type StartOptions } from './server-process.js';

/** Run `body` with every server of `specs` started (in the same order). */
export async function withServers<T>(
  specs: readonly ServerSpec[],
  options: StartOptions,
  body: (servers: readonly ServerProcess[]) => Promise<T>,
): Promise<T> {
  const servers: ServerProcess[] = [];
  try {
    for (const spec of specs) servers.push(await ServerProcess.start(spec, options));
    return await body(servers);
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}
