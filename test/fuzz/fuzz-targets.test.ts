/**
 * Every fuzz target, bounded: replay its committed corpus (fuzz/corpus/<target>/), then fuzz it
 * for FUZZ_SECONDS (default 4) seconds with coverage guidance. Fails when a target finds a
 * failure (an oracle disagreement or a crash); the message has the minimised input and the
 * seed. Long runs: `npm run fuzz -- <target> --time 600`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startCoverage } from '../../fuzz/engine/coverage.js';
import { formatReport } from '../../fuzz/engine/format-report.js';
import { fuzz } from '../../fuzz/engine/fuzz-loop.js';
import { paths } from '../../fuzz/engine/paths.js';

// Coverage must be on before the code under test is compiled: the targets load after it.
startCoverage();
const { targets } = await import('../../fuzz/targets/index.js');

const SECONDS = Number(process.env['FUZZ_SECONDS'] ?? 4);
const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 0x7fffffff);

for (const target of targets) {
  test(`fuzz ${target.name}: the corpus and ${SECONDS} s of coverage-guided inputs pass every oracle`, () => {
    const report = fuzz(target, {
      timeMs: SECONDS * 1000,
      batch: 64,
      seed,
      corpusDir: paths.corpus(target.name),
      save: false,
      minimize: false,
    });
    const findings = report.findings.map(
      (f) => `${f.message}\n  input (hex) ${Buffer.from(f.input).toString('hex')}`,
    );
    assert.equal(
      findings.length,
      0,
      `seed ${seed}\n${formatReport(report)}\n${findings.join('\n')}`,
    );
    assert.ok(report.runs > 0, 'the target ran no input');
  });
}
