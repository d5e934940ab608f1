/**
 * Every process the runner starts, so that all of them are killed when the run ends, also when
 * it fails or is interrupted. Kills are by pid only (the spawned process and, for a server,
 * the node pid it reported, which differs from the spawned pid under `strace`).
 *
 * @example
 * ```ts
 * const child = spawnTracked('node', ['server.js']);
 * // … on any exit path: killAll();
 * ```
 */
import { type ChildProcess, spawn } from 'node:child_process';

const live = new Set<ChildProcess>();
const extraPids = new Set<number>();

/** Spawn with piped stdout/stderr and remember it until it exits. */
export function spawnTracked(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): ChildProcess {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  live.add(child);
  child.once('exit', () => live.delete(child));
  child.once('error', () => live.delete(child));
  return child;
}

/** Also kill this pid at the end (a server's own pid under a wrapper). */
export function trackPid(pid: number): void {
  extraPids.add(pid);
}

/** Forget a pid that is known to have exited. */
export function untrackPid(pid: number): void {
  extraPids.delete(pid);
}

/** SIGKILL everything still running. Synchronous, safe in an `exit` handler. */
export function killAll(): void {
  for (const pid of extraPids) killQuietly(pid);
  extraPids.clear();
  for (const child of live) if (child.pid !== undefined) killQuietly(child.pid);
  live.clear();
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kill every child on exit, Ctrl-C, SIGTERM and uncaught errors. */
export function killChildrenOnExit(): void {
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}
