/**
 * The fuzzer's command line (`npm run fuzz -- <target...|all> [options]`):
 *
 *   --time <s>     fuzzing time per target after the corpus replay (default 60)
 *   --runs <n>     stop a target after n inputs, if sooner
 *   --batch <n>    inputs between two coverage takes (default 64)
 *   --seed <n>     PRNG seed (default: time-based; printed)
 *   --no-save      do not add new inputs to fuzz/corpus/<target>/
 *   --minimize     rewrite each corpus as a minimal set with the same coverage at the end
 *   --json <file>  write the reports as JSON
 *
 * It lowers its own priority (nice 19): long runs are background work on a shared machine.
 * Exits 1 when a target found a failure (minimised inputs go to fuzz/findings/<target>/).
 */
import { writeFileSync } from 'node:fs';
import { setPriority } from 'node:os';
import { startCoverage } from './engine/coverage.js';
import { formatReport } from './engine/format-report.js';
import { type FuzzReport, fuzz } from './engine/fuzz-loop.js';
import { paths } from './engine/paths.js';

// Coverage must be on before the code under test is compiled: the targets load after it.
startCoverage();
const { targets } = await import('./targets/index.js');

const args = process.argv.slice(2);
const names: string[] = [];
const option = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};
for (let i = 0; i < args.length; i++) {
  const arg = args[i]!;
  if (arg.startsWith('--')) {
    if (!['--no-save', '--minimize'].includes(arg)) i++;
  } else {
    names.push(arg);
  }
}
const known = targets.map((t) => t.name);
if (names.length === 0 || names.some((n) => n !== 'all' && !known.includes(n))) {
  console.error(
    `usage: npm run fuzz -- <${known.join('|')}|all> [--time s] [--runs n] [--batch n] [--seed n] [--no-save] [--minimize] [--json file]`,
  );
  process.exit(2);
}
try {
  setPriority(19);
} catch {
  // Not allowed to change priority: run as is.
}
const selected = names.includes('all') ? targets : targets.filter((t) => names.includes(t.name));
const seed = Number(option('--seed') ?? Date.now() % 0x7fffffff);
const reports: FuzzReport[] = [];
console.log(`seed ${seed}`);
for (const target of selected) {
  const runs = option('--runs');
  const report = fuzz(target, {
    timeMs: Number(option('--time') ?? 60) * 1000,
    ...(runs === undefined ? {} : { maxRuns: Number(runs) }),
    batch: Number(option('--batch') ?? 64),
    seed,
    corpusDir: paths.corpus(target.name),
    save: !args.includes('--no-save'),
    minimize: args.includes('--minimize'),
    findingsDir: paths.findings(target.name),
    log: (line) => console.log(line),
  });
  reports.push(report);
  console.log(formatReport(report));
}
const json = option('--json');
if (json !== undefined) {
  writeFileSync(
    json,
    JSON.stringify(
      reports.map((r) => ({
        ...r,
        findings: r.findings.map((f) => ({ ...f, input: Buffer.from(f.input).toString('hex') })),
      })),
      null,
      2,
    ),
  );
}
process.exit(reports.some((r) => r.findings.length > 0) ? 1 : 0);
