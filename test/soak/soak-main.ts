/**
 * `npm run soak`: the long soak (1,000 connections by default) with a report in markdown.
 * Options: `--connections N`, `--concurrency N`, `--rounds N`, `--seed N`, `--deadline MS`.
 * Exits 1 when an oracle broke, something was left behind, or the heap grew from the first
 * round to the last by more than `--heap-slack` MiB (default 8).
 *
 * Run: `nice -n 10 node --expose-gc dist/test/soak/soak-main.js --connections 1000`
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runSoak, type SoakTally } from './soak-run.js';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '100' },
    rounds: { type: 'string', default: '4' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    deadline: { type: 'string', default: '30000' },
    'heap-slack': { type: 'string', default: '8' },
  },
});

const seed = Number(values.seed);
const report = await runSoak({
  connections: Number(values.connections),
  concurrency: Number(values.concurrency),
  rounds: Number(values.rounds),
  seed,
  deadlineMs: Number(values.deadline),
  log: (line) => process.stderr.write(`${line}\n`),
});

function cpuModel(): string {
  const line = readFileSync('/proc/cpuinfo', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? 'unknown CPU';
}

function rows(by: Readonly<Record<string, SoakTally>>): string[] {
  return Object.entries(by).map(
    ([key, t]) =>
      `| ${key} | ${t.cases} | ${t.connections} | ${t.sent} | ${t.delivered} | ${t.lost} | ${t.writeResets} | ${Object.entries(
        t.codes,
      )
        .map(([code, n]) => `${code}×${n}`)
        .join(', ')} |`,
  );
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
const heapGrowth = report.heap.at(-1)! - report.heap[1]!;
const heapOk = heapGrowth <= Number(values['heap-slack']) * 2 ** 20;
const header =
  '| | cases | connections | messages checked | delivered | lost (clean closes) | vanish seen as reset by a write | close codes seen by wirekit |\n| --- | --: | --: | --: | --: | --: | --: | --- |';
const lines = [
  `Soak on ${new Date().toISOString()}: ${cpuModel()}, Node ${process.version}; seed ${seed}, ${report.connections} connections (${report.cases} cases), ${values.concurrency} at a time, ${values.rounds} rounds, ${(report.ms / 1000).toFixed(0)} s.`,
  '',
  header,
  ...rows(report.byFault),
  '',
  header.replace('| |', '| transport |'),
  ...rows(report.byTransport),
  '',
  `- messages checked ${report.sent}, delivered ${report.delivered}, lost in clean closes ${report.lost}`,
  `- problems: ${report.problems.length}${report.problems.length === 0 ? '' : `\n  - ${report.problems.slice(0, 30).join('\n  - ')}`}`,
  `- server connections open after the last round: ${report.openAfter}`,
  `- left behind: ${report.leftBehind.length === 0 ? 'nothing' : report.leftBehind.join(', ')}`,
  `- heap after full GC (MiB): start ${mib(report.heap[0]!)}, after each round ${report.heap.slice(1).map(mib).join(', ')}; growth from the first round to the last ${mib(heapGrowth)} MiB (${heapOk ? 'within' : 'past'} ${values['heap-slack']} MiB)`,
];
process.stdout.write(`${lines.join('\n')}\n`);
const failed =
  report.problems.length > 0 ||
  report.lost > 0 ||
  report.openAfter > 0 ||
  report.leftBehind.length > 0 ||
  !heapOk;
process.exit(failed ? 1 : 0);
