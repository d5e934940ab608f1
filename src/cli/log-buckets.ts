/**
 * Latency samples grouped into a few log-scaled ranges, for the bars of `wirekit bench`'s
 * report and the `histogram` of its `--json` output. Range edges follow the 1-2-5 series
 * (0.01, 0.02, 0.05, 0.1 ms, …) so they read as round numbers; runs that spread over many
 * decades use whole decades instead.
 */
import type { LatencyHistogram } from './latency-histogram.js';

/** One range: samples with `fromMs` ≤ latency < `toMs`. */
export interface LogBucket {
  readonly fromMs: number;
  readonly toMs: number;
  readonly count: number;
}

/** Ranges beyond which the 1-2-5 series gives way to decades. */
const MAX_BUCKETS = 12;

/**
 * The ranges from the one holding the smallest sample to the one holding the largest (empty
 * ranges between them included, so gaps show); none without samples.
 *
 * @example
 * ```ts
 * logBuckets(histogram); // [{ fromMs: 0.02, toMs: 0.05, count: 1210 }, …]
 * ```
 */
export function logBuckets(histogram: LatencyHistogram): LogBucket[] {
  const ranges = histogram.ranges();
  const first = ranges[0];
  const last = ranges[ranges.length - 1];
  if (first === undefined || last === undefined) return [];
  let edges = edgesBetween(first.fromMs, last.fromMs, [1, 2, 5]);
  if (edges.length - 1 > MAX_BUCKETS) edges = edgesBetween(first.fromMs, last.fromMs, [1]);
  const counts = new Array<number>(edges.length - 1).fill(0);
  let row = 0;
  for (const range of ranges) {
    while (row < counts.length - 1 && range.fromMs >= edges[row + 1]!) row++;
    counts[row]! += range.count;
  }
  return counts.map((count, i) => ({ fromMs: edges[i]!, toMs: edges[i + 1]!, count }));
}

/** Edges from the largest series value at or below `low` to the first one above `high`. */
function edgesBetween(low: number, high: number, series: readonly number[]): number[] {
  // A zero sample (a clock that did not move) starts the scale at 1 ns.
  let decade = 10 ** Math.floor(Math.log10(Math.max(low, 1e-6)));
  const edges: number[] = [];
  for (;;) {
    for (const step of series) {
      const edge = round(step * decade);
      if (edge <= low) edges.length = 0;
      edges.push(edge);
      if (edge > high) return edges;
    }
    decade *= 10;
  }
}

/** An edge without float noise: 0.3 rather than 0.30000000000000004. */
function round(value: number): number {
  return Number(value.toPrecision(6));
}
