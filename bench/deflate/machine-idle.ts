/**
 * Wait for the machine to be idle before a measurement. This machine is shared: other jobs
 * come and go, and a process that has to share its core gets a fraction of it, so its
 * throughput measures its share of the CPU rather than its own speed (worse still, ws hands
 * compression to libuv's thread pool, whose extra runnable threads win it a larger share of a
 * contended core than a single-threaded server gets). Waiting is bounded per call and in total.
 *
 * @example
 * ```ts
 * const budget = new IdleBudget(10 * 60_000);
 * const idle = await budget.waitForIdle(0.9, 20_000); // fraction idle when it went ahead
 * ```
 */
import { readFileSync } from 'node:fs';

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest is counted in user already)
  const total = fields.slice(0, 8).reduce((sum, value) => sum + value, 0);
  return { idle: fields[3]! + fields[4]!, total };
}

/** Share of all CPUs' time that was idle during the next `ms` milliseconds. */
export async function idleShare(ms: number): Promise<number> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = cpuTimes();
  const total = after.total - before.total;
  return total === 0 ? 1 : (after.idle - before.idle) / total;
}

/** A total time that may be spent waiting for idle moments over a whole run. */
export class IdleBudget {
  #leftMs: number;

  constructor(totalMs: number) {
    this.#leftMs = totalMs;
  }

  /** Milliseconds of waiting left. */
  get leftMs(): number {
    return this.#leftMs;
  }

  /**
   * Resolve once a one-second sample shows at least `threshold` of the CPUs idle, or after
   * `maxMs` (or what is left of the budget); resolves with the last sample.
   */
  async waitForIdle(threshold: number, maxMs: number): Promise<number> {
    const started = Date.now();
    for (;;) {
      const share = await idleShare(1000);
      const waited = Date.now() - started;
      if (share >= threshold || waited >= Math.min(maxMs, this.#leftMs)) {
        this.#leftMs = Math.max(0, this.#leftMs - waited);
        return share;
      }
    }
  }
}
