/**
 * Echo throughput and latency with compression on: for each zlib level, each message size and
 * each connection count, every client/server pair runs in the same round (order rotated per
 * round), server pinned to one core and the client process to the other. Servers are started
 * once per round and level.
 *
 * @example
 * ```ts
 * const rows = await runThroughputSection(config, log);
 * ```
 */
import type { EchoResult } from './echo-client.js';
import type { ClientLibrary } from './echo-peers.js';
import type { IdleBudget } from './machine-idle.js';
import { NodeChild } from './node-child.js';
import type { ServerMode } from './server-control.js';

/** One server configuration. */
export interface ServerKind {
  readonly library: 'wirekit' | 'ws';
  readonly mode: ServerMode;
  /** Smaller windows (both directions) and memLevel (wirekit only). */
  readonly windowBits?: number;
  readonly memLevel?: number;
}

/**
 * wirekit dedicated with contexts sized for many connections: 2 KiB windows both ways (the
 * server compresses with 11 bits and asks the client to), memLevel 4.
 */
export const WIREKIT_DEDICATED_LEAN: ServerKind = {
  library: 'wirekit',
  mode: 'dedicated',
  windowBits: 11,
  memLevel: 4,
};

/** Its label in the tables. */
export const LEAN_LABEL = 'wirekit dedicated, 11-bit windows, memLevel 4';

/** A client library against a server. */
export interface EchoPair {
  readonly label: string;
  readonly server: ServerKind;
  readonly client: ClientLibrary;
}

/** A zlib level as each library is given it. */
export interface LevelChoice {
  readonly label: string;
  readonly wirekit: number;
  /** undefined: ws's default (`zlib.Z_DEFAULT_COMPRESSION`, level 6). */
  readonly ws: number | undefined;
}

/** What a throughput run does. */
export interface ThroughputConfig {
  readonly rounds: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly sizes: readonly number[];
  readonly connections: readonly number[];
  readonly levels: readonly LevelChoice[];
  readonly pairs: readonly EchoPair[];
  readonly serverCpu: number | undefined;
  readonly clientCpu: number | undefined;
  /** Wait for an idle machine before each client run (bounded); undefined: never wait. */
  readonly idle: IdleBudget | undefined;
  /** A run during which other processes used more than this share of the machine's CPU is
   * repeated (at most twice, while the idle budget lasts); the least contended one is kept. */
  readonly maxForeignShare: number;
}

/** How contended a run was: the share of the machine's CPU other processes used. */
export function contention(result: EchoResult): number {
  return result.foreignShare;
}

/** All runs of one pair in one case. */
export interface ThroughputRow {
  readonly pair: string;
  readonly level: string;
  readonly size: number;
  readonly connections: number;
  readonly runs: EchoResult[];
}

const WIREKIT_DEDICATED: ServerKind = { library: 'wirekit', mode: 'dedicated' };
const WIREKIT_SHARED: ServerKind = { library: 'wirekit', mode: 'shared' };
const WS: ServerKind = { library: 'ws', mode: 'dedicated' };

/** The pairs compared: both libraries end to end, then each server with the other's client. */
export const ECHO_PAIRS: readonly EchoPair[] = [
  { label: 'wirekit dedicated', server: WIREKIT_DEDICATED, client: 'wirekit' },
  { label: 'wirekit shared', server: WIREKIT_SHARED, client: 'wirekit' },
  {
    label: LEAN_LABEL,
    server: WIREKIT_DEDICATED_LEAN,
    client: 'wirekit',
  },
  { label: 'ws', server: WS, client: 'ws' },
  { label: 'ws client → wirekit dedicated server', server: WIREKIT_DEDICATED, client: 'ws' },
  { label: 'wirekit client → ws server', server: WS, client: 'wirekit' },
];

/** Level 1 (wirekit's default) and level 6 (zlib's and so ws's default). */
export const LEVELS: readonly LevelChoice[] = [
  { label: '1', wirekit: 1, ws: 1 },
  { label: '6 (ws default)', wirekit: 6, ws: undefined },
];

function script(name: string): string {
  return new URL(`./${name}.js`, import.meta.url).pathname;
}

