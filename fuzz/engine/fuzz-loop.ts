/**
 * The coverage-guided loop: replay the corpus, then mutate corpus entries in batches, keep the
 * inputs that reach blocks of the target's files never reached before, and record every input
 * that makes the target throw (minimised, once per kind of failure). Stops by itself after
 * `timeMs` or `maxRuns`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Corpus, nameOf } from './corpus.js';
import { Coverage, type FileCoverage } from './coverage.js';
import { type FuzzTarget, failureKind } from './fuzz-target.js';
import { Mutator } from './mutator.js';
import { Random } from './random.js';

export interface FuzzOptions {
  /** Fuzzing time after the corpus replay, in milliseconds. */
  readonly timeMs: number;
  /** Stop after this many mutated inputs, if sooner. */
  readonly maxRuns?: number;
  /** Inputs run between two coverage takes. */
  readonly batch: number;
  readonly seed: number;
  readonly corpusDir: string;
  /** Write inputs that found new coverage to the corpus directory. */
  readonly save: boolean;
  /** At the end, rewrite the corpus directory as a minimal set with the same coverage. */
  readonly minimize: boolean;
  /** Where minimised failing inputs are written, if anywhere. */
  readonly findingsDir?: string;
  readonly log?: (line: string) => void;
}

/** A failing input, minimised. */
export interface Finding {
  readonly kind: string;
  readonly message: string;
  readonly input: Uint8Array;
}

export interface FuzzReport {
  readonly target: string;
  /** Corpus and seed inputs replayed before fuzzing. */
  readonly replayed: number;
  /** Mutated inputs run (each attributed re-run not counted). */
  readonly runs: number;
  readonly fuzzMs: number;
  readonly execsPerSecond: number;
  readonly corpusSize: number;
  readonly added: number;
  readonly findings: readonly Finding[];
  readonly coverage: readonly FileCoverage[];
}

const MAX_FINDINGS = 10;

export function fuzz(target: FuzzTarget, options: FuzzOptions): FuzzReport {
  const log = options.log ?? (() => {});
  const random = new Random(options.seed);
  const mutator = new Mutator(random, target.dictionary, target.maxLength);
  const coverage = new Coverage(target.files);
  const store = new Corpus(options.corpusDir);
  const findings: Finding[] = [];
  const kinds = new Set<string>();
  const seen = new Set<number>();
  const corpus: Uint8Array[] = [];

  const attempt = (input: Uint8Array): void => {
    try {
      target.run(input);
    } catch (error) {
      const kind = failureKind(error);
      if (kinds.has(kind) || findings.length >= MAX_FINDINGS) return;
      kinds.add(kind);
      const small = minimizeFailure(target, input, kind);
      const message = runMessage(target, small) ?? String(error);
      findings.push({ kind, message, input: small });
      log(`[${target.name}] FINDING ${kind}\n  ${message}\n  input ${hexOf(small)}`);
      if (options.findingsDir !== undefined) {
        mkdirSync(options.findingsDir, { recursive: true });
        const name = nameOf(small);
        writeFileSync(join(options.findingsDir, name), small);
        writeFileSync(join(options.findingsDir, `${name}.txt`), `${message}\n`);
      }
    }
  };
  const isNew = (features: readonly number[]): boolean => features.some((f) => !seen.has(f));
  const addAll = (features: readonly number[]): void => {
    for (const f of features) seen.add(f);
  };

  // Replay: everything on disk stays; seeds join only if they add coverage.
  coverage.reset();
  const stored = store.load();
  for (const input of stored) {
    attempt(input);
    addAll(coverage.take());
    corpus.push(input);
  }
  let added = 0;
  for (const input of target.seeds()) {
    attempt(input);
    const features = coverage.take();
    if (isNew(features) || corpus.length === 0) {
      addAll(features);
      corpus.push(input);
      if (options.save) store.add(input);
      added++;
    }
  }
  const replayed = stored.length;
  log(`[${target.name}] replayed ${replayed} corpus inputs, ${seen.size} features`);

  const start = performance.now();
  const deadline = start + options.timeMs;
  const maxRuns = options.maxRuns ?? Number.POSITIVE_INFINITY;
  let runs = 0;
  let nextLog = start + 10_000;
  const batch: Uint8Array[] = [];
  while (runs < maxRuns && performance.now() < deadline) {
    batch.length = 0;
    const size = Math.min(options.batch, maxRuns - runs);
    for (let i = 0; i < size; i++) {
      const parent = corpus.length > 0 ? random.pick(corpus) : new Uint8Array(0);
      const input = mutator.mutate(parent, corpus);
      batch.push(input);
      attempt(input);
    }
    runs += size;
    const features = coverage.take();
    if (isNew(features)) {
      // Something in the batch reached a new block: find which inputs, one run each.
      for (const input of batch) {
        attempt(input);
        const own = coverage.take();
        if (isNew(own)) {
          addAll(own);
          corpus.push(input);
          added++;
          if (options.save) store.add(input);
        }
      }
      addAll(features);
    }
    const now = performance.now();
    if (now >= nextLog) {
      nextLog = now + 10_000;
      log(
        `[${target.name}] ${runs} runs, ${Math.round((runs * 1000) / (now - start))}/s, corpus ${corpus.length}, features ${seen.size}`,
      );
    }
  }
  const fuzzMs = performance.now() - start;

  let finalCorpus = corpus;
  if (options.minimize) {
    finalCorpus = minimizeCorpus(target, coverage, corpus);
    store.replace(finalCorpus);
    log(`[${target.name}] corpus minimised: ${corpus.length} -> ${finalCorpus.length}`);
  }
  return {
    target: target.name,
    replayed,
    runs,
    fuzzMs,
    execsPerSecond: fuzzMs > 0 ? (runs * 1000) / fuzzMs : 0,
    corpusSize: finalCorpus.length,
    added,
    findings,
    coverage: coverage.summary(),
  };
}

