/**
 * Load client of the compression memory benchmark, run as its own process: opens N wirekit
 * connections offering permessage-deflate (`permessage-deflate; client_max_window_bits`, the
 * same offer as ws's client and Chromium: context takeover, 15-bit windows), makes each
 * exchange a few compressed messages (so the server has inflated and compressed on every
 * connection), prints one JSON line and then holds the connections open until SIGTERM or
 * stdin closes.
 *
 * The client compresses with memLevel 1 to keep its own memory down; that changes nothing on
 * the server, whose inflate window is set by the negotiated `client_max_window_bits`.
 *
 * Run: `node dist/bench/deflate/memory-client.js --url ws://127.0.0.1:PORT --connections 1000`
 * (`--expect-declined` against a server without compression: the offer must be declined).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { type EchoPeer, openPeers } from './echo-peers.js';
import { jsonMessages } from './json-messages.js';

/** What the client prints once every connection has exchanged its messages. */
export interface MemoryClientReady {
  readonly event: 'exchanged';
  readonly connections: number;
  readonly messages: number;
  readonly extensions: string;
  readonly seconds: number;
}

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    connections: { type: 'string', default: '1000' },
    messages: { type: 'string', default: '3' },
    size: { type: 'string', default: '1024' },
    'expect-declined': { type: 'boolean', default: false },
  },
});
if (values.url === undefined) throw new RangeError('--url is required');
const url = values.url;
const connections = Number(values.connections);
const perConnection = Number(values.messages);
const size = Number(values.size);

setTimeout(() => fail('timed out'), 120_000).unref();

function fail(why: string): never {
  process.stderr.write(`memory-client: ${why}\n`);
  process.exit(1);
}

const texts = jsonMessages(size, 16);
const received = new Int32Array(connections);
let peers: EchoPeer[] = [];
let done = 0;
let allDone: () => void = () => {};

function onEcho(index: number, data: Buffer): void {
  const count = ++received[index]!;
  if (data.length !== size) fail(`echo of ${data.length} bytes, sent ${size}`);
  if (count < perConnection) peers[index]!.send(texts[(index + count) % texts.length]!);
  else if (count === perConnection && ++done === connections) allDone();
}

const started = performance.now();
const exchanged = new Promise<void>((resolve) => {
  allDone = resolve;
});
peers = await openPeers(
  { library: 'wirekit', url, level: 1, memLevel: 1 },
  connections,
  onEcho,
  200,
);
const extensions = peers[0]!.extensions;
const expectDeflate = !values['expect-declined'];
for (const peer of peers) {
  if (peer.extensions.startsWith('permessage-deflate') !== expectDeflate)
    fail(`unexpected extensions ${JSON.stringify(peer.extensions)}`);
}
// One message in flight per connection; each echo triggers the next.
for (let i = 0; i < connections; i++) peers[i]!.send(texts[i % texts.length]!);
await exchanged;
const ready: MemoryClientReady = {
  event: 'exchanged',
  connections,
  messages: connections * perConnection,
  extensions,
  seconds: (performance.now() - started) / 1000,
};
process.stdout.write(`${JSON.stringify(ready)}\n`);

// Hold the connections until told to stop.
const input = createInterface({ input: process.stdin });
input.on('close', () => process.exit(0));
process.once('SIGTERM', () => process.exit(0));
