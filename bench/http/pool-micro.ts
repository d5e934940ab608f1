/**
 * ClientPool acquire/release cost with connected, idle slots (no I/O happens): the synchronous
 * fast path `tryAcquire()` + `release()`, and the promise path `await acquire()` + `release()`.
 */
import type { ClientPool } from '../../src/node/http/client-pool.js';
import { compare, type Result, sink } from '../harness.js';

const BATCH = 10_000;

/** ns per tryAcquire + release pair (median of runs, CPU clock). */
export function benchTryAcquire(pool: ClientPool, quick: boolean): Result[] {
  return compare(
    [
      {
        name: 'tryAcquire() + release()',
        run: () => {
          for (let i = 0; i < BATCH; i++) {
            const slot = pool.tryAcquire()!;
            sink.value += slot.index;
            slot.release();
          }
          return BATCH;
        },
      },
    ],
    quick ? { runs: 3, warmup: 1, runNs: 20e6 } : { runs: 9, warmup: 2, runNs: 100e6 },
  );
}

/** ns per `await acquire()` + release pair (wall clock over a long loop, median of runs). */
export async function benchAcquire(pool: ClientPool, quick: boolean): Promise<number> {
  const runs = quick ? 3 : 9;
  const n = quick ? 20_000 : 200_000;
  const samples: number[] = [];
  for (let r = 0; r < runs + 1; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const slot = await pool.acquire();
      sink.value += slot.index;
      slot.release();
    }
    const ns = Number(process.hrtime.bigint() - t0) / n;
    if (r > 0) samples.push(ns); // the first run warms up
  }
  samples.sort((a, b) => a - b);
  return samples[samples.length >> 1]!;
}
