/**
 * The command line every side-by-side benchmark runner takes (`bench/e2e`, `bench/http2`):
 * `--quick`, `--no-pin`, `--write` / `--no-write`, `--out FILE`, `--only a,b,c`.
 */
import { parseArgs } from 'node:util';
import { hasCommand } from './machine-info.js';

export interface RunArguments {
  /** A short smoke run. */
  readonly quick: boolean;
  /** Pin server and client to their cores (`taskset` is there and `--no-pin` was not given). */
  readonly pin: boolean;
  /** Write the results into BENCHMARKS.md: by default for full runs, never with `--no-write`. */
  readonly write: boolean;
  /** Where to write the raw results as JSON, if anywhere. */
  readonly out: string | undefined;
  /** The sections to run. */
  readonly sections: ReadonlySet<string>;
}

/** Parse `process.argv`; `sections` lists every section, the default for `--only`. */
export function runArguments(sections: readonly string[]): RunArguments {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      'no-pin': { type: 'boolean', default: false },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean', default: false },
      out: { type: 'string' },
      only: { type: 'string', default: sections.join(',') },
    },
  });
  return {
    quick: values.quick,
    pin: !values['no-pin'] && hasCommand('taskset'),
    write: values['no-write'] ? false : (values.write ?? !values.quick),
    out: values.out,
    sections: new Set(values.only.split(',')),
  };
}
