/**
 * `wirekit serve --broadcast --redis URL` against a real redis-server: two separate serve
 * processes (one of them with two workers) on different ports share one broadcast, so a
 * message sent to either reaches every connection of both, once. Everything runs on
 * 127.0.0.1 and is stopped by the test.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { connect } from '../../src/node/connect.js';
import { startServe, stopAllCli } from '../cli/cli-process.js';
import { until } from '../node/helpers.js';
import { RedisServer } from './redis-server.js';

let redis: RedisServer | undefined;
after(async () => {
  await stopAllCli();
  await redis?.stop();
});

test('serve --broadcast --redis: two servers, one broadcast', async () => {
  redis = await RedisServer.start();
  const one = await startServe('--broadcast', '--redis', redis.url);
  const two = await startServe('--broadcast', '--redis', redis.url, '--workers', '2');
  assert.match(one.server.stdout, /through Redis/);
  const texts: string[][] = [];
  const open = async (url: string) => {
    const mine: string[] = [];
    texts.push(mine);
    return connect(url, {
      handler: {
        message(_ws, data) {
          mine.push(data.toString());
        },
      },
    });
  };
  const peers = [
    await open(one.url),
    await open(one.url),
    await open(two.url),
    await open(two.url),
  ];
  // A subscription reaches Redis a round trip after the connection opens: probe until a
  // message from each server reaches a peer on the other.
  let probe = 0;
  await until(() => {
    probe++;
    peers[0]!.send(`probe-a${probe}`);
    peers[2]!.send(`probe-b${probe}`);
    return (
      texts[3]!.some((t) => t.startsWith('probe-a')) &&
      texts[1]!.some((t) => t.startsWith('probe-b'))
    );
  }, 'the subscriptions in Redis');
  for (let i = 0; i < 20; i++) peers[i % 4]!.send(`m${i}`);
  const expected = Array.from({ length: 20 }, (_, i) => `m${i}`).sort();
  const messages = (t: readonly string[]): string[] => t.filter((m) => m.startsWith('m'));
  await until(() => texts.every((t) => messages(t).length === 20), 'every message at every peer');
  for (const t of texts) assert.deepEqual(messages(t).sort(), expected);
  for (const ws of peers) ws.terminate();
});