/** The message a run of `input` throws, or `undefined` if it passes. */
function runMessage(target: FuzzTarget, input: Uint8Array): string | undefined {
  try {
    target.run(input);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function failsAs(target: FuzzTarget, input: Uint8Array, kind: string): boolean {
  try {
    target.run(input);
    return false;
  } catch (error) {
    return failureKind(error) === kind;
  }
}

/** Delta debugging: drop ranges of bytes while the input still fails the same way. */
export function minimizeFailure(target: FuzzTarget, input: Uint8Array, kind: string): Uint8Array {
  let best = input;
  let budget = 4000;
  for (let size = best.length >> 1; size >= 1 && budget > 0; size >>= 1) {
    let at = 0;
    while (at < best.length && budget-- > 0) {
      const candidate = new Uint8Array(best.length - Math.min(size, best.length - at));
      candidate.set(best.subarray(0, at), 0);
      candidate.set(best.subarray(at + size), at);
      if (failsAs(target, candidate, kind)) best = candidate;
      else at += size;
    }
  }
  return best;
}

/** Keep the smallest inputs that together cover every feature the corpus covers. */
function minimizeCorpus(
  target: FuzzTarget,
  coverage: Coverage,
  corpus: readonly Uint8Array[],
): Uint8Array[] {
  const ordered = [...corpus].sort((a, b) => a.length - b.length);
  const run = (input: Uint8Array): number[] => {
    try {
      target.run(input);
    } catch {
      // A failing input is a finding, already recorded; it still covers what it covers.
    }
    return coverage.take();
  };
  coverage.reset();
  // First pass: let every block show itself once, so the second pass sees the same features.
  for (const input of ordered) run(input);
  const union = new Set<number>();
  const kept: Uint8Array[] = [];
  for (const input of ordered) {
    const features = run(input);
    if (features.some((f) => !union.has(f))) {
      kept.push(input);
      for (const f of features) union.add(f);
    }
  }
  // Never trade a corpus for nothing: no features at all means coverage did not work.
  return kept.length === 0 ? [...corpus] : kept;
}

function hexOf(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(0, 512)).toString('hex') + (bytes.length > 512 ? '…' : '');
}
