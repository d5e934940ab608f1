/**
 * Self time per function from a V8 `.cpuprofile` (as written by `node --cpu-prof`), grouped by
 * function and script, and by area: wirekit's Node adapter, wirekit's core, Node's stream /
 * event / net internals, GC, idle.
 *
 * @example
 * ```ts
 * const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')));
 * summary.functions[0]; // { name: 'writeGeneric', where: 'node:internal/stream_base_commons:…', selfPercent: 12.3 }
 * ```
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** One function's self time. */
export interface FunctionTime {
  readonly name: string;
  readonly where: string;
  readonly area: string;
  readonly selfMs: number;
  /** Share of the busy (non-idle) time. */
  readonly selfPercent: number;
}

/** The whole summary. */
export interface ProfileSummary {
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly FunctionTime[];
  readonly areas: readonly {
    readonly area: string;
    readonly selfMs: number;
    readonly selfPercent: number;
  }[];
}

/** Which part of the stack a frame belongs to. */
export function areaOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'native / runtime (program)';
  if (url.includes('/src/node/')) return 'wirekit src/node';
  if (url.includes('/src/core/')) return 'wirekit src/core';
  if (url.includes('/bench/')) return 'benchmark server script';
  if (/node:internal\/streams\//.test(url) || url === 'node:stream') return 'node streams';
  if (url === 'node:events' || url.includes('node:internal/event_target')) return 'node events';
  if (
    url === 'node:net' ||
    url.includes('stream_base_commons') ||
    url.includes('node:internal/net')
  )
    return 'node net / stream_base';
  if (url.includes('node:internal/process/task_queues') || url.includes('node:internal/timers'))
    return 'node nextTick / timers';
  if (url.startsWith('node:')) return `node other (${url.replace('node:internal/', '')})`;
  if (url === '') return `native (${functionName || 'anonymous'})`;
  return url.replace(/^file:\/\/.*\/node_modules\//, '');
}

/** Which samples to count, in ms since the profile started (default: all). */
export interface SampleWindow {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Summarize a profile: self time per function and per area, within `window`. */
export function summarizeCpuProfile(
  profile: CpuProfile,
  window: SampleWindow = { fromMs: 0, toMs: Number.POSITIVE_INFINITY },
): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) byId.set(node.id, node);
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; charge it to the sampled node.
  let at = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < window.fromMs * 1000 || at > window.toMs * 1000) continue;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  }
  const functions = new Map<string, { frame: CallFrame; us: number }>();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    const key = `${frame.functionName}|${frame.url}|${frame.lineNumber}`;
    const entry = functions.get(key) ?? { frame, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  let idleUs = 0;
  let busyUs = 0;
  const areas = new Map<string, number>();
  for (const { frame, us } of functions.values()) {
    const area = areaOf(frame);
    if (area === 'idle') idleUs += us;
    else {
      busyUs += us;
      areas.set(area, (areas.get(area) ?? 0) + us);
    }
  }
  const percent = (us: number): number => (busyUs === 0 ? 0 : (100 * us) / busyUs);
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    functions: [...functions.values()]
      .filter(({ frame }) => areaOf(frame) !== 'idle')
      .sort((a, b) => b.us - a.us)
      .map(({ frame, us }) => ({
        name: frame.functionName || '(anonymous)',
        where: `${frame.url.replace(/^file:\/\/.*?\/dist\//, 'dist/')}:${frame.lineNumber + 1}`,
        area: areaOf(frame),
        selfMs: us / 1000,
        selfPercent: percent(us),
      })),
    areas: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, us]) => ({ area, selfMs: us / 1000, selfPercent: percent(us) })),
  };
}
