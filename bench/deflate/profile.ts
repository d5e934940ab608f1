/**
 * Profile one compression echo server under load (`node --cpu-prof`) and print where its time
 * goes: self time per function and per area (wirekit adapter, core, zlib, Node internals, GC).
 * Used to explain where wirekit loses against ws.
 *
 * Run:
 * ```sh
 * node dist/bench/deflate/profile.js --server wirekit --mode dedicated --level 1 --size 1024
 * node dist/bench/deflate/profile.js --server ws --level 1 --size 16384 --connections 100
 * ```
 * Options: `--client wirekit|ws` (default: the server's library), `--seconds S` (default 5),
 * `--top N` rows (default 25), `--keep DIR` to keep the `.cpuprofile`.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type CpuProfile, summarizeCpuProfile } from '../e2e/runner/cpu-profile-summary.js';
import { fixed, markdownTable } from '../e2e/runner/markdown-table.js';
import type { EchoResult } from './echo-client.js';
import { killChildrenOnExit, NodeChild } from './node-child.js';
import type { ServerMode } from './server-control.js';
import { startServer } from './throughput-section.js';

killChildrenOnExit();

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'wirekit' },
    client: { type: 'string' },
    mode: { type: 'string', default: 'dedicated' },
    level: { type: 'string', default: '1' },
    size: { type: 'string', default: '1024' },
    connections: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '5' },
    top: { type: 'string', default: '25' },
    keep: { type: 'string' },
  },
});
const library = values.server === 'ws' ? 'ws' : 'wirekit';
const client = values.client ?? library;
const directory = mkdtempSync(join(tmpdir(), 'wirekit-deflate-prof-'));
try {
  const server = await startServer(
    { library, mode: values.mode as ServerMode },
    library === 'ws' && values.level === '6' ? 'default' : values.level,
    { cpu: 0, nodeArgs: ['--cpu-prof', '--cpu-prof-dir', directory, '--cpu-prof-interval', '100'] },
  );
  const load = NodeChild.start(
    new URL('./echo-client.js', import.meta.url).pathname,
    [
      ...['--library', client, '--url', `ws://127.0.0.1:${server.port}`],
      ...['--connections', values.connections, '--size', values.size],
      ...['--level', client === 'ws' && values.level === '6' ? 'default' : values.level],
      ...['--warmup-ms', '500', '--duration-ms', String(Number(values.seconds) * 1000)],
      ...['--server-pid', String(server.child.pid)],
    ],
    { cpu: 1 },
  );
  const result = (await load.nextLine(
    (line) => typeof line['rate'] === 'number',
    Number(values.seconds) * 1000 + 60_000,
  )) as unknown as EchoResult;
  await load.stop();
  await server.child.stop();
  const file = readdirSync(directory).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`no profile written: ${server.child.stderr}`);
  if (values.keep !== undefined) cpSync(join(directory, file), join(values.keep, file));
  const profile = JSON.parse(readFileSync(join(directory, file), 'utf8')) as CpuProfile;
  const summary = summarizeCpuProfile(profile);
  const top = Number(values.top);
  process.stdout.write(
    [
      `${library} server (${values.mode}, level ${values.level}), ${client} client, ${values.size} B × ${values.connections}: ${Math.round(result.rate)} msg/s, server ${result.serverCpuUs.toFixed(1)} µs/msg, busy ${fixed(summary.busyMs, 0)} ms, idle ${fixed(summary.idleMs, 0)} ms`,
      '',
      markdownTable(
        ['area', 'self ms', '% of busy'],
        summary.areas.map((a) => [a.area, fixed(a.selfMs, 0), fixed(a.selfPercent, 1)]),
      ),
      '',
      markdownTable(
        ['function', 'where', 'self ms', '% of busy'],
        summary.functions
          .slice(0, top)
          .map((f) => [f.name, f.where, fixed(f.selfMs, 0), fixed(f.selfPercent, 1)]),
      ),
      '',
    ].join('\n'),
  );
} finally {
  rmSync(directory, { recursive: true, force: true });
}
process.exit(0);
