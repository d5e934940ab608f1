/**
 * The C echo-load client (`bench/e2e/c/echo-load.c`): compiled once per run with `cc -O2` into
 * the run's temporary folder, from the checkout's source (C is not part of the dist/ snapshot),
 * then run once per measurement, pinned to the client core. It costs the client a write, a read
 * and a share of an epoll_wait per echo, far less than any server here, so the server sets the
 * pace unless the client's own CPU use says otherwise (`clientCpuLoad`).
 *
 * @example
 * ```ts
 * const client = CLoadClient.compile(workDir);
 * const result = await client.run({ port, serverPid, connections: 100, payloadBytes: 512,
 *   warmupMs: 1000, durationMs: 3000, websocket: true }, 1);
 * ```
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from './dist-snapshot.js';
import { runJsonProcess } from './json-process.js';
import { hasCommand } from './machine-info.js';

/** One echo-load measurement. */
export interface CEchoRun {
  readonly port: number;
  /** The server's pid, for its CPU time from /proc/<pid>/stat over the window. */
  readonly serverPid: number;
  readonly connections: number;
  readonly payloadBytes: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  /** false: the raw TCP echo (no handshake). */
  readonly websocket: boolean;
}

/** What the client prints (times in seconds and µs; loads in cores). */
export interface CEchoResult {
  readonly connections: number;
  readonly payloadBytes: number;
  readonly seconds: number;
  /** Echoes completed in the window. */
  readonly messages: number;
  readonly messagesPerSecond: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** Connections lost or frames that were not the echo; the first one's reason. */
  readonly errors: number;
  readonly firstError?: string;
  readonly clientCpuSeconds: number;
  /** The user-mode part: the rest is kernel TCP work (on loopback, the receiving side's too). */
  readonly clientUserCpuSeconds: number;
  /** The client's CPU use in the window (getrusage): above 0.9 it may have set the pace. */
  readonly clientCpuLoad: number;
  readonly serverCpuSeconds: number;
  readonly serverCpuLoad: number;
  readonly serverCpuUsPerMessage: number;
  /** Every echo, warm-up included. */
  readonly totalMessages: number;
}

/** One broadcast measurement (`--broadcast`): subscribers on /sub, a publisher on /pub. */
export interface CBroadcastRun {
  readonly port: number;
  readonly serverPid: number;
  readonly subscribers: number;
  readonly payloadBytes: number;
  /** Messages published but not yet delivered to every subscriber, at most. */
  readonly window: number;
  readonly warmupMs: number;
  readonly durationMs: number;
}

/** What the client prints in broadcast mode. */
export interface CBroadcastResult {
  readonly subscribers: number;
  readonly payloadBytes: number;
  readonly window: number;
  readonly seconds: number;
  /** Deliveries (message × subscriber) in the window. */
  readonly deliveries: number;
  readonly deliveriesPerSecond: number;
  /** Publish-to-arrival time at the subscribers (1 µs histogram). */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly clientCpuLoad: number;
  readonly serverCpuLoad: number;
  readonly serverCpuUsPerDelivery: number;
  readonly published: number;
  /** Every delivery, warm-up included (to divide strace's counts by). */
  readonly totalDeliveries: number;
}

/** Above this client CPU load the client, not the server, may have set the pace. */
export const CLIENT_SATURATED = 0.9;

/** A compiled client. */
export class CLoadClient {
  readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }

  /** Compile the client into `dir`. Throws with what to do when `cc` is missing or fails. */
  static compile(dir: string): CLoadClient {
    const source = join(repositoryRoot(), 'bench', 'e2e', 'c', 'echo-load.c');
    if (!existsSync(source)) throw new Error(`the C load client's source is missing: ${source}`);
    if (!hasCommand('cc')) {
      throw new Error(
        'no C compiler: the echo section compiles bench/e2e/c/echo-load.c with `cc -O2`. ' +
          'Install one (`apt-get update && apt-get install -y gcc`) or leave the section out ' +
          '(`--only` without echo).',
      );
    }
    const path = join(dir, 'echo-load');
    try {
      execFileSync('cc', ['-O2', '-o', path, source], { stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`cc -O2 ${source} failed: ${stderr || (error as Error).message}`);
    }
    return new CLoadClient(path);
  }

  /** One broadcast run; rejects when the client fails, sees a message out of order, or a
   * subscriber is closed. */
  async broadcast(run: CBroadcastRun, cpu: number | undefined): Promise<CBroadcastResult> {
    const args = [
      ...['--broadcast', '--port', String(run.port), '--pid', String(run.serverPid)],
      ...['--connections', String(run.subscribers), '--payload', String(run.payloadBytes)],
      ...['--window', String(run.window)],
      ...['--warmup-ms', String(run.warmupMs), '--duration-ms', String(run.durationMs)],
    ];
    const result = (await runJsonProcess([this.path, ...args], {
      label: `echo-load ${args.join(' ')}`,
      cpu,
      timeoutMs: run.warmupMs + run.durationMs + 45_000,
    })) as Partial<CBroadcastResult>;
    if (result.deliveries === undefined || result.deliveries === 0 || (result.errors ?? 0) > 0) {
      throw new Error(`broadcast load failed: ${JSON.stringify(result)}`);
    }
    return {
      serverCpuLoad: Number.NaN,
      serverCpuUsPerDelivery: Number.NaN,
      ...result,
    } as CBroadcastResult;
  }

  /** One run; rejects when the client fails or loses every connection. */
  async run(run: CEchoRun, cpu: number | undefined): Promise<CEchoResult> {
    const args = [
      ...['--port', String(run.port), '--pid', String(run.serverPid)],
      ...['--connections', String(run.connections), '--payload', String(run.payloadBytes)],
      ...['--warmup-ms', String(run.warmupMs), '--duration-ms', String(run.durationMs)],
    ];
    if (!run.websocket) args.push('--tcp');
    const result = (await runJsonProcess([this.path, ...args], {
      label: `echo-load ${args.join(' ')}`,
      cpu,
      // The client's own alarm() ends it 30 s past its run; this is the backstop.
      timeoutMs: run.warmupMs + run.durationMs + 45_000,
    })) as Partial<CEchoResult>;
    if (result.messages === undefined || result.messages === 0) {
      throw new Error(`echo-load measured nothing: ${JSON.stringify(result)}`);
    }
    return {
      serverCpuSeconds: Number.NaN,
      serverCpuLoad: Number.NaN,
      serverCpuUsPerMessage: Number.NaN,
      ...result,
    } as CEchoResult;
  }
}
