/**
 * Profile one benchmark server under one load and print where its time goes: self time per
 * function and per area (wirekit adapter, wirekit core, Node streams, events, net, GC), from
 * `node --cpu-prof`. Used to explain where wirekit loses.
 *
 * Run:
 * ```sh
 * node dist/bench/e2e/profile.js --server wirekit --mode echo --connections 100 --payload 512
 * node dist/bench/e2e/profile.js --server net --mode echo          # the floor, for comparison
 * node dist/bench/e2e/profile.js --server wirekit --mode phases    # 100k × "Hello, World!"
 * ```
 * `--interval-us` sets the sampling interval (default 100), `--top` the rows (default 25),
 * `--keep DIR` keeps the `.cpuprofile` (open it in Chrome DevTools).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { killChildrenOnExit } from './runner/child-processes.js';
import { runClient } from './runner/client-process.js';
import { type CpuProfile, summarizeCpuProfile } from './runner/cpu-profile-summary.js';
import { inSnapshot, repositoryRoot, rerunInSnapshot } from './runner/dist-snapshot.js';
import { hasCommand } from './runner/machine-info.js';
import { fixed, markdownTable } from './runner/markdown-table.js';
import { ServerProcess } from './runner/server-process.js';
import { NET_LABEL, SERVERS, UWS_LABEL, WIREKIT_LABEL, WS_LABEL } from './runner/server-specs.js';

if (!inSnapshot()) process.exit(await rerunInSnapshot(repositoryRoot(), 'bench/e2e/profile.js'));
killChildrenOnExit();

const { values } = parseArgs({
  options: {
    server: { type: 'string', default: 'wirekit' },
    mode: { type: 'string', default: 'echo' },
    connections: { type: 'string', default: '100' },
    payload: { type: 'string', default: '512' },
    subscribers: { type: 'string', default: '100' },
    messages: { type: 'string', default: '100000' },
    'warmup-ms': { type: 'string', default: '1000' },
    'duration-ms': { type: 'string', default: '5000' },
    'interval-us': { type: 'string', default: '100' },
    top: { type: 'string', default: '25' },
    keep: { type: 'string' },
  },
});

const labels: Record<string, string> = {
  wirekit: WIREKIT_LABEL,
  ws: WS_LABEL,
  uws: UWS_LABEL,
  net: NET_LABEL,
  'wirekit-rb': 'wirekit (readBuffer)',
};
const spec = SERVERS.find((s) => s.label === labels[values.server]);
if (spec === undefined)
  throw new Error(`--server must be one of ${Object.keys(labels).join(', ')}`);
const pin = hasCommand('taskset');
const dir = values.keep ?? mkdtempSync(join(tmpdir(), 'wirekit-profile-'));
const spawnedAt = performance.now();
const server = await ServerProcess.start(spec, {
  cpu: pin ? 0 : undefined,
  nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-interval=${values['interval-us']}`],
});
let result: unknown;
// Count only samples of the measured window (not start-up, connection set-up or warm-up);
// the phases mode has no window, so everything after start-up counts.
let window = { fromMs: 0, toMs: Number.POSITIVE_INFINITY };
try {
  const common = ['--port', String(server.port), '--pid', String(server.pid)];
  const timing = ['--warmup-ms', values['warmup-ms'], '--duration-ms', values['duration-ms']];
  const args =
    values.mode === 'phases'
      ? ['--mode', 'phases', ...common, '--messages', values.messages, '--runs', '3']
      : values.mode === 'broadcast'
        ? [
            '--mode',
            'broadcast',
            ...common,
            '--subscribers',
            values.subscribers,
            '--payload',
            '32',
            ...timing,
          ]
        : [
            '--mode',
            'echo',
            ...common,
            '--connections',
            values.connections,
            '--payload',
            values.payload,
            ...timing,
          ];
  if (!spec.websocket) args.push('--tcp');
  const loadAt = performance.now() - spawnedAt;
  window =
    values.mode === 'phases'
      ? { fromMs: loadAt, toMs: Number.POSITIVE_INFINITY }
      : {
          fromMs: loadAt + Number(values['warmup-ms']) + 500,
          toMs: loadAt + Number(values['warmup-ms']) + Number(values['duration-ms']),
        };
  result = await runClient(args, { cpu: pin ? 1 : undefined, timeoutMs: 300_000 });
} finally {
  await server.stop();
}
const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
const summary = summarizeCpuProfile(profile, window);
if (values.keep === undefined) rmSync(dir, { recursive: true, force: true });

const top = Number(values.top);
const out = [
  `Profile of ${spec.label} under ${values.mode} (${JSON.stringify(values)}).`,
  `Busy ${fixed(summary.busyMs, 0)} ms, idle ${fixed(summary.idleMs, 0)} ms; shares are of busy time in the measured window (from ${fixed(window.fromMs, 0)} ms after spawn).`,
  `Load result: ${JSON.stringify(result)}`,
  '',
  markdownTable(
    ['area', 'self ms', 'self %'],
    summary.areas.slice(0, 14).map((a) => [a.area, fixed(a.selfMs, 0), fixed(a.selfPercent, 1)]),
  ),
  '',
  markdownTable(
    ['function', 'where', 'area', 'self %'],
    summary.functions.slice(0, top).map((f) => [f.name, f.where, f.area, fixed(f.selfPercent, 1)]),
  ),
];
process.stdout.write(`${out.join('\n')}\n`);
