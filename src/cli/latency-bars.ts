/**
 * The latency histogram of `wirekit bench`'s report: one bar per log-scaled range (see
 * {@link logBuckets}), so the shape (one hump, a long tail, two modes) shows at a glance where
 * percentiles alone hide it.
 */
import type { LogBucket } from './log-buckets.js';

/** Width of the longest bar, in character cells. */
const BAR_WIDTH = 40;
/** Eighths of a character cell, for the end of a bar. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'] as const;

/**
 * The histogram as lines of text (no newlines), or none without samples.
 *
 * @example
 * ```ts
 * for (const line of latencyBars(logBuckets(histogram))) console.log(line);
 * //   0.02 – 0.05 ms  ███████████▍                      1,210  12.1%
 * ```
 */
export function latencyBars(buckets: readonly LogBucket[]): string[] {
  if (buckets.length === 0) return [];
  const total = buckets.reduce((sum, bucket) => sum + bucket.count, 0);
  const most = Math.max(...buckets.map((bucket) => bucket.count));
  const fromWidth = Math.max(...buckets.map((bucket) => String(bucket.fromMs).length));
  const toWidth = Math.max(...buckets.map((bucket) => String(bucket.toMs).length));
  const tally = (count: number): string => count.toLocaleString('en-US');
  const countWidth = Math.max(...buckets.map((bucket) => tally(bucket.count).length));
  return buckets.map((bucket) => {
    const from = String(bucket.fromMs).padStart(fromWidth);
    const to = String(bucket.toMs).padEnd(toWidth);
    const share = ((100 * bucket.count) / total).toFixed(1).padStart(5);
    const count = tally(bucket.count).padStart(countWidth);
    return `  ${from} – ${to} ms  ${bar(bucket.count / most)}  ${count} ${share}%`;
  });
}

/** A bar of `fraction` × {@link BAR_WIDTH} cells, padded to the full width. */
function bar(fraction: number): string {
  const eighths = Math.round(fraction * BAR_WIDTH * 8);
  const text = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8]!;
  // A range with samples always shows something, however few.
  return (text === '' && fraction > 0 ? '▏' : text).padEnd(BAR_WIDTH);
}
