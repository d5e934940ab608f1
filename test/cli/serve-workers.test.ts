/**
 * `wirekit serve --broadcast --workers 2`: connections spread over two worker processes on one
 * port, a broadcast from any of them reaches every connection of every worker (the sender
 * included), and a worker killed with SIGKILL is replaced while the other keeps serving.
 * Everything runs on 127.0.0.1 and every process is stopped by the test.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import type { Connection } from '../../src/node/connection.js';
import { until } from '../node/helpers.js';
import { startServe, stopAllCli } from './cli-process.js';

after(stopAllCli);

/** The pids of `pid`'s children (its workers). */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text === '' ? [] : text.split(/\s+/).map(Number);
}

interface Peer {
  readonly ws: Connection<undefined>;
  readonly texts: string[];
}

async function peers(url: string, count: number): Promise<Peer[]> {
  const out: Peer[] = [];
  for (let i = 0; i < count; i++) {
    const texts: string[] = [];
    const ws = await connect(url, {
      handler: {
        message(_ws, data) {
          texts.push(data.toString());
        },
      },
    });
    out.push({ ws, texts });
  }
  return out;
}

/** Every peer sends one message; every peer must get all of them. */
async function broadcastRound(all: readonly Peer[], tag: string): Promise<void> {
  for (const [i, peer] of all.entries()) peer.ws.send(`${tag}${i}`);
  const expected = all.map((_, i) => `${tag}${i}`).sort();
  await until(
    () => all.every((p) => p.texts.filter((t) => t.startsWith(tag)).length === all.length),
    `round ${tag} everywhere`,
  );
  for (const peer of all)
    assert.deepEqual(peer.texts.filter((t) => t.startsWith(tag)).sort(), expected);
}

test('serve --broadcast --workers 2: one port, every worker, a crashed worker replaced', async () => {
  const { server, url } = await startServe('--broadcast', '--workers', '2');
  assert.match(server.stdout, /broadcast; 2 workers/);
  const primary = server.child.pid!;
  await until(() => childrenOf(primary).length === 2, 'two workers');
  const first = await peers(url, 6);
  // Connections are spread round-robin: both workers log opens.
  await server.waitFor('stderr', /opened \(3 open\)[\s\S]*opened \(3 open\)/);
  await broadcastRound(first, 'a');

  const [victim] = childrenOf(primary);
  process.kill(victim!, 'SIGKILL');
  await server.waitFor('stderr', new RegExp(`pid ${victim}\\) exited \\(SIGKILL\\); replacing it`));
  await until(
    () => childrenOf(primary).length === 2 && !childrenOf(primary).includes(victim!),
    'the replacement worker',
  );
  const survivors = first.filter((p) => p.ws.readyState === 1);
  assert.ok(
    survivors.length >= 1 && survivors.length < first.length,
    'the other worker kept its connections',
  );
  const second = await peers(url, 4);
  await broadcastRound([...survivors, ...second], 'b');
  for (const p of [...first, ...second]) p.ws.terminate();
});
