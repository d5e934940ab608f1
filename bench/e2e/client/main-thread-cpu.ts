/**
 * CPU time of a process's main thread in nanoseconds, from `/proc/<pid>/schedstat` (first
 * field: time spent on the CPU). Finer than the 10 ms ticks of `/proc/<pid>/stat`, so it can
 * time phases that last a few milliseconds; it leaves out helper threads (GC, libuv pool),
 * where a JavaScript server does little of its per-message work.
 *
 * @example
 * ```ts
 * const clock = new MainThreadCpu(serverPid);
 * const start = clock.ns();
 * // … phase …
 * const ms = (clock.ns() - start) / 1e6;
 * ```
 */
import { readFileSync } from 'node:fs';

/** Reads one process's main-thread CPU clock; pid 0 reads nothing (NaN). */
export class MainThreadCpu {
  readonly #path: string | undefined;

  constructor(pid: number) {
    this.#path = pid > 0 ? `/proc/${pid}/schedstat` : undefined;
  }

  /** Nanoseconds on the CPU so far (NaN without a pid). */
  ns(): number {
    if (this.#path === undefined) return Number.NaN;
    return Number(readFileSync(this.#path, 'latin1').split(' ')[0]);
  }
}
