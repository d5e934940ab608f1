/**
 * CPU time of the server process (by pid, from `/proc/<pid>/stat`, so it works when the server
 * runs under `strace` or `taskset`) and of this client process, between two points in time.
 *
 * @example
 * ```ts
 * const sampler = new CpuSampler(serverPid);
 * const start = sampler.sample();
 * // … load …
 * const { serverMs, clientMs } = sampler.since(start);
 * ```
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** One reading. */
export interface CpuSample {
  readonly serverTicks: number;
  readonly clientUs: number;
}

/** CPU used since a sample, in ms. */
export interface CpuUsed {
  readonly serverMs: number;
  readonly clientMs: number;
}

/** Reads server (and own) CPU time. */
export class CpuSampler {
  readonly #statPath: string;
  readonly #msPerTick: number;

  constructor(serverPid: number) {
    this.#statPath = `/proc/${serverPid}/stat`;
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    this.#msPerTick = 1000 / ticksPerSecond;
    this.sample();
  }

  /** Now. */
  sample(): CpuSample {
    // proc(5): fields 14 (utime) and 15 (stime) in clock ticks, counted after the `(comm)`.
    const stat = readFileSync(this.#statPath, 'latin1');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const serverTicks = Number(fields[11]) + Number(fields[12]);
    const own = process.cpuUsage();
    return { serverTicks, clientUs: own.user + own.system };
  }

  /** CPU used since `start`. */
  since(start: CpuSample): CpuUsed {
    const now = this.sample();
    return {
      serverMs: (now.serverTicks - start.serverTicks) * this.#msPerTick,
      clientMs: (now.clientUs - start.clientUs) / 1000,
    };
  }
}
