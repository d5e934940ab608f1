/**
 * Run the benchmark from a private copy of `dist/`. Other engineers rebuild `dist/` in this
 * checkout while a ten-minute run is going; a server started while `tsc` rewrites a file fails
 * to load, and a run that mixed two builds would measure neither. The copy is taken once at
 * the start (with the repository's package.json, and node_modules linked), the runner re-runs
 * itself from it, and the copy is deleted at the end.
 *
 * @example
 * ```ts
 * if (!inSnapshot()) process.exit(await rerunInSnapshot(repositoryRoot(), 'bench/e2e/run.js'));
 * ```
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT_VARIABLE = 'WIREKIT_E2E_ROOT';

/** True when this process already runs from a snapshot. */
export function inSnapshot(): boolean {
  return process.env[ROOT_VARIABLE] !== undefined;
}

/** The repository (where BENCHMARKS.md lives), also when running from a snapshot. */
export function repositoryRoot(): string {
  return process.env[ROOT_VARIABLE] ?? new URL('../../../../', import.meta.url).pathname;
}

/** Copy dist/, run `script` (relative to dist/) from the copy with the same arguments, and
 * resolve with its exit code. Signals are passed on; the copy is removed afterwards. */
export async function rerunInSnapshot(root: string, script: string): Promise<number> {
  const snapshot = mkdtempSync(join(tmpdir(), 'wirekit-e2e-dist-'));
  try {
    cpSync(join(root, 'dist'), join(snapshot, 'dist'), { recursive: true });
    cpSync(join(root, 'package.json'), join(snapshot, 'package.json'));
    // The io_uring addon, when built, where dist/src/node/uring looks for it (one level up).
    const addon = join('native', 'uring', 'build', 'Release', 'wirekit_uring.node');
    if (existsSync(join(root, addon))) cpSync(join(root, addon), join(snapshot, addon));
    symlinkSync(join(root, 'node_modules'), join(snapshot, 'node_modules'), 'dir');
    const child = spawn(
      process.execPath,
      [join(snapshot, 'dist', script), ...process.argv.slice(2)],
      {
        stdio: 'inherit',
        cwd: root,
        env: { ...process.env, [ROOT_VARIABLE]: root },
      },
    );
    const forward = (signal: NodeJS.Signals): void => {
      child.kill(signal);
    };
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, forward);
    return await new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
  } finally {
    rmSync(snapshot, { recursive: true, force: true });
  }
}
