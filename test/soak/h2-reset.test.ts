/**
 * Regression: a wirekit client over HTTP/2 whose server's TCP connection is reset while the
 * client is writing. Node's HTTP/2 session can then stop polling its socket for good (a write
 * of it never completes), and the session's `close()`, even `destroy()`, left the socket and its
 * TLS state alive forever. The case (the soak's, seed 13) must report the loss as 1006 (found by
 * the session watch, not the heartbeat) and release every socket, TLS wrap and HTTP/2 session.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startRawServers } from './raw-server.js';
import { runCase } from './soak-cases.js';
import { soakCensus, soakLeftBehind } from './soak-census.js';
import { startSoakServers } from './soak-servers.js';

test('h2: a server reset while the client writes is reported, and the session and its socket are released', {
  timeout: 60_000,
}, async () => {
  const before = soakCensus();
  const servers = await startSoakServers();
  const raw = await startRawServers();
  let results: Awaited<ReturnType<typeof runCase>>[] = [];
  try {
    results = await Promise.all(
      [0, 1, 2].map((id) =>
        runCase(
          { id, transport: 'h2', fault: 'reset', faultySide: 'server', messages: 10, seed: 13 },
          { servers, raw, deadlineMs: 20_000 },
        ),
      ),
    );
  } finally {
    await servers.close();
    await raw.close();
  }
  assert.deepEqual(
    results.flatMap((result) => result.problems),
    [],
  );
  for (const result of results)
    assert.deepEqual(
      result.codes,
      [1006],
      'the client reported the loss of its transport (1006), not a heartbeat timeout (1001)',
    );
  assert.deepEqual(await soakLeftBehind(before), [], 'sockets, TLS wraps or HTTP/2 sessions left');
});
