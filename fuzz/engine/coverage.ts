/**
 * Block coverage of a target's own files, from V8 through `node:inspector`.
 *
 * `Profiler.startPreciseCoverage({ callCount: true, detailed: true })` makes V8 count every
 * block; `Profiler.takePreciseCoverage` returns the counts since the last take and resets them.
 * V8 reports a nested block only where its count differs from the range around it, so a block
 * becomes known the first time it runs a different number of times than its function; after
 * that, each take decides it by the innermost reported range that contains it (the rule c8
 * uses). Each known function and block is a feature: an input that covers a feature never seen
 * before joins the corpus.
 *
 * A take costs about a millisecond (more with more scripts loaded), far more than one run of a
 * parser, so the fuzzer runs inputs in batches and takes coverage once per batch.
 */
import { Session } from 'node:inspector';

interface V8Range {
  readonly startOffset: number;
  readonly endOffset: number;
  readonly count: number;
}

interface V8Function {
  readonly functionName: string;
  readonly ranges: readonly V8Range[];
}

interface V8Script {
  readonly url: string;
  readonly functions: readonly V8Function[];
}

interface Block {
  readonly start: number;
  readonly end: number;
  readonly feature: number;
  covered: boolean;
}

interface FunctionInfo {
  readonly name: string;
  readonly feature: number;
  covered: boolean;
  readonly blocks: Block[];
  readonly known: Set<string>;
}

/** Coverage of one file: how much of it the inputs so far have run. */
export interface FileCoverage {
  readonly file: string;
  readonly functions: number;
  readonly functionsCovered: number;
  /** V8 block ranges seen (branches, loop bodies, early returns), as c8 counts them. */
  readonly blocks: number;
  readonly blocksCovered: number;
  /** Names of functions never run, and start offsets of blocks never run, for a human. */
  readonly uncovered: readonly string[];
}

let session: Session | undefined;
/** Every function V8 has listed, by script URL and start offset: the first take after a
 * script loads lists all its functions, later takes only those that ran, so the list is kept
 * for every `Coverage` made later in the process. */
const inventory = new Map<string, Map<number, string>>();

/** Start V8 precise block coverage once per process (before the target modules load). */
export function startCoverage(): Session {
  if (session === undefined) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  }
  return session;
}

export class Coverage {
  readonly #session: Session;
  readonly #files: readonly string[];
  readonly #functions = new Map<string, Map<number, FunctionInfo>>();
  #features = 0;

  /** `files`: path suffixes of the compiled files that count, e.g. `src/core/bytes/utf8.js`. */
  constructor(files: readonly string[]) {
    this.#session = startCoverage();
    this.#files = files;
    // The first take lists every function of the loaded scripts (later ones only those that
    // ran): it fills the inventory the report counts functions from. Precise coverage is not
    // restarted per target: a restart loses the block counters of functions compiled before
    // it. So a function without blocks of its own that an earlier target in the same process
    // made hot (optimized code does not count calls) is not seen as run by a later target;
    // per-target reports come from one process per target (see fuzz/README.md).
    this.#take();
  }

  /** Number of features known so far (functions and blocks). */
  get featureCount(): number {
    return this.#features;
  }

  /** Forget the counts so far (before a run whose coverage should stand alone). */
  reset(): void {
    this.#take();
  }

  /** Features covered since the last take. */
  take(): number[] {
    const covered: number[] = [];
    for (const script of this.#take()) {
      const file = this.#files.find((f) => script.url.endsWith(f));
      if (file === undefined) continue;
      let functions = this.#functions.get(file);
      if (functions === undefined) {
        functions = new Map();
        this.#functions.set(file, functions);
      }
      for (const fn of script.functions) this.#function(functions, fn, covered);
    }
    return covered;
  }

  /** Per-file totals, for the report. */
  summary(): FileCoverage[] {
    return this.#files.map((file) => {
      const functions = [...(this.#functions.get(file)?.values() ?? [])];
      const uncovered: string[] = [];
      let never = 0;
      for (const [url, listed] of inventory) {
        if (!url.endsWith(file)) continue;
        const seen = this.#functions.get(file);
        for (const [start, name] of listed) {
          if (start !== 0 && seen?.has(start) !== true) {
            never++;
            uncovered.push(`${name || '(anonymous)'}()`);
          }
        }
      }
      let blocks = 0;
      let blocksCovered = 0;
      for (const fn of functions) {
        if (!fn.covered) uncovered.push(`${fn.name || '(anonymous)'}()`);
        for (const b of fn.blocks) {
          blocks++;
          if (b.covered) blocksCovered++;
          else if (fn.covered) uncovered.push(`${fn.name || '(anonymous)'}@${b.start}`);
        }
      }
      return {
        file,
        functions: functions.length + never,
        functionsCovered: functions.filter((f) => f.covered).length,
        blocks,
        blocksCovered,
        uncovered,
      };
    });
  }

  #function(functions: Map<number, FunctionInfo>, fn: V8Function, covered: number[]): void {
    const ranges = fn.ranges;
    const whole = ranges[0];
    // The script's top level runs once, at import, before any input: not part of the target.
    if (whole === undefined || whole.startOffset === 0) return;
    let info = functions.get(whole.startOffset);
    if (info === undefined) {
      info = {
        name: fn.functionName,
        feature: this.#features++,
        covered: false,
        blocks: [],
        known: new Set(),
      };
      functions.set(whole.startOffset, info);
    }
    // A function without a call count may still have run blocks (optimized callers).
    if (whole.count === 0 && !ranges.some((r) => r.count > 0)) return;
    info.covered = true;
    covered.push(info.feature);
    for (let i = 1; i < ranges.length; i++) {
      const r = ranges[i]!;
      const key = `${r.startOffset}:${r.endOffset}`;
      if (!info.known.has(key)) {
        info.known.add(key);
        info.blocks.push({
          start: r.startOffset,
          end: r.endOffset,
          feature: this.#features++,
          covered: false,
        });
      }
    }
    for (const block of info.blocks) {
      if (innermostCount(ranges, block.start, block.end) > 0) {
        block.covered = true;
        covered.push(block.feature);
      }
    }
  }

  #take(): V8Script[] {
    let scripts: V8Script[] = [];
    // A session on the main thread answers synchronously.
    this.#session.post('Profiler.takePreciseCoverage', (error, result) => {
      if (error !== null) throw error;
      scripts = result.result as unknown as V8Script[];
    });
    for (const script of scripts) {
      // Only the project's compiled files can be fuzz targets.
      if (!script.url.includes('/dist/')) continue;
      let listed = inventory.get(script.url);
      if (listed === undefined) {
        listed = new Map();
        inventory.set(script.url, listed);
      }
      for (const fn of script.functions) {
        const start = fn.ranges[0]?.startOffset;
        if (start !== undefined && !listed.has(start)) listed.set(start, fn.functionName);
      }
    }
    return scripts;
  }
}

/** The count of the smallest reported range that contains [start, end). */
function innermostCount(ranges: readonly V8Range[], start: number, end: number): number {
  let best = ranges[0]!;
  for (let i = 1; i < ranges.length; i++) {
    const r = ranges[i]!;
    if (
      r.startOffset <= start &&
      r.endOffset >= end &&
      r.endOffset - r.startOffset <= best.endOffset - best.startOffset
    ) {
      best = r;
    }
  }
  return best.count;
}
