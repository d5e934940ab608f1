/**
 * Another process's CPU time, socket bytes and RSS from `/proc` (Linux), so a load client can
 * measure the server over exactly its measurement window.
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
import { readdirSync, readFileSync } from 'node:fs';

/** A snapshot of one process. */
export interface ProcStats {
  /** User + system CPU time, µs (clock-tick resolution). */
  readonly cpuUs: number;
  /**
   * Time its threads were runnable but waited for a CPU (other processes had it), µs, from
   * `/proc/PID/task/TID/schedstat`: how much the machine's other load got in the way.
   */
  readonly waitUs: number;
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
    waitUs: runQueueWaitUs(pid),
    readBytes: field('rchar'),
    writeBytes: field('wchar'),
  };
}

/** Sum over the process's threads of the run-queue wait (second field of schedstat, ns). */
function runQueueWaitUs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1000;
}

/** Resident set size of a process in bytes (`VmRSS` in `/proc/PID/status`). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}
