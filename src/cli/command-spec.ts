/**
 * How a CLI command describes itself: its options (fed to `node:util` `parseArgs`) and the text
 * of its `--help`. New options (e.g. `--deflate`, `--http2`) are one more entry in a command's
 * `options`; parsing, typing and help follow from it.
 */

/** One `--long` option. */
export interface OptionSpec {
  /** `boolean` for a flag, `string` for an option that takes a value. */
  readonly type: 'boolean' | 'string';
  /** The option may be given several times; its value is then an array. */
  readonly multiple?: boolean;
  /** A one-letter alias, without the dash. */
  readonly short?: string;
  /** The value's placeholder in the help text, e.g. `N`, `FILE`, `'NAME: VALUE'`. */
  readonly value?: string;
  /** One line of help (say the default here). */
  readonly description: string;
}

/** Options by long name (without the dashes). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** A command: its name, one-line summary, usage line, options and extra help paragraphs. */
export interface CommandSpec<Options extends OptionSpecs = OptionSpecs> {
  /** The word after `wirekit`. */
  readonly name: string;
  /** One line for `wirekit --help`. */
  readonly summary: string;
  /**
   * Usage without the leading `wirekit NAME `, e.g. `URL [--binary]`; further entries continue
   * it on the next lines.
   */
  readonly usage: readonly string[];
  /** How many positional arguments the command takes, and what to call them in errors. */
  readonly positionals: { readonly min: number; readonly max: number; readonly label?: string };
  readonly options: Options;
  /** Paragraphs printed after the options (output format, exit codes, examples). */
  readonly notes?: readonly string[];
}

/** The value type `parseArgs` gives for an option spec. */
export type OptionValue<O extends OptionSpec> = O['type'] extends 'boolean'
  ? O['multiple'] extends true
    ? boolean[]
    : boolean
  : O['multiple'] extends true
    ? string[]
    : string;

/** Parsed option values: an option that was not given is absent. */
export type OptionValues<Options extends OptionSpecs> = {
  readonly [K in keyof Options]?: OptionValue<Options[K]>;
};

/** A command the CLI can run. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Run with the arguments after the command name; resolves with the exit code. */
  run(args: readonly string[]): Promise<number>;
}
