/**
 * The bounded soak of `npm test` (issue 15): about 100 connections over TCP, TLS and HTTP/2,
 * sequence-numbered messages both ways while peers vanish mid-frame, reset, stop reading, send
 * garbage or invalid frames, and groups are cut off and reconnect at once (test/soak/
 * soak-cases.ts has the oracles). The seed is fixed so a failure repeats; `npm run soak` runs
 * 1,000 connections with a fresh seed. Outcomes are asserted, never durations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSoak } from './soak-run.js';

const CONNECTIONS = 100;
/** Heap growth allowed from the first round to the last after a full GC: far less than the
 * connections of a round would leave behind if each kept even a few KiB. */
const HEAP_SLACK = 4 * 1024 * 1024;

test(`soak under faults: ${CONNECTIONS} connections over tcp, tls and h2; no message lost in a clean close, every failure reported, nothing left behind`, {
  timeout: 120_000,
}, async (t) => {
  const report = await runSoak({
    connections: CONNECTIONS,
    concurrency: 25,
    rounds: 3,
    seed: 15,
    deadlineMs: 20_000,
  });
  for (const [fault, tally] of Object.entries(report.byFault))
    t.diagnostic(
      `${fault}: ${tally.cases} cases, ${tally.connections} connections, ${tally.sent} messages checked, codes ${JSON.stringify(tally.codes)}`,
    );
  t.diagnostic(`heap after each round (bytes): ${report.heap.join(', ')}`);
  assert.deepEqual(report.problems, [], 'every oracle held');
  assert.equal(report.lost, 0, 'no message sent before a clean close was lost');
  assert.ok(report.connections >= CONNECTIONS);
  assert.equal(report.delivered > 0, true, 'messages were exchanged');
  for (const fault of [
    'clean',
    'vanish',
    'reset',
    'stop-reading',
    'garbage',
    'invalid-frame',
    'storm',
  ])
    assert.ok((report.byFault[fault]?.cases ?? 0) > 0, `the plan injected ${fault}`);
  for (const transport of ['tcp', 'tls', 'h2'])
    assert.ok((report.byTransport[transport]?.cases ?? 0) > 0, `cases ran over ${transport}`);
  assert.equal(report.openAfter, 0, 'no server connection left open');
  assert.deepEqual(
    report.leftBehind,
    [],
    'sockets, timers, TLS/HTTP/2 handles or listeners left behind',
  );
  const growth = report.heap.at(-1)! - report.heap[1]!;
  assert.ok(growth <= HEAP_SLACK, `heap grew ${growth} bytes from the first round to the last`);
});
