/** `wirekit serve --broadcast`: a message from one `wirekit connect` reaches every client. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startCli, startServe, stopAllCli } from './cli-process.js';

after(stopAllCli);

test('serve --broadcast relays each message to every connection, the sender included', async () => {
  const { server, url } = await startServe('--broadcast');
  assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  const alice = startCli('connect', url, '--wait', '0');
  const bob = startCli('connect', url, '--wait', '0');
  await Promise.all([alice.waitFor('stderr', /^connected/), bob.waitFor('stderr', /^connected/)]);
  // The server has both connections once it logged the second open.
  await server.waitFor('stderr', /opened \(2 open\)/);

  bob.write('hi from bob\n');
  await Promise.all([
    alice.waitFor('stdout', /^hi from bob\n$/),
    bob.waitFor('stdout', /^hi from bob\n$/),
  ]);
  alice.write('hi from alice\n');
  await Promise.all([
    alice.waitFor('stdout', /^hi from bob\nhi from alice\n$/),
    bob.waitFor('stdout', /^hi from bob\nhi from alice\n$/),
  ]);

  alice.end();
  bob.end();
  assert.deepEqual(await alice.exit(), { code: 0, signal: null });
  assert.deepEqual(await bob.exit(), { code: 0, signal: null });
  assert.equal(alice.stdout, 'hi from bob\nhi from alice\n');
  assert.equal(bob.stdout, 'hi from bob\nhi from alice\n');
  await server.waitFor('stderr', /closed 1000 \(0 open\)/);
});
