/**
 * The timed part of a load run: a warm-up, then a window of fixed length during which the
 * benchmark counts what completes, with per-second counts and CPU time of server and client.
 *
 * @example
 * ```ts
 * const window = new MeasurementWindow(sampler);
 * await window.run(1000, 5000, () => completed);
 * window.seconds; window.perSecond; window.cpu;
 * ```
 */

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CpuSampler, CpuUsed } from './cpu-sampler.js';

/** Warm-up then a measured window. */
export class MeasurementWindow {
  /** True while the window is open: count only then. */
  open = false;
  /** Length of the window actually measured. */
  seconds = 0;
  /** Completions in each whole second of the window. */
  readonly perSecond: number[] = [];
  cpu: CpuUsed = { serverMs: 0, clientMs: 0 };
  readonly #sampler: CpuSampler;

  constructor(sampler: CpuSampler) {
    this.#sampler = sampler;
  }

  /** Wait out the warm-up, open the window for `durationMs`, close it. `count()` reads the
   * benchmark's running total of completions. */
  async run(warmupMs: number, durationMs: number, count: () => number): Promise<void> {
    await sleep(warmupMs);
    const cpuStart = this.#sampler.sample();
    const start = performance.now();
    let last = count();
    this.open = true;
    const ticker = setInterval(() => {
      const now = count();
      this.perSecond.push(now - last);
      last = now;
    }, 1000);
    await sleep(durationMs);
    this.open = false;
    clearInterval(ticker);
    this.seconds = (performance.now() - start) / 1000;
    this.cpu = this.#sampler.since(cpuStart);
  }
}