function serverKey(kind: ServerKind): string {
  return `${kind.library}:${kind.mode}:${kind.windowBits ?? 15}:${kind.memLevel ?? 8}`;
}

interface RunningServer {
  readonly child: NodeChild;
  readonly port: number;
}

/** Start a benchmark server and wait for its ready line. */
export async function startServer(
  kind: ServerKind,
  level: string,
  options: { cpu?: number | undefined; openFiles?: number | undefined; nodeArgs?: string[] },
): Promise<RunningServer> {
  const child = NodeChild.start(
    script(`${kind.library}-server`),
    [
      ...['--mode', kind.mode, '--level', level],
      ...(kind.windowBits === undefined ? [] : ['--window-bits', String(kind.windowBits)]),
      ...(kind.memLevel === undefined ? [] : ['--mem-level', String(kind.memLevel)]),
    ],
    { ...options, nodeArgs: ['--expose-gc', ...(options.nodeArgs ?? [])] },
  );
  const ready = await child.nextLine((line) => line['event'] === 'ready', 15_000);
  return { child, port: ready['port'] as number };
}

async function runClient(
  config: ThroughputConfig,
  pair: EchoPair,
  server: RunningServer,
  level: number | undefined,
  size: number,
  connections: number,
): Promise<EchoResult> {
  const client = NodeChild.start(
    script('echo-client'),
    [
      '--library',
      pair.client,
      '--url',
      `ws://127.0.0.1:${server.port}`,
      '--connections',
      String(connections),
      '--size',
      String(size),
      '--level',
      level === undefined ? 'default' : String(level),
      '--warmup-ms',
      String(config.warmupMs),
      '--duration-ms',
      String(config.durationMs),
      '--server-pid',
      String(server.child.pid),
    ],
    { cpu: config.clientCpu },
  );
  try {
    const line = await client.nextLine(
      (l) => typeof l['rate'] === 'number',
      config.warmupMs + config.durationMs + 45_000,
    );
    return line as unknown as EchoResult;
  } catch (error) {
    throw new Error(`${pair.label}, ${size} B × ${connections}: ${(error as Error).message}`);
  } finally {
    await client.stop();
  }
}

/** Run every round; `log` gets one line per client run. */
export async function runThroughputSection(
  config: ThroughputConfig,
  log: (line: string) => void,
): Promise<ThroughputRow[]> {
  const rows = new Map<string, ThroughputRow>();
  const row = (pair: EchoPair, level: LevelChoice, size: number, connections: number) => {
    const key = `${pair.label}|${level.label}|${size}|${connections}`;
    let found = rows.get(key);
    if (found === undefined) {
      found = { pair: pair.label, level: level.label, size, connections, runs: [] };
      rows.set(key, found);
    }
    return found;
  };
  for (let round = 0; round < config.rounds; round++) {
    for (const level of config.levels) {
      const servers = new Map<string, RunningServer>();
      try {
        for (const pair of config.pairs) {
          const key = serverKey(pair.server);
          if (servers.has(key)) continue;
          const serverLevel = pair.server.library === 'ws' ? level.ws : level.wirekit;
          servers.set(
            key,
            await startServer(
              pair.server,
              serverLevel === undefined ? 'default' : String(serverLevel),
              { cpu: config.serverCpu },
            ),
          );
        }
        for (const size of config.sizes) {
          for (const connections of config.connections) {
            const shift = round % config.pairs.length;
            const order = [...config.pairs.slice(shift), ...config.pairs.slice(0, shift)];
            for (const pair of order) {
              const clientLevel = pair.client === 'ws' ? level.ws : level.wirekit;
              const server = servers.get(serverKey(pair.server))!;
              const result = await runClient(config, pair, server, clientLevel, size, connections);
              row(pair, level, size, connections).runs.push(result);
              log(
                `round ${round + 1}/${config.rounds} level ${level.label} ${size} B × ${connections}: ${pair.label} ${Math.round(result.rate)} msg/s, p50 ${result.p50Us.toFixed(0)} µs, server ${result.serverCpuUs.toFixed(1)} µs/msg, other load ${(100 * contention(result)).toFixed(0)} %`,
              );
            }
          }
        }
      } finally {
        for (const server of servers.values()) await server.child.stop();
      }
    }
  }
  return [...rows.values()];
}
