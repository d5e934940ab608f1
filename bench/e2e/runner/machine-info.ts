/**
 * What the results were measured on: cores, CPU model (`model name` in /proc/cpuinfo), Node
 * version, the versions of the servers compared (Bun: the binary that runs), the commit, and
 * the load average (other processes share this machine).
 *
 * @example
 * ```ts
 * const info = machineInfo();
 * info.cpuModel; // 'AMD EPYC'
 * ```
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bunBinary } from './bun-binary.js';

/** The description printed above the tables. */
export interface MachineInfo {
  readonly date: string;
  readonly cores: string;
  readonly cpuModel: string;
  readonly node: string;
  readonly versions: Readonly<Record<string, string>>;
  readonly commit: string;
}

function run(command: string, args: readonly string[]): string {
  try {
    return execFileSync(command, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

function versionOf(name: string): string {
  try {
    const require = createRequire(import.meta.url);
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** The first `model name` of /proc/cpuinfo (lscpu's `Model name` where there is none). */
function cpuModel(): string {
  try {
    const line = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1];
    if (line !== undefined) return line.trim();
  } catch {
    // not Linux
  }
  return /Model name:\s*(.+)/.exec(run('lscpu', []))?.[1]?.trim() ?? 'unknown';
}

/** Read the machine description now. */
export function machineInfo(): MachineInfo {
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cores: run('nproc', []),
    cpuModel: cpuModel(),
    node: process.version,
    versions: {
      wirekit: versionOf('wirekit'),
      ws: versionOf('ws'),
      bufferutil: versionOf('bufferutil'),
      '@trufflesuite/uws-js-unofficial': versionOf('@trufflesuite/uws-js-unofficial'),
      bun: bunBinary()?.version ?? 'not installed',
    },
    commit: run('git', ['rev-parse', '--short', 'HEAD']),
  };
}

/** `/proc/loadavg`'s 1-minute load average. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ')[0] ?? '?';
  } catch {
    return '?';
  }
}

/** Whether a command can be run (`which`). */
export function hasCommand(command: string): boolean {
  return run('which', [command]) !== 'unknown';
}
