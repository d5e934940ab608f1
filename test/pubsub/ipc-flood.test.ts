/**
 * The cluster relay's flood limit, with real processes (node:cluster, two workers; see
 * fixtures/ipc-flood-main.ts): a worker that publishes faster than the primary reads gets
 * `ERR_PUBSUB_REFUSED` once `ipc.maxPendingBytes` of its publishes wait for the channel, and
 * never queues more; the primary queues at most that much for a worker that does not read
 * (stopped with SIGSTOP), drops and counts the rest, and what it did queue arrives in order once
 * the worker runs again.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const fixture = new URL('./fixtures/ipc-flood-main.js', import.meta.url).pathname;

interface FloodReport {
  readonly limit: number;
  readonly size: number;
  readonly flooded: {
    readonly loopAccepted: number;
    readonly loopRefused: number;
    readonly codes: readonly string[];
    readonly accepted: number;
    readonly refused: number;
    readonly maxPending: number;
  };
  readonly relay: {
    readonly relayed: number;
    readonly dropped: number;
    readonly maxQueuedBytes: number;
  };
  readonly received: number;
  readonly inOrder: boolean;
}

test('a worker flooding publishes is refused past ipc.maxPendingBytes; the primary bounds what it queues for a stopped worker and drops the rest', {
  timeout: 120_000,
}, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [fixture], {
    timeout: 90_000,
    maxBuffer: 1024 * 1024,
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as FloodReport;
  const { limit, size, flooded, relay } = report;
  // The worker: one synchronous loop of 1,000 publishes holds at most `limit` bytes.
  assert.ok(flooded.loopAccepted > 0, 'publishes are accepted up to the limit');
  assert.ok(flooded.loopAccepted * size <= limit, 'never more than the limit queued');
  assert.equal(flooded.loopAccepted + flooded.loopRefused, 1000);
  assert.ok(flooded.loopRefused > 0, 'the rest of the loop is refused');
  assert.deepEqual(flooded.codes, ['ERR_PUBSUB_REFUSED']);
  assert.ok(flooded.maxPending <= limit, `the worker never queued more (${flooded.maxPending})`);
  assert.equal(flooded.accepted, 1024, 'publishing went on as the channel drained');
  // The primary: a stopped worker gets at most `limit` queued; the rest is dropped and counted.
  assert.ok(relay.maxQueuedBytes <= limit, `queued for one worker: ${relay.maxQueuedBytes}`);
  assert.ok(relay.dropped > 0, 'messages for the stopped worker were dropped');
  assert.equal(relay.relayed + relay.dropped, 1024, 'each accepted publish was relayed or dropped');
  // What was queued arrives once the worker runs again, in publish order.
  assert.equal(report.received, relay.relayed);
  assert.equal(report.inOrder, true);
});
