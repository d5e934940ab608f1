/**
 * `wirekit bench --hdr`: the latency percentile distribution in the text format of
 * HdrHistogram's `outputPercentileDistribution` (also what wrk2 prints), values in ms. Tools
 * made for that format read it as is, e.g. HdrHistogram's online plotter, which draws latency
 * by percentile on the 1/(1-percentile) scale so the tail is as visible as the median.
 */
import { BUCKET_COUNT, type LatencyHistogram, SUB_BUCKET_COUNT } from './latency-histogram.js';

/**
 * The distribution table: a header, one row per reported percentile (value, percentile,
 * total count, 1/(1-percentile)), and the `#[…]` summary lines.
 *
 * @example
 * ```ts
 * process.stdout.write(hdrPercentiles(histogram));
 * //        Value     Percentile TotalCount 1/(1-Percentile)
 * //
 * //        0.041 0.000000000000          1           1.00
 * ```
 */
export function hdrPercentiles(histogram: LatencyHistogram): string {
  const lines = [
    `${'Value'.padStart(12)} ${'Percentile'.padStart(14)} ${'TotalCount'.padStart(10)} ${'1/(1-Percentile)'.padStart(14)}`,
    '',
  ];
  for (const row of histogram.percentiles()) {
    const value = row.valueMs.toFixed(3).padStart(12);
    const percentile = row.percentile.toFixed(12);
    const count = String(row.totalCount).padStart(10);
    // The 100 % row has no finite 1/(1-percentile): HdrHistogram leaves the column out.
    const inverse =
      row.percentile < 1 ? ` ${(1 / (1 - row.percentile)).toFixed(2).padStart(14)}` : '';
    lines.push(`${value} ${percentile} ${count}${inverse}`);
  }
  const summary = histogram.summary();
  const fixed = (value: number): string => value.toFixed(3).padStart(12);
  const whole = (value: number): string => String(value).padStart(12);
  lines.push(
    `#[Mean    = ${fixed(summary.mean)}, StdDeviation   = ${fixed(histogram.stdDeviation())}]`,
    `#[Max     = ${fixed(summary.max)}, Total count    = ${whole(histogram.count)}]`,
    `#[Buckets = ${whole(BUCKET_COUNT)}, SubBuckets     = ${whole(SUB_BUCKET_COUNT)}]`,
  );
  return `${lines.join('\n')}\n`;
}
