/**
 * The figures of `wirekit bench` without processes: the HdrHistogram-style latency histogram
 * (percentiles, the percentile distribution and its text format), the log-scaled ranges and
 * their bars.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hdrPercentiles } from '../../src/cli/hdr-percentiles.js';
import { latencyBars } from '../../src/cli/latency-bars.js';
import { LatencyHistogram } from '../../src/cli/latency-histogram.js';
import { logBuckets } from '../../src/cli/log-buckets.js';

/** A histogram of 1, 2, … `n` ms. */
function oneTo(n: number): LatencyHistogram {
  const histogram = new LatencyHistogram();
  for (let i = n; i >= 1; i--) histogram.record(i);
  return histogram;
}

/** `actual` within HdrHistogram's three significant digits (1/1024) of `expected`. */
function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= expected / 1024, `${actual} ≉ ${expected}`);
}

describe('LatencyHistogram', () => {
  test('empty: all zero', () => {
    const histogram = new LatencyHistogram();
    assert.equal(histogram.count, 0);
    assert.deepEqual(histogram.summary(), {
      min: 0,
      mean: 0,
      p50: 0,
      p90: 0,
      p99: 0,
      p999: 0,
      max: 0,
    });
    assert.deepEqual(histogram.percentiles(), []);
    assert.deepEqual(logBuckets(histogram), []);
  });

  test('percentiles by rank within 0.1 %; min, max and mean exact', () => {
    const summary = oneTo(1000).summary();
    assert.equal(summary.min, 1);
    assert.equal(summary.max, 1000);
    assert.equal(summary.mean, 500.5);
    near(summary.p50, 500);
    near(summary.p90, 900);
    near(summary.p99, 990);
    near(summary.p999, 999);
  });

  test('microsecond latencies keep their precision; the order min ≤ p50 ≤ … ≤ max holds', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.0314, 0.0271, 0.0455, 0.5, 12.25]) histogram.record(ms);
    const s = histogram.summary();
    assert.equal(s.min, 0.0271);
    assert.equal(s.max, 12.25);
    near(s.p50, 0.0455);
    assert.ok(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999);
    assert.ok(s.p999 <= s.max);
  });

  test('the percentile distribution steps as HdrHistogram does and ends at 100 %', () => {
    const rows = oneTo(1000).percentiles();
    const levels = rows.slice(0, 9).map((row) => Number(row.percentile.toFixed(4)));
    assert.deepEqual(levels, [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65]);
    near(rows[1]!.valueMs, 100);
    assert.equal(rows[1]!.totalCount, 100);
    const last = rows[rows.length - 1]!;
    assert.equal(last.percentile, 1);
    assert.equal(last.totalCount, 1000);
    near(last.valueMs, 1000);
    for (let i = 1; i < rows.length; i++) {
      assert.ok(rows[i]!.percentile >= rows[i - 1]!.percentile);
      assert.ok(rows[i]!.valueMs >= rows[i - 1]!.valueMs);
    }
  });

  test('samples that share a bucket share a row: a tied minimum, a crowded maximum', () => {
    // What a real `bench --hdr` run may measure (the process test asserts only what holds for
    // any run): two samples in the lowest bucket make the 0 % row count 2, and a maximum
    // bucket holding half the samples ends the table after a few rows.
    const histogram = new LatencyHistogram();
    histogram.record(1);
    histogram.record(1.0001); // within 1 ns·2^bucket of 1 ms: the same bucket
    for (let i = 0; i < 98; i++) histogram.record(2 + i / 100);
    for (let i = 0; i < 100; i++) histogram.record(50);
    const rows = histogram.percentiles();
    assert.equal(rows[0]!.percentile, 0);
    assert.equal(rows[0]!.totalCount, 2);
    assert.ok(rows.length <= 10, `${rows.length} rows`);
    assert.deepEqual(
      rows.slice(-2).map((row) => [row.percentile, row.totalCount]),
      [
        [0.55, 200],
        [1, 200],
      ],
    );
  });

  test('--hdr text: header, value / percentile / count / 1/(1-p) rows, summary lines', () => {
    const lines = hdrPercentiles(oneTo(1000)).split('\n');
    assert.equal(lines[0], '       Value     Percentile TotalCount 1/(1-Percentile)');
    assert.equal(lines[1], '');
    assert.match(lines[2]!, /^ {7}1\.000 0\.000000000000 {10}1 {11}1\.00$/);
    assert.match(lines[3]!, /^ +(99\.9|100)\d*\.\d{3} 0\.100000000000 {8}100 {11}1\.11$/);
    const rows = lines.filter((line) => /^ +\d/.test(line));
    assert.match(rows[rows.length - 1]!, /^ +\d+\.\d{3} 1\.000000000000 {7}1000$/);
    assert.match(lines.at(-4)!, /^#\[Mean {4}= +500\.500, StdDeviation {3}= +288\.\d{3}\]$/);
    assert.match(lines.at(-3)!, /^#\[Max {5}= +1000\.000, Total count {4}= +1000\]$/);
    assert.match(lines.at(-2)!, /^#\[Buckets = +37, SubBuckets {5}= +2048\]$/);
    assert.equal(lines.at(-1), '');
  });
});

describe('log-scaled ranges and bars', () => {
  test('1-2-5 edges from below the smallest sample to above the largest', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.03, 0.04, 0.3, 0.31, 0.32, 3]) histogram.record(ms);
    const buckets = logBuckets(histogram);
    assert.deepEqual(
      buckets.map((b) => [b.fromMs, b.toMs, b.count]),
      [
        [0.02, 0.05, 2],
        [0.05, 0.1, 0],
        [0.1, 0.2, 0],
        [0.2, 0.5, 3],
        [0.5, 1, 0],
        [1, 2, 0],
        [2, 5, 1],
      ],
    );
    const bars = latencyBars(buckets);
    assert.equal(bars.length, buckets.length);
    assert.equal(bars[0], `  0.02 – 0.05 ms  ${'█'.repeat(26)}▋${' '.repeat(13)}  2  33.3%`);
    assert.equal(bars[1], `  0.05 – 0.1  ms  ${' '.repeat(40)}  0   0.0%`);
    assert.equal(bars[3], `   0.2 – 0.5  ms  ${'█'.repeat(40)}  3  50.0%`);
    assert.equal(bars[6], `     2 – 5    ms  ${'█'.repeat(13)}▍${' '.repeat(26)}  1  16.7%`);
  });

  test('samples spread over many decades get one range per decade', () => {
    const histogram = new LatencyHistogram();
    for (const ms of [0.001, 0.1, 10, 1000, 90_000]) histogram.record(ms);
    const buckets = logBuckets(histogram);
    assert.deepEqual(
      buckets.map((b) => b.fromMs),
      [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10_000],
    );
    assert.equal(buckets.at(-1)!.toMs, 100_000);
    assert.equal(
      buckets.reduce((sum, b) => sum + b.count, 0),
      5,
    );
  });
});
