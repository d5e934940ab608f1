/**
 * Closed-loop load: `concurrency` workers each send a request, await the parsed response and
 * send the next, for a fixed wall time. Records every request's latency and the client
 * process's CPU time, so a run yields requests/s, p50/p99 latency and client CPU per request.
 */
import type { OpenClient } from './clients.js';

/** One measured run. */
export interface LoadResult {
  readonly requests: number;
  readonly perSecond: number;
  /** Latency percentiles, microseconds. */
  readonly p50: number;
  readonly p99: number;
  /** Client process CPU (user + system) per request, microseconds. */
  readonly cpuUs: number;
}

/** Runs `op` on `client` from `concurrency` workers for `ms` milliseconds. */
export async function runLoad(
  client: OpenClient,
  op: 'get' | 'post',
  concurrency: number,
  ms: number,
): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const call = op === 'get' ? () => client.get() : () => client.post();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + ms;
  const worker = async (): Promise<void> => {
    for (;;) {
      const start = performance.now();
      if (start >= deadline) return;
      await call();
      const end = performance.now();
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = end - start;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const sorted = latencies.subarray(0, count).sort();
  const at = (q: number): number => sorted[Math.min(count - 1, Math.floor(q * count))]! * 1000;
  return {
    requests: count,
    perSecond: (count / elapsed) * 1000,
    p50: at(0.5),
    p99: at(0.99),
    cpuUs: (cpu.user + cpu.system) / count,
  };
}

/** The median of some numbers. */
export function median(values: readonly number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
