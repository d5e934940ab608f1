/**
 * A small benchmark harness for noisy machines: interleaved runs, medians, and a per-iteration
 * setup step that is excluded from the timing (used to restore input that was unmasked in
 * place).
 *
 * The clock is the process's CPU time (`process.cpuUsage()`, user + system, all threads, so
 * garbage collection on helper threads counts) rather than wall time: on a shared 2-core
 * machine another process taking the CPU then stretches a run's wall time but not its CPU
 * time. Each reading costs a few microseconds, so only iterations of at least ~0.3 ms are
 * bracketed, and the mean cost of an empty bracket is subtracted. `--wall` switches to
 * `process.hrtime.bigint()`.
 */
import { createRequire } from 'node:module';

/** One thing to measure. `run` does some operations and returns how many it did. */
export interface Subject {
  readonly name: string;
  /** Work before each `run`, not timed (e.g. restore pristine input). */
  readonly setup?: () => void;
  /** The timed work; returns the number of operations (messages) it performed. */
  readonly run: () => number;
}

/** Medians (and spread) of nanoseconds per operation, one entry per subject. */
export interface Result {
  readonly name: string;
  /** Median nanoseconds per operation over the runs. */
  readonly ns: number;
  /** Interquartile range over median: a noise indicator (0.05 = 5 %). */
  readonly spread: number;
}

/** Options for {@link compare}. */
export interface CompareOptions {
  /** Timed runs per subject; the median is reported. */
  readonly runs: number;
  /** Untimed warm-up runs per subject before the first timed run. */
  readonly warmup: number;
  /** Each run repeats `run` until this much measured time has accumulated. */
  readonly runNs: number;
}

/** Sink for results a benchmark must not let the JIT discard. */
export const sink: { value: number } = { value: 0 };

function quantile(sorted: readonly number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/** Which clock {@link compare} uses: `cpu` (default) or `wall` (with `--wall`). */
export const clock: 'cpu' | 'wall' = process.argv.includes('--wall') ? 'wall' : 'cpu';

/** The current reading of the clock, in nanoseconds. */
const now: () => number =
  clock === 'wall'
    ? () => Number(process.hrtime.bigint())
    : () => {
        const u = process.cpuUsage();
        return (u.user + u.system) * 1000;
      };

/** Mean nanoseconds an empty bracket `now(); now()` reads. */
const bracketNs: number = (() => {
  let total = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const t0 = now();
    total += now() - t0;
  }
  return total / n;
})();

/** Run one measurement of `subject`: nanoseconds per operation. */
function sample(subject: Subject, runNs: number): number {
  let elapsed = 0;
  let ops = 0;
  const setup = subject.setup;
  do {
    if (setup !== undefined) setup();
    const t0 = now();
    ops += subject.run();
    elapsed += now() - t0 - bracketNs;
  } while (elapsed < runNs);
  return elapsed / ops;
}

/** A one-line description of the clock, for the report header. */
export function clockInfo(): string {
  return clock === 'wall'
    ? 'wall time (process.hrtime)'
    : `process CPU time (process.cpuUsage, empty bracket ${(bracketNs / 1000).toFixed(1)} µs subtracted)`;
}

/**
 * Measure several subjects side by side: warm-up, then `runs` rounds in which every subject is
 * sampled once (in rotating order, so slow drift of the machine hits all of them alike).
 */
export function compare(subjects: readonly Subject[], options: CompareOptions): Result[] {
  for (const s of subjects) for (let i = 0; i < options.warmup; i++) sample(s, options.runNs);
  const samples: number[][] = subjects.map(() => []);
  for (let r = 0; r < options.runs; r++) {
    for (let k = 0; k < subjects.length; k++) {
      const i = (k + r) % subjects.length;
      samples[i]!.push(sample(subjects[i]!, options.runNs));
    }
  }
  return subjects.map((s, i) => {
    const sorted = samples[i]!.slice().sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    return {
      name: s.name,
      ns: median,
      spread: (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / median,
    };
  });
}

/** A markdown table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const lines = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** Nanoseconds, with a precision suited to their size. */
export function fmtNs(ns: number): string {
  return ns >= 1000 ? ns.toFixed(0) : ns >= 100 ? ns.toFixed(1) : ns.toFixed(2);
}

/** Throughput in MB/s (10^6 bytes per second) for `bytes` per operation at `ns` per operation. */
export function fmtMBs(bytes: number, ns: number): string {
  const mbs = (bytes / ns) * 1000;
  return mbs >= 100 ? mbs.toFixed(0) : mbs.toFixed(1);
}

/** A ratio as `3.21×`. */
export function fmtX(x: number): string {
  return `${x.toFixed(2)}×`;
}

/** A spread as a percentage. */
export function fmtPct(x: number): string {
  return `${(x * 100).toFixed(0)}%`;
}

/** Payload sizes in the tables. */
export function fmtSize(bytes: number): string {
  return bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Is the optional `bufferutil` addon installed (native, not its JS fallback)? */
export function bufferutilInfo(): string {
  try {
    const require = createRequire(import.meta.url);
    const bu = require('bufferutil') as { mask: { toString(): string } };
    return bu.mask.toString().includes('[native code]') ? 'native' : 'JS fallback';
  } catch {
    return 'not installed';
  }
}

/** Deterministic pseudo-random 32-bit numbers (xorshift32), never 0. */
export function rng(seed: number): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `size` bytes of ASCII text that looks like JSON traffic. */
export function asciiText(size: number): string {
  const unit = '{"type":"tick","symbol":"ABC","px":101.25,"qty":300,"seq":123456789},';
  let s = '';
  while (s.length < size) s += unit;
  return s.slice(0, size);
}

/** `size` bytes (exactly) of UTF-8 text mixing ASCII with 2-, 3- and 4-byte code points. */
export function mixedText(size: number): string {
  const unit = 'Grüße, 世界! ça va? 🙂 naïve café — ';
  let s = '';
  while (Buffer.byteLength(s) < size) s += unit;
  // Trim to exactly `size` bytes on a code point boundary, padding with ASCII.
  while (Buffer.byteLength(s) > size) s = s.slice(0, -1);
  if (s.length > 0 && /[\ud800-\udbff]$/.test(s)) s = s.slice(0, -1);
  while (Buffer.byteLength(s) < size) s += 'x';
  return s;
}
