/**
 * Section 3 and the syscall half of section 4: each server in a fresh process under
 * `strace -c -f` for one echo-load run and one broadcast run; the whole-process call counts
 * divided by the messages (deliveries) of the run, warm-up included (handshakes add a few
 * hundred calls, noise against hundreds of thousands of messages). strace slows the server a
 * lot, so nothing is timed here; CPU per message comes from the untraced runs.
 *
 * @example
 * ```ts
 * const rows = await runSyscallSection(config, tmpdir());
 * ```
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EchoLoadResult } from '../client/echo-load-benchmark.js';
import type { CLoadClient } from './c-load-client.js';
import { runClient } from './client-process.js';
import { hasCommand } from './machine-info.js';
import { fixed, markdownTable } from './markdown-table.js';
import type { RunConfig } from './run-config.js';
import { ServerProcess, type ServerSpec } from './server-process.js';
import {
  allCalls,
  callsOf,
  POLL_CALLS,
  parseStraceSummary,
  READ_CALLS,
  WRITE_CALLS,
} from './strace-summary.js';

/** Syscalls per message of one traced run. */
export interface SyscallCounts {
  readonly messages: number;
  readonly reads: number;
  readonly writes: number;
  readonly polls: number;
  readonly all: number;
  /** The most frequent calls, `name count` each. */
  readonly top: readonly string[];
}

/** One server's traced runs. */
export interface SyscallRow {
  readonly label: string;
  readonly echo: SyscallCounts;
  readonly broadcast: SyscallCounts | undefined;
}

async function traced(
  spec: ServerSpec,
  config: RunConfig,
  file: string,
  load: (server: ServerProcess) => Promise<number>,
): Promise<SyscallCounts> {
  const server = await ServerProcess.start(spec, { cpu: config.serverCpu, straceOutput: file });
  let messages: number;
  try {
    messages = await load(server);
  } finally {
    await server.stop();
  }
  const counts = parseStraceSummary(readFileSync(file, 'utf8'));
  rmSync(file, { force: true });
  if (counts.size === 0) throw new Error(`strace wrote no summary for ${spec.label}`);
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 4)
    .map(([name, calls]) => `${name} ${fixed(calls / messages, 3)}`);
  return {
    messages,
    reads: callsOf(counts, READ_CALLS) / messages,
    writes: callsOf(counts, WRITE_CALLS) / messages,
    polls: callsOf(counts, POLL_CALLS) / messages,
    all: allCalls(counts) / messages,
    top,
  };
}

/** Trace every server. Throws when strace is missing (install: `apt-get install -y strace`). */
export async function runSyscallSection(
  config: RunConfig,
  specs: readonly ServerSpec[],
  dir: string,
  client: CLoadClient,
): Promise<SyscallRow[]> {
  if (!hasCommand('strace')) {
    throw new Error('strace is not installed: run `apt-get update && apt-get install -y strace`');
  }
  const { echo, subscribers, warmupMs, durationMs } = config.strace;
  const rows: SyscallRow[] = [];
  for (const [i, spec] of specs.entries()) {
    const clientOptions = { cpu: config.clientCpu, timeoutMs: warmupMs + durationMs + 60_000 };
    const echoCounts = await traced(spec, config, join(dir, `echo-${i}.strace`), async (server) => {
      const args = ['--mode', 'echo', '--port', String(server.port), '--pid', String(server.pid)];
      args.push('--connections', String(echo.connections), '--payload', String(echo.payloadBytes));
      args.push('--warmup-ms', String(warmupMs), '--duration-ms', String(durationMs));
      if (!spec.websocket) args.push('--tcp');
      const result = (await runClient(args, clientOptions)) as EchoLoadResult;
      return result.totalMessages;
    });
    let broadcastCounts: SyscallCounts | undefined;
    if (spec.websocket) {
      broadcastCounts = await traced(
        spec,
        config,
        join(dir, `broadcast-${i}.strace`),
        async (server) => {
          const { payloadBytes, window } = config.broadcast;
          const result = await client.broadcast(
            {
              port: server.port,
              serverPid: server.pid,
              subscribers,
              payloadBytes,
              window,
              warmupMs,
              durationMs,
            },
            config.clientCpu,
          );
          return result.totalDeliveries;
        },
      );
    }
    process.stderr.write(`  strace ${spec.label}: ${fixed(echoCounts.all, 2)} calls/echo\n`);
    rows.push({ label: spec.label, echo: echoCounts, broadcast: broadcastCounts });
  }
  return rows;
}

/** Echo table: syscalls per echoed message. */
export function echoSyscallTable(rows: readonly SyscallRow[]): string {
  return markdownTable(
    [
      'server',
      'reads/msg',
      'writes/msg',
      'epoll/msg',
      'all syscalls/msg',
      'most frequent (per msg)',
    ],
    rows.map((r) => [
      r.label,
      fixed(r.echo.reads, 2),
      fixed(r.echo.writes, 2),
      fixed(r.echo.polls, 2),
      fixed(r.echo.all, 2),
      r.echo.top.join(', '),
    ]),
  );
}

/** Broadcast table: syscalls per delivery. */
export function broadcastSyscallTable(rows: readonly SyscallRow[]): string {
  return markdownTable(
    [
      'server',
      'writes/delivery',
      'deliveries/write',
      'all syscalls/delivery',
      'most frequent (per delivery)',
    ],
    rows
      .filter((r) => r.broadcast !== undefined)
      .map((r) => [
        r.label,
        fixed(r.broadcast!.writes, 3),
        fixed(1 / r.broadcast!.writes, 1),
        fixed(r.broadcast!.all, 3),
        r.broadcast!.top.join(', '),
      ]),
  );
}
