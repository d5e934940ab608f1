/**
 * Issue 3's end-to-end targets, checked against the medians of a run.
 *
 * @example
 * ```ts
 * for (const t of checkTargets(phases, echo)) console.log(t.met, t.target, t.measured);
 * ```
 */
import type { EchoCaseResult } from './echo-section.js';
import { fixed } from './markdown-table.js';
import type { PhasesRow } from './phases-section.js';
import { UWS_LABEL, WIREKIT_LABEL, WS_LABEL } from './server-specs.js';

/** One target and whether this run met it. */
export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

/** Every target that the run has the data for. */
export function checkTargets(
  phases: readonly PhasesRow[] | undefined,
  echo: readonly EchoCaseResult[] | undefined,
): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (phases !== undefined) {
    const wirekit = phases.find((r) => r.label === WIREKIT_LABEL);
    const ws = phases.find((r) => r.label === WS_LABEL);
    const uws = phases.find((r) => r.label === UWS_LABEL);
    if (wirekit !== undefined && ws !== undefined) {
      const speedup = ws.totalMs / wirekit.totalMs;
      checks.push({
        target: '100k × "Hello, World!": wirekit total ≥ 2× faster than ws',
        measured: `${fixed(speedup, 2)}× (${fixed(wirekit.totalMs, 0)} ms vs ${fixed(ws.totalMs, 0)} ms)`,
        met: speedup >= 2,
      });
    }
    if (wirekit !== undefined && uws !== undefined) {
      const ratio = wirekit.recvMs / uws.recvMs;
      checks.push({
        target: 'recv phase within 1.2× of uWebSockets.js',
        measured: `${fixed(ratio, 2)}× uWS's time (${fixed(wirekit.recvMs, 1)} ms vs ${fixed(uws.recvMs, 1)} ms)`,
        met: ratio <= 1.2,
      });
    }
  }
  for (const { echoCase, rows } of echo ?? []) {
    const wirekit = rows.find((r) => r.label === WIREKIT_LABEL);
    const uws = rows.find((r) => r.label === UWS_LABEL);
    if (wirekit === undefined || uws === undefined) continue;
    const ratio = wirekit.messagesPerSecond / uws.messagesPerSecond;
    checks.push({
      target: `echo load ${echoCase.connections} × ${echoCase.payloadBytes} B: wirekit msg/s ≥ uWebSockets.js`,
      measured: `${fixed(ratio, 2)}× uWS (server CPU ${fixed(wirekit.serverCpuUsPerMessage, 1)} vs ${fixed(uws.serverCpuUsPerMessage, 1)} µs/msg)`,
      met: ratio >= 1,
    });
  }
  return checks;
}
