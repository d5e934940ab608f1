/**
 * The soak: every planned case, `concurrency` at a time, against wirekit's servers and the raw
 * servers, in `rounds` rounds (the heap after a full GC is taken after each, so growth from
 * round to round shows a leak); then everything is closed and the census of sockets, timers,
 * TLS and HTTP/2 handles and process listeners must be back where it was.
 *
 * @example
 * ```ts
 * const report = await runSoak({ connections: 100, concurrency: 25, rounds: 2, seed: 1, deadlineMs: 15_000 });
 * report.problems; // [] when every oracle held
 * ```
 */

import { startRawServers } from './raw-server.js';
import { type CaseResult, runCase, type SoakEnv } from './soak-cases.js';
import { heapAfterGc, soakCensus, soakLeftBehind } from './soak-census.js';
import { connectionsOf, planSoak, type SoakCase, type SoakFault } from './soak-plan.js';
import { startSoakServers } from './soak-servers.js';

/** What to run. */
export interface SoakOptions {
  /** Connections in all rounds together. */
  readonly connections: number;
  readonly concurrency: number;
  readonly rounds: number;
  readonly seed: number;
  /** How long a case may wait for its closes. */
  readonly deadlineMs: number;
  readonly log?: (line: string) => void;
}

/** Tallies of one fault (or of a transport). */
export interface SoakTally {
  cases: number;
  connections: number;
  sent: number;
  delivered: number;
  lost: number;
  /** Vanished peers whose end turned into a reset that a write of wirekit's saw. */
  writeResets: number;
  codes: Record<string, number>;
}

/** What the soak saw. */
export interface SoakReport {
  readonly cases: number;
  readonly connections: number;
  readonly byFault: Readonly<Record<string, SoakTally>>;
  readonly byTransport: Readonly<Record<string, SoakTally>>;
  readonly sent: number;
  readonly delivered: number;
  /** Messages of cleanly closed connections sent and not delivered (must be 0). */
  readonly lost: number;
  /** Every broken oracle (must be empty). */
  readonly problems: readonly string[];
  /** Server connections still open after the last round (must be 0). */
  readonly openAfter: number;
  /** Sockets, timers, TLS/HTTP/2 handles and listeners left after everything closed. */
  readonly leftBehind: readonly string[];
  /** Heap used after a full GC: before any case, then after each round (bytes). */
  readonly heap: readonly number[];
  readonly ms: number;
}

function tally(into: Record<string, SoakTally>, key: string, result: CaseResult): void {
  into[key] ??= {
    cases: 0,
    connections: 0,
    sent: 0,
    delivered: 0,
    lost: 0,
    writeResets: 0,
    codes: {},
  };
  const t = into[key];
  t.cases++;
  t.connections += result.connections;
  t.sent += result.sent;
  t.delivered += result.delivered;
  t.lost += result.lost;
  t.writeResets += result.writeResets;
  for (const code of result.codes) t.codes[code] = (t.codes[code] ?? 0) + 1;
}

/** Split the plan into rounds of about equal connections. */
function roundsOf(cases: readonly SoakCase[], rounds: number, connections: number): SoakCase[][] {
  const out: SoakCase[][] = Array.from({ length: rounds }, () => []);
  let planned = 0;
  for (const soakCase of cases) {
    const round = Math.min(rounds - 1, Math.floor((planned * rounds) / connections));
    out[round]!.push(soakCase);
    planned += connectionsOf(soakCase);
  }
  return out;
}

async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await task(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Run the soak; every problem is in the report, nothing throws for a broken oracle. */
export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const heap = [await heapAfterGc()];
  const before = soakCensus();
  const servers = await startSoakServers();
  const raw = await startRawServers();
  const env: SoakEnv = { servers, raw, deadlineMs: options.deadlineMs };
  const cases = planSoak({ connections: options.connections, seed: options.seed });
  const results: CaseResult[] = [];
  let openAfter = 0;
  try {
    for (const [index, round] of roundsOf(cases, options.rounds, options.connections).entries()) {
      await inPool(round, options.concurrency, async (soakCase) => {
        results.push(await runCase(soakCase, env));
      });
      heap.push(await heapAfterGc());
      const problems = results.reduce((n, r) => n + r.problems.length, 0);
      log(
        `round ${index + 1}/${options.rounds}: ${round.length} cases, ${results.length} so far, ${problems} problems, heap ${(heap.at(-1)! / 2 ** 20).toFixed(1)} MiB, ${servers.open} server connections open`,
      );
    }
    openAfter = servers.open;
  } finally {
    await servers.close();
    await raw.close();
  }
  const leftBehind = await soakLeftBehind(before);
  const byFault: Record<SoakFault | string, SoakTally> = {};
  const byTransport: Record<string, SoakTally> = {};
  for (const result of results) {
    tally(byFault, result.soakCase.fault, result);
    tally(byTransport, result.soakCase.transport, result);
  }
  return {
    cases: results.length,
    connections: results.reduce((n, r) => n + r.connections, 0),
    byFault,
    byTransport,
    sent: results.reduce((n, r) => n + r.sent, 0),
    delivered: results.reduce((n, r) => n + r.delivered, 0),
    lost: results.reduce((n, r) => n + r.lost, 0),
    problems: results.flatMap((r) => r.problems),
    openAfter,
    leftBehind,
    heap,
    ms: Date.now() - started,
  };
}
