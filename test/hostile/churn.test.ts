/**
 * Connection churn against one server: 10,000 connect/close cycles (50 at a time) and 5,000
 * concurrent idle connections, with wirekit clients in the same process. Afterwards no socket,
 * timer or listener may be left behind: a census (`process.getActiveResourcesInfo()` plus every
 * TCP handle and timer, ref'd or not) before and after must agree, and the server must hold no
 * connection. 5,000 connections need about 10,000 file descriptors here (both ends): when the
 * limit is lower, the scenario runs in a child whose limit `ulimit -n` raised first — and fails
 * loudly if it cannot be raised. (Node raises its own soft limit to the hard one at startup, so
 * the limit checked is in effect the hard limit.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { type ChurnFigures, connectCloseCycles, idleConnections } from './churn-scenarios.js';

const CYCLES = 10_000;
const IDLE = 5_000;
const CONCURRENCY = 50;
/** Descriptors the idle scenario needs: both ends of every connection, plus headroom. */
const IDLE_FDS = 2 * IDLE + 1_000;
const RAISED_LIMIT = 20_000;
const CHILD = new URL('./churn-process.js', import.meta.url).pathname;

/** The soft limit on open files this process runs with (`ulimit -n`, via sh). */
function openFileLimit(): number {
  const answer = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  return answer === 'unlimited' ? Number.POSITIVE_INFINITY : Number(answer);
}

/**
 * Run a scenario in a child whose open-file limit was raised to {@link RAISED_LIMIT}. Fails
 * loudly (sh's `ulimit` error on stderr) when the hard limit does not allow it.
 */
function inRaisedLimitChild(scenario: 'cycles' | 'idle', count: number): ChurnFigures {
  const output = execFileSync(
    'sh',
    [
      '-c',
      `ulimit -n ${RAISED_LIMIT} && exec "$0" "$@"`,
      process.execPath,
      CHILD,
      scenario,
      String(count),
      String(CONCURRENCY),
    ],
    { encoding: 'utf8', timeout: 120_000, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(output.trim().split('\n').at(-1)!) as ChurnFigures;
}

function summary(figures: ChurnFigures): string {
  return `${figures.connections} connections in ${figures.ms} ms, peak ${figures.peakOpen} open; server closes ${JSON.stringify(figures.serverCloseCodes)}, client closes ${JSON.stringify(figures.clientCloseCodes)}`;
}

describe('connection churn leaves nothing behind', { timeout: 180_000 }, () => {
  test(`${CYCLES.toLocaleString('en')} connect/close cycles, ${CONCURRENCY} at a time: every close clean with 1000, no socket, timer or listener left (RFC 6455 §7.1.1)`, async (t) => {
    const figures = await connectCloseCycles(CYCLES, CONCURRENCY);
    t.diagnostic(summary(figures));
    assert.deepEqual(figures.leftBehind, [], 'sockets, timers or listeners left behind');
    assert.equal(figures.serverConnectionsAfter, 0);
    assert.deepEqual(figures.serverCloseCodes, { 1000: CYCLES });
    assert.deepEqual(figures.clientCloseCodes, { 1000: CYCLES });
    assert.equal(figures.serverClean, CYCLES, 'every close handshake completed');
    assert.ok(figures.peakOpen <= CONCURRENCY, `at most ${CONCURRENCY} open at once`);
  });

  test(`${IDLE.toLocaleString('en')} concurrent idle connections, then server.close(): each closed with 1001, no socket, timer or listener left (RFC 6455 §7.4.1)`, async (t) => {
    const limit = openFileLimit();
    const inProcess = limit >= IDLE_FDS;
    t.diagnostic(
      `ulimit -n ${limit}: ${inProcess ? 'in the test process' : `in a child with ulimit -n ${RAISED_LIMIT}`}`,
    );
    const figures = inProcess
      ? await idleConnections(IDLE, CONCURRENCY)
      : inRaisedLimitChild('idle', IDLE);
    t.diagnostic(summary(figures));
    assert.deepEqual(figures.leftBehind, [], 'sockets, timers or listeners left behind');
    assert.equal(figures.peakOpen, IDLE, 'all connections were open at once');
    assert.equal(figures.serverConnectionsAfter, 0);
    assert.deepEqual(figures.serverCloseCodes, { 1001: IDLE });
    assert.deepEqual(figures.clientCloseCodes, { 1001: IDLE });
    assert.equal(figures.serverClean, IDLE, 'every close handshake completed');
  });
});
