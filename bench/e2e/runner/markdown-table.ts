/**
 * A GitHub-flavoured markdown table, and the number formats used in it.
 *
 * @example
 * ```ts
 * markdownTable(['server', 'ms'], [['wirekit', fixed(12.345, 1)]]);
 * ```
 */

/** Rows of cells under a header row; the first column is left-aligned, the rest right. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const align = header.map((_, i) => (i === 0 ? ':--' : '--:'));
  return [header, align, ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n');
}

/** `value` with `digits` decimals, `—` for NaN. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** A count with thousands separators, `—` for NaN. */
export function grouped(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : '—';
}

/** A ratio as `1.23×`, `—` for NaN. */
export function times(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}×` : '—';
}
