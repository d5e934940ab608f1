/**
 * A process's CPU time, socket bytes and RSS, and the machine's CPU time, from `/proc`
 * (Linux), so a load client can measure the server over exactly its measurement window.
 *
 * `/proc/PID/io` `rchar`/`wchar` count every byte passed to `read`/`write` (libuv reads and
 * writes TCP sockets with them), so over a window with nothing but the echo going on, their
 * deltas are the WebSocket bytes on the wire, frame headers included.
 *
 * @example
 * ```ts
 * const before = procStats(serverPid);
 * // … load …
 * const cpuUs = procStats(serverPid).cpuUs - before.cpuUs;
 * ```
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A snapshot of one process. */
export interface ProcStats {
  /** User + system CPU time, µs (clock-tick resolution). */
  readonly cpuUs: number;

  /** Bytes read and written through `read`/`write` syscalls. */
  readonly readBytes: number;
  readonly writeBytes: number;
}

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    const text = execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim();
    ticksPerSecond = Number(text);
    if (!Number.isInteger(ticksPerSecond) || ticksPerSecond <= 0)
      throw new Error(`getconf CLK_TCK gave ${JSON.stringify(text)}`);
  }
  return ticksPerSecond;
}

/** Read `/proc/PID/stat` and `/proc/PID/io` now. */
export function procStats(pid: number): ProcStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after "(comm) ".
  const ticks = Number(fields[11]) + Number(fields[12]);
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`${name}: (\\d+)`).exec(io)?.[1]);
  return {
    cpuUs: (ticks * 1e6) / clockTicks(),
    readBytes: field('rchar'),
    writeBytes: field('wchar'),
  };
}

/** CPU time of the whole machine so far, µs: busy (all but idle and iowait) and total. */
export interface MachineCpu {
  readonly busyUs: number;
  readonly totalUs: number;
}

/** Read the first line of `/proc/stat` (all CPUs). */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const fields = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = fields.reduce((sum, value) => sum + value, 0);
  const idle = fields[3]! + fields[4]!;
  const us = 1e6 / clockTicks();
  return { busyUs: (total - idle) * us, totalUs: total * us };
}

/** Resident set size of a process in bytes (`VmRSS` in `/proc/PID/status`). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}
