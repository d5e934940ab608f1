/**
 * The client process of the `wss://` section: connect with a client library (wirekit, ws, or
 * Bun's WebSocket when run by bun) to an echo server, trusting only the CA file given (the
 * run's self-signed certificate), run a tenth of the round trips untimed, then the timed ones,
 * and print one JSON line.
 *
 * Run (the runner does, pinned to the client core):
 * ```sh
 * node dist/bench/e2e/round-trip-client.js --library ws --port 9001 --pid 1234 --ca cert.pem
 * ```
 * Without `--ca` it connects with `ws://`.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { libraryOf, openLibraryClient } from './client/library-client.js';
import { runLibraryRoundTrips } from './client/library-round-trips.js';

const { values } = parseArgs({
  options: {
    library: { type: 'string' },
    port: { type: 'string' },
    pid: { type: 'string' },
    ca: { type: 'string' },
    messages: { type: 'string', default: '100000' },
    payload: { type: 'string', default: '77' },
    'deadline-ms': { type: 'string', default: '300000' },
  },
});

function integer(name: 'port' | 'pid' | 'messages' | 'payload' | 'deadline-ms'): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`bad --${name}`);
  return value;
}

const deadline = setTimeout(() => {
  process.stderr.write(`round-trip client: no result within ${values['deadline-ms']} ms\n`);
  process.exit(3);
}, integer('deadline-ms'));
deadline.unref();

const library = libraryOf(values.library);
const ca = values.ca === undefined ? undefined : readFileSync(values.ca, 'utf8');
const url = `${ca === undefined ? 'ws' : 'wss'}://127.0.0.1:${integer('port')}/echo`;
const messages = integer('messages');
const payloadBytes = integer('payload');
const serverPid = integer('pid');

const client = await openLibraryClient(library, url, ca);
await runLibraryRoundTrips(client, {
  messages: Math.max(1, Math.floor(messages / 10)),
  payloadBytes,
  serverPid,
});
const result = await runLibraryRoundTrips(client, { messages, payloadBytes, serverPid });
client.close();
process.stdout.write(`${JSON.stringify({ library, url, ...result })}\n`, () => process.exit(0));
