/**
 * The HTTP/2 benchmark's load client: runs one windowed echo (see `client/windowed-echo.ts`)
 * over HTTP/1.1 TLS or HTTP/2 and prints its result as one JSON line on stdout. The runner
 * starts it pinned to its own core, in a process apart from the server.
 *
 * Run:
 * ```sh
 * node dist/bench/http2/load-client.js --transport h2 --port 9001 --pid 1234 --ca cert.pem \
 *   --websockets 100 --sessions 1 --window 1 --payload 512
 * ```
 * `--initial-window N` and `--session-window N` set the client's HTTP/2 receive windows;
 * `--deadline-ms` bounds the run.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Transport } from './client/frame-channel.js';
import { runWindowedEcho } from './client/windowed-echo.js';

const { values } = parseArgs({
  options: {
    transport: { type: 'string' },
    port: { type: 'string' },
    pid: { type: 'string' },
    ca: { type: 'string' },
    websockets: { type: 'string', default: '1' },
    sessions: { type: 'string', default: '1' },
    window: { type: 'string', default: '1' },
    payload: { type: 'string', default: '512' },
    'initial-window': { type: 'string' },
    'session-window': { type: 'string' },
    'warmup-ms': { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '4000' },
    'deadline-ms': { type: 'string', default: '120000' },
  },
});

function integer(name: keyof typeof values, min = 0): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`bad --${name}`);
  return value;
}

function optionalInteger(name: 'initial-window' | 'session-window'): number | undefined {
  return values[name] === undefined ? undefined : integer(name, 1);
}

const transport = values.transport;
if (transport !== Transport.HTTP1_TLS && transport !== Transport.HTTP2_TLS)
  throw new Error('--transport must be h1 or h2');
if (values.ca === undefined) throw new Error('--ca FILE is required');

const deadline = setTimeout(() => {
  process.stderr.write(`http2 load client: no result within ${values['deadline-ms']} ms\n`);
  process.exit(3);
}, integer('deadline-ms'));
deadline.unref();

const result = await runWindowedEcho({
  transport,
  port: integer('port', 1),
  serverPid: integer('pid', 1),
  ca: readFileSync(values.ca, 'utf8'),
  websockets: integer('websockets', 1),
  sessions: integer('sessions', 1),
  window: integer('window', 1),
  payloadBytes: integer('payload'),
  warmupMs: integer('warmup-ms'),
  durationMs: integer('duration-ms', 1),
  initialWindowSize: optionalInteger('initial-window'),
  sessionWindowSize: optionalInteger('session-window'),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
