/** One target's fuzzing report as text lines: throughput, corpus, coverage per file, findings. */
import type { FuzzReport } from './fuzz-loop.js';

const pct = (part: number, whole: number): string =>
  whole === 0 ? '-' : `${((100 * part) / whole).toFixed(1)}%`;

export function formatReport(report: FuzzReport): string {
  const lines = [
    `${report.target}: ${report.runs} inputs in ${(report.fuzzMs / 1000).toFixed(1)} s (${Math.round(report.execsPerSecond)}/s) after replaying ${report.replayed}; corpus ${report.corpusSize} (+${report.added}); findings ${report.findings.length}`,
  ];
  for (const file of report.coverage) {
    lines.push(
      `  ${file.file}: functions ${file.functionsCovered}/${file.functions} (${pct(file.functionsCovered, file.functions)}), blocks ${file.blocksCovered}/${file.blocks} (${pct(file.blocksCovered, file.blocks)})`,
    );
  }
  for (const finding of report.findings) lines.push(`  FINDING ${finding.message}`);
  return lines.join('\n');
}
