/**
 * The one load client used against every server: bare `net` sockets, pre-encoded masked
 * frames, a minimal frame scanner (see `client/`). Runs one benchmark and prints its result as
 * one JSON line on stdout. The runner (`run.ts`) starts it pinned to its own core.
 *
 * Run:
 * ```sh
 * node dist/bench/e2e/load-client.js --mode phases --port 9001 --messages 100000 --runs 5
 * node dist/bench/e2e/load-client.js --mode echo --port 9001 --pid 1234 --connections 100 --payload 512
 * node dist/bench/e2e/load-client.js --mode broadcast --port 9001 --pid 1234 --subscribers 100
 * ```
 * `--tcp` talks to the raw TCP echo server (no handshake). `--deadline-ms` bounds the run.
 */
import { parseArgs } from 'node:util';
import { runBroadcast } from './client/broadcast-benchmark.js';
import { runEchoLoad } from './client/echo-load-benchmark.js';
import { type PhaseTimes, runPhases } from './client/phases-benchmark.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string' },
    port: { type: 'string' },
    pid: { type: 'string', default: '0' },
    tcp: { type: 'boolean', default: false },
    messages: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    connections: { type: 'string', default: '100' },
    payload: { type: 'string', default: '512' },
    subscribers: { type: 'string', default: '100' },
    burst: { type: 'string', default: '16' },
    'in-flight': { type: 'string', default: '256' },
    'warmup-ms': { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '5000' },
    'deadline-ms': { type: 'string', default: '120000' },
  },
});

function integer(name: keyof typeof values): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`bad --${name}`);
  return value;
}

const deadline = setTimeout(() => {
  process.stderr.write(`load client: no result within ${values['deadline-ms']} ms\n`);
  process.exit(3);
}, integer('deadline-ms'));
deadline.unref();

const port = integer('port');
const serverPid = integer('pid');
const websocket = !values.tcp;

async function main(): Promise<unknown> {
  switch (values.mode) {
    case 'phases': {
      const messages = integer('messages');
      // One untimed run at a tenth of the size warms both JITs and the connection path.
      await runPhases({
        port,
        messages: Math.max(1, Math.floor(messages / 10)),
        websocket,
        serverPid,
      });
      const runs: PhaseTimes[] = [];
      for (let i = 0; i < integer('runs'); i++) {
        runs.push(await runPhases({ port, messages, websocket, serverPid }));
      }
      return { mode: 'phases', messages, runs };
    }
    case 'echo':
      return {
        mode: 'echo',
        ...(await runEchoLoad({
          port,
          serverPid,
          websocket,
          connections: integer('connections'),
          payloadBytes: integer('payload'),
          warmupMs: integer('warmup-ms'),
          durationMs: integer('duration-ms'),
        })),
      };
    case 'broadcast':
      return {
        mode: 'broadcast',
        ...(await runBroadcast({
          port,
          serverPid,
          subscribers: integer('subscribers'),
          payloadBytes: integer('payload'),
          burst: integer('burst'),
          inFlight: integer('in-flight'),
          warmupMs: integer('warmup-ms'),
          durationMs: integer('duration-ms'),
        })),
      };
    default:
      throw new Error('--mode must be phases, echo or broadcast');
  }
}

const result = await main();
process.stdout.write(`${JSON.stringify(result)}\n`);
