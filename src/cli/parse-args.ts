/**
 * Command-line parsing on `node:util` `parseArgs` in strict mode: unknown options, a missing
 * value and a flag given a value are {@link UsageError}s, and so is a wrong number of positional
 * arguments. `--help` / `-h` is added to every command.
 */
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';
import type { CommandSpec, OptionSpecs, OptionValues } from './command-spec.js';
import { UsageError } from './usage-error.js';

/** The result of {@link parseArgs}. */
export interface ParsedArgs<Options extends OptionSpecs> {
  /** `--help` was given: print the command's help and do nothing else. */
  readonly help: boolean;
  readonly values: OptionValues<Options>;
  readonly positionals: readonly string[];
}

/**
 * Parse a command's arguments (those after the command name) against its spec.
 *
 * @example
 * ```ts
 * const { values, positionals } = parseArgs(connectSpec, ['ws://127.0.0.1:9001', '--binary']);
 * values.binary; // true
 * ```
 */
export function parseArgs<Options extends OptionSpecs>(
  spec: CommandSpec<Options>,
  args: readonly string[],
): ParsedArgs<Options> {
  const options: NonNullable<ParseArgsConfig['options']> = {
    help: { type: 'boolean', short: 'h' },
  };
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = {
      type: option.type,
      ...(option.multiple === true ? { multiple: true } : {}),
      ...(option.short === undefined ? {} : { short: option.short }),
    };
  }
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = nodeParseArgs({
      args: [...args],
      options,
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    // parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and multi-line messages.
    const message = error instanceof Error ? error.message : String(error);
    const code = (error as { code?: unknown }).code;
    const option = /'([^']+)'/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined)
      throw new UsageError(`unknown option ${option}`);
    throw new UsageError(message.replace(/\s*\n\s*/g, ' '));
  }
  const { help = false, ...values } = parsed.values;
  if (help === true) return { help: true, values: {}, positionals: [] };
  const count = parsed.positionals.length;
  const { min, max, label = 'argument' } = spec.positionals;
  if (count > max) {
    const extra = parsed.positionals.slice(max).join(' ');
    throw new UsageError(
      max === 0 ? `unexpected argument: ${extra}` : `too many arguments: ${extra}`,
    );
  }
  if (count < min) throw new UsageError(`missing ${label}`);
  return {
    help: false,
    values: values as OptionValues<Options>,
    positionals: parsed.positionals,
  };
}
