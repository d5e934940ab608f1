/**
 * Latency samples of `wirekit bench` in an HdrHistogram-style layout: fixed memory however long
 * the run (a few hundred KiB rather than 8 bytes a sample), percentiles at any moment (the live
 * progress line reads them every second) and the percentile distribution HdrHistogram prints.
 *
 * Values are counted in nanoseconds with three significant decimal digits: values below
 * 2048 ns are exact, larger ones fall in ranges no wider than 1/1024 of their value. The layout
 * and the rounding are HdrHistogram's (sub-bucket count 2048, unit 1 ns), so its tools read the
 * figures the same way. Minimum, maximum, mean and standard deviation are kept exactly.
 */

/** A latency distribution, ms. All zero when there were no samples. */
export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** One line of a percentile distribution (see {@link LatencyHistogram.percentiles}). */
export interface PercentileRow {
  /** The largest value counted at this percentile, ms. */
  readonly valueMs: number;
  /** 0 to 1. */
  readonly percentile: number;
  /** Samples at or below `valueMs`. */
  readonly totalCount: number;
}

/** Samples that fall in one range of equal values, as {@link LatencyHistogram.ranges} lists. */
export interface CountedRange {
  /** The smallest value of the range, ms. */
  readonly fromMs: number;
  readonly count: number;
}

/** log2 of the sub-buckets in each half bucket: 1024, for three significant digits. */
const HALF_MAGNITUDE = 10;
const HALF_COUNT = 2 ** HALF_MAGNITUDE;
/** Sub-buckets per bucket; values below this are counted exactly. */
export const SUB_BUCKET_COUNT: number = 2 * HALF_COUNT;
/** Enough buckets for 2^47 ns (about 39 hours): longer than any run `bench` allows. */
export const BUCKET_COUNT = 37;
const HIGHEST_NS = 2 ** (BUCKET_COUNT + HALF_MAGNITUDE) - 1;
const NS_PER_MS = 1e6;

/**
 * Collects latency samples (ms) and answers percentile questions about them.
 *
 * @example
 * ```ts
 * const latency = new LatencyHistogram();
 * for (const ms of [0.25, 1, 3]) latency.record(ms);
 * latency.summary().p50; // 1 (within 0.1 %)
 * ```
 */
export class LatencyHistogram {
  readonly #counts = new Float64Array((BUCKET_COUNT + 1) * HALF_COUNT);
  #count = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;
  #sum = 0;
  #sumOfSquares = 0;

  /** Samples recorded so far. */
  get count(): number {
    return this.#count;
  }

  /** Count one sample; values past the largest trackable one count as that one. */
  record(ms: number): void {
    const value = Math.max(0, ms);
    const ns = Math.min(HIGHEST_NS, Math.round(value * NS_PER_MS));
    this.#counts[indexOf(ns)]! += 1;
    this.#count += 1;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
    this.#sum += value;
    this.#sumOfSquares += value * value;
  }

  /**
   * The value at `percentile` (0-100), ms: the highest value equivalent to the sample of that
   * rank, as HdrHistogram answers, kept within the exact minimum and maximum. 0 when empty.
   */
  valueAt(percentile: number): number {
    if (this.#count === 0) return 0;
    const wanted = Math.max(1, Math.floor((Math.min(100, percentile) / 100) * this.#count + 0.5));
    let seen = 0;
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!;
      if (seen >= wanted) {
        const ns = percentile <= 0 ? lowestAt(i) : highestAt(i);
        return Math.min(this.#max, Math.max(this.#min, ns / NS_PER_MS));
      }
    }
    return this.#max;
  }

  /** The distribution so far. */
  summary(): LatencySummary {
    if (this.#count === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
    return {
      min: this.#min,
      mean: this.#sum / this.#count,
      p50: this.valueAt(50),
      p90: this.valueAt(90),
      p99: this.valueAt(99),
      p999: this.valueAt(99.9),
      max: this.#max,
    };
  }

  /** Standard deviation of the samples, ms (population). */
  stdDeviation(): number {
    if (this.#count === 0) return 0;
    const mean = this.#sum / this.#count;
    return Math.sqrt(Math.max(0, this.#sumOfSquares / this.#count - mean * mean));
  }

  /** Every range that holds samples, smallest first. */
  ranges(): CountedRange[] {
    const out: CountedRange[] = [];
    const counts = this.#counts;
    for (let i = 0; i < counts.length; i++) {
      const count = counts[i]!;
      if (count > 0) out.push({ fromMs: lowestAt(i) / NS_PER_MS, count });
    }
    return out;
  }

  /**
   * The percentile distribution HdrHistogram's `outputPercentileDistribution` prints: rows at
   * percentiles that step `ticksPerHalfDistance` times through each halving of the distance to
   * 100 % (0 %, 10 %, … 50 %, 55 %, … 75 %, 77.5 %, …), then a last row at 100 %.
   */
  percentiles(ticksPerHalfDistance = 5): PercentileRow[] {
    const rows: PercentileRow[] = [];
    const total = this.#count;
    if (total === 0) return rows;
    const counts = this.#counts;
    let level = 0;
    let seen = 0;
    for (let i = 0; i < counts.length && seen < total; i++) {
      if (counts[i] === 0) continue;
      seen += counts[i]!;
      const valueMs = highestAt(i) / NS_PER_MS;
      // Several levels can be reached at one value; past the last sample only 100 % remains.
      while ((100 * seen) / total >= level) {
        rows.push({ valueMs, percentile: level / 100, totalCount: seen });
        if (seen === total) {
          rows.push({ valueMs, percentile: 1, totalCount: seen });
          break;
        }
        const halvings = Math.floor(Math.log2(100 / (100 - level)));
        level += 100 / (ticksPerHalfDistance * 2 ** (halvings + 1));
      }
    }
    return rows;
  }
}

/** The counts index of a value in ns. */
function indexOf(ns: number): number {
  const bucket = Math.max(0, bitLength(ns) - (HALF_MAGNITUDE + 1));
  const subBucket = Math.floor(ns / 2 ** bucket);
  return (bucket + 1) * HALF_COUNT + subBucket - HALF_COUNT;
}

/** The bucket of a counts index and the smallest value counted there, ns. */
function lowestAt(index: number): number {
  let bucket = Math.floor(index / HALF_COUNT) - 1;
  let subBucket = (index % HALF_COUNT) + HALF_COUNT;
  if (bucket < 0) {
    subBucket -= HALF_COUNT;
    bucket = 0;
  }
  return subBucket * 2 ** bucket;
}

/** The largest value counted at a counts index, ns. */
function highestAt(index: number): number {
  const bucket = Math.max(0, Math.floor(index / HALF_COUNT) - 1);
  return lowestAt(index) + 2 ** bucket - 1;
}

/** Bits needed for a whole number below 2^53 (32-bit `Math.clz32` on both halves). */
function bitLength(value: number): number {
  const high = Math.floor(value / 2 ** 32);
  return high > 0 ? 64 - Math.clz32(high) : 32 - Math.clz32(value);
}
