/**
 * One same-process run: start a benchmark server in this process (by importing its script),
 * connect to it with a client library from this process, run the 100,000 × "Hello, World!"
 * phases once at a tenth of the size (warm-up, untimed) and once timed, print the times as one
 * JSON line and exit. Server and client share one event loop and one core, as in the
 * "web-socket-benchmark" setups where both sides are the library under test.
 *
 * Run (the runner does, pinned to one core; see runner/same-process-pairs.ts for the pairs):
 * ```sh
 * node dist/bench/e2e/same-process.js --pair wirekit --messages 100000
 * node_modules/bun/bin/bun.exe dist/bench/e2e/same-process.js --pair bun --messages 100000
 * ```
 */
import { parseArgs } from 'node:util';
import { openLibraryClient } from './client/library-client.js';
import { runLibraryPhases } from './client/library-phases.js';
import { pairById } from './runner/same-process-pairs.js';
import { whenReady } from './servers/server-report.js';

const { values } = parseArgs({
  options: {
    pair: { type: 'string' },
    messages: { type: 'string', default: '100000' },
    'deadline-ms': { type: 'string', default: '300000' },
  },
});

const pair = pairById(values.pair);
const messages = Number(values.messages);
if (!Number.isSafeInteger(messages) || messages < 1) throw new RangeError('bad --messages');

const deadline = setTimeout(() => {
  process.stderr.write(`same-process ${pair.id}: no result within ${values['deadline-ms']} ms\n`);
  process.exit(3);
}, Number(values['deadline-ms']));
deadline.unref();

// The server reads its environment when its module loads.
for (const [name, value] of Object.entries(pair.env)) process.env[name] = value;
await import(`./servers/${pair.server}`);
const { port } = await whenReady();

async function run(n: number): ReturnType<typeof runLibraryPhases> {
  const client = await openLibraryClient(pair.client, `ws://127.0.0.1:${port}/phases?n=${n}`);
  try {
    return await runLibraryPhases(client, n);
  } finally {
    client.close();
  }
}

await run(Math.max(1, Math.floor(messages / 10)));
const times = await run(messages);
// The server keeps the event loop alive: exit once the line is out.
process.stdout.write(`${JSON.stringify({ pair: pair.id, messages, ...times })}\n`, () =>
  process.exit(0),
);
