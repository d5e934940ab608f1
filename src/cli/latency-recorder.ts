/** Latency samples and their percentiles (nearest-rank method), in milliseconds. */

/** A latency distribution, ms. All zero when there were no samples. */
export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/**
 * Collects samples in a growable `Float64Array` (no boxing per sample) and summarises them.
 *
 * @example
 * ```ts
 * const latency = new LatencyRecorder();
 * for (const ms of [3, 1, 2]) latency.record(ms);
 * latency.summary(); // { min: 1, mean: 2, p50: 2, p90: 3, p99: 3, max: 3 }
 * ```
 */
export class LatencyRecorder {
  #samples: Float64Array;
  #count = 0;

  constructor(expected = 1024) {
    this.#samples = new Float64Array(Math.max(16, expected));
  }

  /** Samples recorded so far. */
  get count(): number {
    return this.#count;
  }

  record(ms: number): void {
    if (this.#count === this.#samples.length) {
      const grown = new Float64Array(this.#samples.length * 2);
      grown.set(this.#samples);
      this.#samples = grown;
    }
    this.#samples[this.#count++] = ms;
  }

  /** The distribution of the samples so far. */
  summary(): LatencySummary {
    const count = this.#count;
    if (count === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    const sorted = this.#samples.slice(0, count).sort();
    let sum = 0;
    for (let i = 0; i < count; i++) sum += sorted[i]!;
    // Nearest rank: the smallest sample with at least p% of all samples at or below it.
    const rank = (p: number): number => sorted[Math.max(0, Math.ceil((p / 100) * count) - 1)]!;
    return {
      min: sorted[0]!,
      mean: sum / count,
      p50: rank(50),
      p90: rank(90),
      p99: rank(99),
      max: sorted[count - 1]!,
    };
  }
}
