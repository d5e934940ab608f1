/**
 * The `wss://` section: sequential round trips of a 77-byte text message over TLS with a
 * pinned CA (a self-signed certificate made for the run, the clients' only trusted CA), server
 * and client in two processes pinned to their own cores. Each pair is a server with the client
 * library that goes with it (uWebSockets.js has none: ws is its client). One client process
 * per pair per round, rounds alternating across pairs; medians.
 *
 * @example
 * ```ts
 * const rows = await runWssSection(config, specs, workDir);
 * console.log(wssTable(rows));
 * ```
 */

import { Library } from '../client/library-client.js';
import type { RoundTripResult } from '../client/library-round-trips.js';
import { runJsonProcess } from './json-process.js';
import { fixed, markdownTable, times } from './markdown-table.js';
import type { RunConfig } from './run-config.js';
import { type Runtime, runtimeCommand } from './runtime-command.js';
import { selfSignedCert } from './self-signed-cert.js';
import type { ServerSpec } from './server-process.js';
import {
  BUN_LABEL,
  UWS_LABEL,
  WIREKIT_LABEL,
  WIREKIT_URING_LABEL,
  WS_LABEL,
} from './server-specs.js';
import { median } from './stats.js';
import { withServers } from './with-servers.js';

interface WssPair {
  readonly id: string;
  readonly label: string;
  readonly serverLabel: string;
  readonly client: Library;
  readonly runtime: Runtime;
}

const PAIRS: readonly WssPair[] = [
  {
    id: 'wirekit',
    label: 'wirekit server + wirekit client',
    serverLabel: WIREKIT_LABEL,
    client: Library.WIREKIT,
    runtime: 'node',
  },
  {
    id: 'wirekit-uring',
    label: 'wirekit serveUring() (io_uring) + wirekit client',
    serverLabel: WIREKIT_URING_LABEL,
    client: Library.WIREKIT,
    runtime: 'node',
  },
  {
    id: 'bun',
    label: 'Bun server + Bun client',
    serverLabel: BUN_LABEL,
    client: Library.BUN,
    runtime: 'bun',
  },
  {
    id: 'uws',
    label: 'uWebSockets.js server + ws client',
    serverLabel: UWS_LABEL,
    client: Library.WS,
    runtime: 'node',
  },
  {
    id: 'ws',
    label: 'ws server + ws client',
    serverLabel: WS_LABEL,
    client: Library.WS,
    runtime: 'node',
  },
];

/** Medians of one pair. */
export interface WssRow {
  readonly id: string;
  readonly label: string;
  readonly ms: number;
  readonly usPerRoundTrip: number;
  readonly serverCpuUsPerMessage: number;
  readonly clientCpuUsPerMessage: number;
  readonly runs: readonly RoundTripResult[];
}

const script = new URL('../round-trip-client.js', import.meta.url).pathname;

/** Run every pair whose server is among `specs`; the certificate goes into `dir`. */
export async function runWssSection(
  config: RunConfig,
  all: readonly ServerSpec[],
  dir: string,
): Promise<WssRow[]> {
  const { messages, payloadBytes, runs } = config.wss;
  const cert = selfSignedCert(dir);
  const pairs = PAIRS.flatMap((pair) => {
    const spec = all.find((s) => s.label === pair.serverLabel);
    return spec === undefined ? [] : [{ pair, spec }];
  });
  const env = { BENCH_TLS_KEY: cert.keyPath, BENCH_TLS_CERT: cert.certPath };
  const specs = pairs.map((p) => p.spec);
  return withServers(specs, { cpu: config.serverCpu, env }, async (servers) => {
    const results = pairs.map(() => [] as RoundTripResult[]);
    for (let round = 0; round < runs; round++) {
      for (const [i, { pair }] of pairs.entries()) {
        const server = servers[i]!;
        const command = runtimeCommand(pair.runtime, script);
        command.push('--library', pair.client, '--ca', cert.certPath);
        command.push('--port', String(server.port), '--pid', String(server.pid));
        command.push('--messages', String(messages), '--payload', String(payloadBytes));
        const result = (await runJsonProcess(command, {
          label: `wss client ${pair.id}`,
          cpu: config.clientCpu,
          timeoutMs: 300_000,
        })) as RoundTripResult;
        results[i]!.push(result);
        process.stderr.write(
          `  wss ${pair.label}: ${fixed(result.ms, 0)} ms, ${fixed(result.usPerRoundTrip, 1)} µs/round trip\n`,
        );
      }
    }
    return pairs.map(({ pair }, i) => {
      const list = results[i]!;
      return {
        id: pair.id,
        label: pair.label,
        ms: median(list.map((r) => r.ms)),
        usPerRoundTrip: median(list.map((r) => r.usPerRoundTrip)),
        serverCpuUsPerMessage: median(list.map((r) => r.serverCpuUsPerMessage)),
        clientCpuUsPerMessage: median(list.map((r) => r.clientCpuUsPerMessage)),
        runs: list,
      };
    });
  });
}

/** Total time, per round trip, CPU per round trip on each side, and time ratios. */
export function wssTable(rows: readonly WssRow[]): string {
  const ms = (id: string): number => rows.find((r) => r.id === id)?.ms ?? Number.NaN;
  return markdownTable(
    [
      'server + client',
      'total ms',
      'µs/round trip',
      'server CPU µs/msg',
      'client CPU µs/msg',
      '× ws',
      '× uWS',
      '× Bun',
    ],
    rows.map((r) => [
      r.label,
      fixed(r.ms, 1),
      fixed(r.usPerRoundTrip, 1),
      fixed(r.serverCpuUsPerMessage, 1),
      fixed(r.clientCpuUsPerMessage, 1),
      times(ms('ws') / r.ms),
      times(ms('uws') / r.ms),
      times(ms('bun') / r.ms),
    ]),
  );
}
