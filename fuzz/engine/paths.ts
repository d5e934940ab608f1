/**
 * Where the fuzzer keeps its files, relative to the repository root (this module runs from
 * `dist/fuzz/engine/`): corpora are committed, findings are not.
 */
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export const paths: {
  readonly root: string;
  readonly corpus: (target: string) => string;
  readonly findings: (target: string) => string;
} = {
  root: root,
  corpus: (target: string): string => `${root}fuzz/corpus/${target}`,
  findings: (target: string): string => `${root}fuzz/findings/${target}`,
} as const;
