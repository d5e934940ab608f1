/**
 * Where a server's per-connection heap goes: runs one memory-benchmark server in this process
 * (`--server wirekit|net|ws`, `--deflate MODE`), opens N idle connections from the raw client
 * (another process), then sends one message each way, and prints what each stage added to the
 * heap per connection, by constructor, from heap snapshots. Run with `--expose-gc`.
 *
 * Run: `node --expose-gc dist/bench/memory/heap-profile.js --server wirekit --connections 2000`
 */
import { parseArgs } from 'node:util';
import { BenchProcess, killOnExit } from './bench-process.js';
import { censusGrowth, type HeapCensus, heapCensus } from './heap-census.js';
import type { ProbeReady } from './memory-probe.js';

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'wirekit' },
    deflate: { type: 'string', default: 'off' },
    connections: { type: 'string', default: '2000' },
  },
});
const n = Number(values.connections);
killOnExit();

// The server script reads `--deflate` from argv and prints its ready line on stdout: capture it.
process.argv = [process.argv[0]!, process.argv[1]!, '--deflate', values.deflate];
process.env['MEMORY_PROBE_IN_PROCESS'] = '1';
const ready = new Promise<ProbeReady>((resolve) => {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((text: string) => {
    if (text.startsWith('{"event":"ready"')) resolve(JSON.parse(text) as ProbeReady);
    else write(text);
    return true;
  }) as typeof process.stdout.write;
});
const scripts = {
  wirekit: './wirekit-server.js',
  net: './net-floor-server.js',
  ws: './ws-server.js',
};
const script = scripts[values.server as keyof typeof scripts];
if (script === undefined) throw new RangeError('--server wirekit|net|ws');
await import(script);
const { port } = await ready;

async function settled(): Promise<HeapCensus> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return heapCensus();
}

function print(title: string, before: HeapCensus, after: HeapCensus): void {
  const rows = censusGrowth(before, after, n);
  const total = rows.reduce((sum, row) => sum + row.bytes, 0);
  process.stderr.write(`\n${title}: ${total.toFixed(0)} B of heap per connection\n`);
  for (const row of rows.slice(0, 40))
    process.stderr.write(
      `${row.bytes.toFixed(1).padStart(8)} B ${row.count.toFixed(2).padStart(6)} × ${row.kind}\n`,
    );
}

const baseline = await settled();
const protocol = values.server === 'net' ? 'tcp' : 'ws';
const client = BenchProcess.start(
  [
    process.execPath,
    new URL('./raw-client.js', import.meta.url).pathname,
    '--port',
    String(port),
    '--connections',
    String(n),
    '--protocol',
    protocol,
  ],
  20_000,
);
try {
  await client.nextLine((line) => line['event'] === 'open', 300_000);
  const idle = await settled();
  print('idle connections', baseline, idle);
  client.send('message');
  await client.nextLine((line) => line['event'] === 'exchanged', 300_000);
  const message = await settled();
  print('after one message each way (vs idle)', idle, message);
} finally {
  await client.stop();
}
process.exit(0);
