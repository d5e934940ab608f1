/**
 * Find the `bun` executable of the npm package `bun` (a devDependency). Its postinstall script
 * moves the platform binary from `@oven/bun-<platform>-<arch>` over the placeholder
 * `bun/bin/bun.exe`; package managers that skip install scripts leave the placeholder (a text
 * file) and the binary where it was. So this looks, in order, at `BUN_BINARY`, `bun/bin/bun.exe`,
 * the `@oven/bun-*` packages' `bin/bun`, and `bun` on the PATH, and takes the first that runs.
 *
 * @example
 * ```ts
 * const bun = bunBinary(); // { path: '/…/node_modules/bun/bin/bun.exe', version: '1.4.5' } or undefined
 * ```
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** A Bun executable that answered `--version`. */
export interface BunBinary {
  readonly path: string;
  readonly version: string;
}

/** Platform packages that may hold the binary (baseline: CPUs without AVX2; musl: Alpine). */
const PLATFORM_PACKAGES = [
  `@oven/bun-${process.platform}-${process.arch}`,
  `@oven/bun-${process.platform}-${process.arch}-baseline`,
  `@oven/bun-${process.platform}-${process.arch}-musl`,
  `@oven/bun-${process.platform}-${process.arch}-musl-baseline`,
];

function packageDir(name: string, from: string): string | undefined {
  try {
    return dirname(createRequire(from).resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function candidates(): string[] {
  const list: string[] = [];
  const fromEnv = process.env['BUN_BINARY'];
  if (fromEnv !== undefined && fromEnv !== '') list.push(fromEnv);
  const bunDir = packageDir('bun', import.meta.url);
  if (bunDir !== undefined) list.push(join(bunDir, 'bin', 'bun.exe'));
  for (const name of PLATFORM_PACKAGES) {
    const dir =
      packageDir(name, import.meta.url) ??
      (bunDir === undefined ? undefined : packageDir(name, join(bunDir, 'package.json')));
    if (dir !== undefined) list.push(join(dir, 'bin', 'bun'));
  }
  list.push('bun');
  return list;
}

function versionOf(path: string): string | undefined {
  if (path.includes('/') && !existsSync(path)) return undefined;
  try {
    return execFileSync(path, ['--version'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 10_000,
    }).trim();
  } catch {
    // a placeholder, a binary for another CPU, or not installed
    return undefined;
  }
}

let found: BunBinary | null | undefined;

/** The first Bun that runs, or undefined when there is none (looked up once). */
export function bunBinary(): BunBinary | undefined {
  if (found === undefined) {
    found = null;
    for (const path of candidates()) {
      const version = versionOf(path);
      if (version !== undefined) {
        found = { path, version };
        break;
      }
    }
  }
  return found ?? undefined;
}

/** The error to show when a Bun row cannot run. */
export function bunMissing(): Error {
  return new Error(
    'no runnable bun binary: `npm install` the devDependency `bun` (with install scripts, or the ' +
      '@oven/bun-* package for this platform), or set BUN_BINARY',
  );
}
