/**
 * The `wirekit` command line: picks the command, runs it and turns failures into an exit code
 * and one line on stderr. Usage errors exit 2 with a pointer to `--help`; any other failure
 * (a refused handshake, a missing file) exits 1.
 */
import { readFileSync } from 'node:fs';
import { benchCommand } from './bench-command.js';
import type { Command } from './command-spec.js';
import { connectCommand } from './connect-command.js';
import { ExitCode } from './exit-code.js';
import { serveCommand } from './serve-command.js';
import { UsageError } from './usage-error.js';

const COMMANDS: readonly Command[] = [serveCommand, connectCommand, benchCommand];

/**
 * Run the CLI with the arguments after `wirekit`; resolves with the process exit code.
 *
 * @example
 * ```ts
 * process.exitCode = await runCli(['serve', '--port', '9001']);
 * ```
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    process.stderr.write(overview());
    return ExitCode.USAGE;
  }
  if (name === '--help' || name === '-h') {
    process.stdout.write(overview());
    return ExitCode.OK;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${version()}\n`);
    return ExitCode.OK;
  }
  if (name === 'help') return runCli(args.length === 0 ? ['--help'] : [args[0]!, '--help']);
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    process.stderr.write(
      `wirekit: unknown command ${JSON.stringify(name)}; commands: ${COMMANDS.map((c) => c.name).join(', ')} (see wirekit --help)\n`,
    );
    return ExitCode.USAGE;
  }
  try {
    return await command.run(args);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`wirekit ${name}: ${error.message}\n(see wirekit ${name} --help)\n`);
      return ExitCode.USAGE;
    }
    process.stderr.write(`wirekit ${name}: ${oneLine(error)}\n`);
    return ExitCode.FAILURE;
  }
}

/** An error as one line: its message with line breaks folded (a body snippet may have some). */
function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: wirekit <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "wirekit <command> --help" for its options. "wirekit --version" prints the version.',
    '',
    'Quick start: wirekit serve   then, in a second terminal:   wirekit connect ws://127.0.0.1:9001',
    '',
  ].join('\n');
}

function version(): string {
  try {
    // dist/src/cli/run-cli.js → the package root.
    const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
    return `wirekit ${(JSON.parse(text) as { version?: string }).version ?? 'unknown'}`;
  } catch {
    return 'wirekit (version unknown)';
  }
}
