/**
 * Read the table `strace -c` writes (one row per syscall: % time, seconds, usecs/call, calls,
 * errors, name) into call counts, and group them into reads, writes and event-loop waits.
 *
 * @example
 * ```ts
 * const counts = parseStraceSummary(readFileSync('server.strace', 'utf8'));
 * counts.get('writev'); // 123456
 * ```
 */

/** Syscall name → number of calls. */
export function parseStraceSummary(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // Rows have 5 fields, or 6 when the errors column is filled.
    if (fields.length < 5 || fields.length > 6 || !/^[\d.]+$/.test(fields[0]!)) continue;
    const name = fields[fields.length - 1]!;
    const calls = Number(fields[3]);
    if (name === 'total' || !Number.isFinite(calls)) continue;
    counts.set(name, (counts.get(name) ?? 0) + calls);
  }
  return counts;
}

/** Syscalls that take bytes from a socket. */
export const READ_CALLS: readonly string[] = ['read', 'readv', 'recvfrom', 'recvmsg', 'recvmmsg'];
/** Syscalls that hand bytes to a socket. */
export const WRITE_CALLS: readonly string[] = ['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg'];
/** Syscalls of the event loop itself. */
export const POLL_CALLS: readonly string[] = [
  'epoll_wait',
  'epoll_pwait',
  'epoll_pwait2',
  'epoll_ctl',
];

/** Sum of the counts of `names`. */
export function callsOf(counts: ReadonlyMap<string, number>, names: readonly string[]): number {
  let sum = 0;
  for (const name of names) sum += counts.get(name) ?? 0;
  return sum;
}

/** Sum of every count. */
export function allCalls(counts: ReadonlyMap<string, number>): number {
  let sum = 0;
  for (const calls of counts.values()) sum += calls;
  return sum;
}
