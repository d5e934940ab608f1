/**
 * What the soak must give back: the churn test's census of sockets, listening servers and
 * timers (test/hostile/resource-census.ts), plus the handles TLS and HTTP/2 add (TLS wraps,
 * HTTP/2 sessions and streams), the process's listeners, and the heap after a full GC.
 *
 * @example
 * ```ts
 * const before = soakCensus();
 * // … the soak …
 * const leaks = await soakLeftBehind(before); // [] when everything was released
 * ```
 */
import { createHook } from 'node:async_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { type Census, compareCensus, takeCensus } from '../hostile/resource-census.js';

const EXTRA_TYPES: ReadonlySet<string> = new Set([
  'TLSWRAP',
  'HTTP2SESSION',
  'HTTP2STREAM',
  'HTTP2PING',
  'WRITEWRAP',
  'SHUTDOWNWRAP',
]);
const extra = new Map<number, string>();
createHook({
  init(asyncId, type) {
    if (EXTRA_TYPES.has(type)) extra.set(asyncId, type);
  },
  destroy(asyncId) {
    extra.delete(asyncId);
  },
}).enable();

/** Process events whose listeners a leak would add to. */
const PROCESS_EVENTS = [
  'warning',
  'uncaughtException',
  'unhandledRejection',
  'exit',
  'beforeExit',
] as const;

/** The census of one moment. */
export interface SoakCensus {
  readonly base: Census;
  readonly extra: Readonly<Record<string, number>>;
  readonly listeners: Readonly<Record<string, number>>;
}

function countBy(names: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Count what is alive now. */
export function soakCensus(): SoakCensus {
  const listeners: Record<string, number> = {};
  for (const event of PROCESS_EVENTS) listeners[event] = process.listenerCount(event);
  return { base: takeCensus(), extra: countBy(extra.values()), listeners };
}

function growth(before: SoakCensus, after: SoakCensus): string[] {
  const lines = compareCensus(before.base, after.base);
  for (const view of ['extra', 'listeners'] as const) {
    for (const [name, count] of Object.entries(after[view])) {
      const was = before[view][name] ?? 0;
      if (count > was) lines.push(`${view}.${name}: ${was} → ${count}`);
    }
  }
  return lines;
}

/**
 * Wait (bounded) until nothing counted outlives `before`; returns what still does. Garbage is
 * collected now and then meanwhile: Node reports some native objects gone (a closed TLS wrap,
 * an HTTP/2 session) only once their JavaScript side was collected.
 */
export async function soakLeftBehind(before: SoakCensus, ms = 15_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (let round = 0; ; round++) {
    if (round % 25 === 0) await heapAfterGc();
    const lines = growth(before, soakCensus());
    if (lines.length === 0 || Date.now() > deadline) return lines;
    await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  }
}

let collect: (() => void) | undefined;

/** Heap used after full garbage collections (bytes). Works without `--expose-gc`: the flag is
 * set at run time and `gc` taken from a fresh context. */
export async function heapAfterGc(): Promise<number> {
  if (collect === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed !== undefined) collect = exposed;
    else {
      setFlagsFromString('--expose-gc');
      collect = runInNewContext('gc') as () => void;
    }
  }
  for (let i = 0; i < 3; i++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  collect();
  return process.memoryUsage().heapUsed;
}
