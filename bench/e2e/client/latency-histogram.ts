/**
 * Round-trip latencies in whole microseconds, counted in a fixed array (1 µs buckets up to
 * 1 s, one overflow bucket), so recording a sample is an increment and percentiles are exact
 * to the microsecond without keeping every sample.
 *
 * @example
 * ```ts
 * const histogram = new LatencyHistogram();
 * histogram.record(0.120); // ms, from performance.now() differences
 * histogram.percentile(0.5); // 120 (µs)
 * ```
 */

const BUCKETS = 1_000_000;

/** A latency distribution. */
export class LatencyHistogram {
  readonly #counts = new Uint32Array(BUCKETS + 1);
  #total = 0;

  /** Samples recorded. */
  get count(): number {
    return this.#total;
  }

  /** Record one latency given in milliseconds. */
  record(milliseconds: number): void {
    const us = Math.round(milliseconds * 1000);
    this.#counts[Math.min(us, BUCKETS)]!++;
    this.#total++;
  }

  /** The latency (µs) at quantile `q` (0.5 = median, 0.99 = p99); NaN when empty. */
  percentile(q: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    let seen = 0;
    const counts = this.#counts;
    for (let us = 0; us <= BUCKETS; us++) {
      seen += counts[us]!;
      if (seen >= rank) return us;
    }
    return BUCKETS;
  }
}
