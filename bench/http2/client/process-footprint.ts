/**
 * The memory and descriptors of a process, read from `/proc`: resident set size (`VmRSS` in
 * `/proc/<pid>/status`) and the number of open file descriptors (entries of `/proc/<pid>/fd`).
 * 100 WebSockets over one HTTP/2 session hold one socket; over HTTP/1.1 they hold 100.
 *
 * @example
 * ```ts
 * const { rssMiB, fds } = processFootprint(serverPid);
 * ```
 */
import { readdirSync, readFileSync } from 'node:fs';

/** One reading. */
export interface Footprint {
  readonly rssMiB: number;
  readonly fds: number;
}

/** Read `pid`'s footprint now. */
export function processFootprint(pid: number): Footprint {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}
