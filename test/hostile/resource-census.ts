/**
 * Counts the resources a scenario could leak: sockets, listening servers and timers.
 *
 * Two views, because each misses something: `process.getActiveResourcesInfo()` lists only
 * resources that keep the event loop alive, so it never sees an unref'd timer (every wirekit
 * timer is unref'd); an `async_hooks` hook sees every TCP handle and timer from creation to
 * destruction, ref'd or not. A census taken before a scenario and one taken after it must
 * agree: nothing of a counted kind may be left behind.
 *
 * @example
 * ```ts
 * const before = takeCensus();
 * await scenario();
 * const leaks = await leftBehind(before); // [] when everything was released
 * ```
 */
import { createHook } from 'node:async_hooks';

/** The async resource types a leak would show up as. */
const WATCHED_TYPES: ReadonlySet<string> = new Set([
  'TCPWRAP',
  'TCPSERVERWRAP',
  'TCPCONNECTWRAP',
  'Timeout',
]);

// Node opens stderr lazily, and its own `net.Socket#_destroy` touches `process.stderr` (to
// compare against it) the first time any socket is destroyed: a PipeWrap/TTYWrap that would
// look like a leak. Open both standard streams now, before any census.
void process.stdout;
void process.stderr;

/** Live watched resources by id, kept from the moment this module is first imported. */
const live = new Map<number, string>();

createHook({
  init(asyncId, type) {
    if (WATCHED_TYPES.has(type)) live.set(asyncId, type);
  },
  destroy(asyncId) {
    live.delete(asyncId);
  },
}).enable();

/** Counts by kind at one moment. */
export interface Census {
  /** Live async resources of the watched types (ref'd or not), by type. */
  readonly handles: Readonly<Record<string, number>>;
  /** What `process.getActiveResourcesInfo()` reported, by name. */
  readonly active: Readonly<Record<string, number>>;
}

function countBy(names: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of names) counts[name] = (counts[name] ?? 0) + 1;
  return counts;
}

/** Count what is alive now. */
export function takeCensus(): Census {
  return {
    handles: countBy(live.values()),
    active: countBy(process.getActiveResourcesInfo()),
  };
}

/** Kinds that `after` has more of than `before`, as readable lines (empty: nothing leaked). */
export function compareCensus(before: Census, after: Census): string[] {
  const growth: string[] = [];
  for (const view of ['handles', 'active'] as const) {
    for (const [name, count] of Object.entries(after[view])) {
      const was = before[view][name] ?? 0;
      if (count > was) growth.push(`${view}.${name}: ${was} → ${count}`);
    }
  }
  return growth;
}

/** Let 20 ms pass, then two macrotask turns: `destroy` hooks are emitted from an immediate
 * after the timer itself has fired, so the pause's own timer is gone from the count. */
async function pause(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wait (bounded) for every counted resource to be released, giving the event loop turns so
 * closing sockets finish and destroy hooks run; then return what is still left behind.
 */
export async function leftBehind(before: Census, ms = 10_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const growth = compareCensus(before, takeCensus());
    if (growth.length === 0 || Date.now() > deadline) return growth;
    await pause();
  }
}
