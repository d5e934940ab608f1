/** The `--help` text of a command, built from its {@link CommandSpec}. */
import type { CommandSpec } from './command-spec.js';

/**
 * Format a command's help: usage, summary, one line per option, then the notes.
 *
 * @example
 * ```ts
 * process.stdout.write(commandHelp(serveSpec));
 * ```
 */
export function commandHelp(spec: CommandSpec): string {
  const rows: [string, string][] = Object.entries(spec.options).map(([name, option]) => {
    const short = option.short === undefined ? '    ' : `-${option.short}, `;
    const value = option.value === undefined ? '' : ` ${option.value}`;
    const repeat = option.multiple === true ? '...' : '';
    return [`${short}--${name}${value}${repeat}`, option.description];
  });
  rows.push(['-h, --help', 'show this help']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const lead = `Usage: wirekit ${spec.name} `;
  const lines = [
    ...spec.usage.map((usage, i) => `${i === 0 ? lead : ' '.repeat(lead.length)}${usage}`),
    '',
    spec.summary,
    '',
    'Options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
  ];
  for (const note of spec.notes ?? []) lines.push('', note);
  return `${lines.join('\n')}\n`;
}
