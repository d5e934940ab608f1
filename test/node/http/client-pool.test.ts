/**
 * ClientPool against a real `node:http` server on 127.0.0.1: the seed's failure model step by
 * step (request fails; connection dies; reconnect fails; all dead and the server comes back),
 * LIFO order, tryAcquire's guarantees, FIFO waiters, `using` release, and close().
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { ClientPool } from '../../../src/node/http/client-pool.js';
import type { PoolSlot } from '../../../src/node/http/pool-slot.js';
import { JSON_BODY, rejectsWith, startServer, until } from './test-server.js';

const FAST_RECONNECT = { attempts: 1, initialDelay: 1, maxDelay: 1 } as const;

describe('ClientPool', { timeout: 30_000 }, () => {
  test('create connects every slot; slots carry host, base path and default headers', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({
      url: server.url,
      basePath: '/api',
      defaultHeaders: { 'X-API-KEY': 'k1' },
      connections: 3,
    });
    try {
      await until(() => server.connections() === 3, 'three accepted connections');
      assert.equal(pool.size, 3);
      assert.equal(pool.available, 3);
      const slot = await pool.acquire();
      const response = await slot.send(slot.writer.get('/echo').query('a', 'b c'));
      slot.release();
      assert.equal(response.status, 404); // /api/echo is not a route: the base path was used
      const seen = server.requests[0]!;
      assert.equal(seen.url, '/api/echo?a=b%20c');
      assert.equal(seen.headers['x-api-key'], 'k1');
      assert.equal(seen.headers.host, new URL(server.url).host);
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('the URL path is the base path when basePath is not given', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: `${server.url}/v3/`, connections: 1 });
    try {
      const slot = pool.tryAcquire()!;
      await slot.send(slot.writer.get('/ping'));
      slot.release();
      assert.equal(server.requests[0]!.url, '/v3/ping');
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('LIFO: the most recently released slot is lent first', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 3 });
    try {
      const a = pool.tryAcquire()!;
      const b = pool.tryAcquire()!;
      const c = pool.tryAcquire()!;
      assert.equal(new Set([a.index, b.index, c.index]).size, 3);
      assert.equal(pool.tryAcquire(), undefined, 'all three are lent out');
      b.release();
      c.release();
      a.release();
      assert.equal(pool.tryAcquire(), a);
      assert.equal(pool.tryAcquire(), c);
      assert.equal(pool.tryAcquire(), b);
      a.release();
      a.release(); // a second release is ignored
      assert.equal(pool.available, 1);
      b.release();
      c.release();
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('tryAcquire never returns a busy or poisoned slot, and does no I/O', async () => {
    const server = await startServer();
    server.server.keepAliveTimeout = 30;
    const pool = await ClientPool.create({ url: server.url, connections: 2 });
    try {
      const busy = pool.tryAcquire()!;
      const pending = busy.send(busy.writer.get('/json'));
      const other = pool.tryAcquire()!;
      assert.notEqual(other, busy);
      assert.equal(pool.tryAcquire(), undefined);
      await pending;
      await other.send(other.writer.get('/json'));
      busy.release();
      other.release();
      // The server closes both idle connections: they are poisoned in the pool.
      await until(
        () => busy.connection.state === 'poisoned' && other.connection.state === 'poisoned',
        'idle closes',
      );
      const connections = server.connections();
      assert.equal(pool.tryAcquire(), undefined, 'poisoned slots are not lent by tryAcquire');
      assert.equal(pool.available, 2);
      assert.equal(server.connections(), connections, 'tryAcquire did not reconnect');
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('acquire waits for a release; waiters are served in order', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 1 });
    try {
      const held = await pool.acquire();
      const order: string[] = [];
      const first = pool.acquire().then((slot) => {
        order.push('first');
        return slot;
      });
      const second = pool.acquire().then((slot) => {
        order.push('second');
        return slot;
      });
      assert.equal(pool.waiting, 2);
      held.release();
      const s1 = await first;
      assert.equal(s1, held);
      assert.deepEqual(order, ['first']);
      assert.equal((await s1.send(s1.writer.get('/json'))).status, 200);
      s1.release();
      const s2 = await second;
      assert.deepEqual(order, ['first', 'second']);
      s2.release();
      assert.equal(pool.waiting, 0);
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('`using` releases the slot at scope exit', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 1 });
    try {
      {
        using slot = await pool.acquire();
        assert.equal(pool.available, 0);
        assert.equal((await slot.send(slot.writer.get('/json'))).status, 200);
      }
      assert.equal(pool.available, 1);
      assert.ok(pool.tryAcquire());
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('failure 1: a failed request reaches the caller once, without retry', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 1, readTimeout: 100 });
    try {
      const slot = await pool.acquire();
      await rejectsWith(slot.send(slot.writer.get('/slow')), ErrorCode.TIMEOUT);
      slot.release();
      assert.equal(server.requests.length, 1, 'the request was sent exactly once');
      assert.equal(server.requests[0]!.url, '/slow');
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('failure 2: a dead connection poisons its slot; the next acquire reconnects it', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({
      url: server.url,
      connections: 1,
      defaultHeaders: { 'X-API-KEY': 'kept' },
      basePath: '/',
    });
    try {
      const slot = await pool.acquire();
      await rejectsWith(slot.send(slot.writer.get('/drop')), ErrorCode.CONNECTION_LOST);
      assert.equal(slot.connection.state, 'poisoned');
      slot.release();
      assert.equal(pool.tryAcquire(), undefined);
      const again = await pool.acquire();
      assert.equal(again, slot, 'the same slot, with the same writer and connection objects');
      assert.equal(again.connection.state, 'idle');
      const response = await again.send(again.writer.get('/json'));
      again.release();
      assert.equal(response.headers.get('x-seen-key'), 'kept', 'default headers survive');
      assert.deepEqual(response.json(), JSON_BODY);
      assert.equal(server.connections(), 2);
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('failure 3: a failed reconnect rejects acquire; the slot stays; the next acquire retries', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({
      url: server.url,
      connections: 1,
      reconnect: FAST_RECONNECT,
    });
    try {
      const only = pool.tryAcquire()!;
      only.release();
      await server.stop(); // closes the pooled connection too
      await until(() => only.connection.state === 'poisoned', 'the slot to be poisoned');
      assert.equal(pool.tryAcquire(), undefined);
      await rejectsWith(pool.acquire(), ErrorCode.CONNECTION_LOST);
      assert.equal(pool.available, 1, 'the slot is back in the pool, disconnected');
      await rejectsWith(pool.acquire(), ErrorCode.CONNECTION_LOST);
      await server.restart();
      const slot = await pool.acquire();
      assert.equal((await slot.send(slot.writer.get('/json'))).status, 200);
      slot.release();
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('reconnect backoff: acquire retries within its attempts and succeeds when the server returns', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({
      url: server.url,
      connections: 1,
      reconnect: { attempts: 50, initialDelay: 5, maxDelay: 20 },
    });
    try {
      const only = pool.tryAcquire()!;
      only.release();
      await server.stop();
      await until(() => only.connection.state === 'poisoned', 'the slot to be poisoned');
      const acquiring = pool.acquire();
      // The first attempt is refused; restart while acquire backs off and retries.
      await until(() => only.connection.state === 'disconnected', 'a refused attempt');
      assert.equal(only.connection.cause?.code, ErrorCode.CONNECTION_LOST);
      await server.restart();
      const slot = await acquiring;
      assert.equal(slot.connection.state, 'idle');
      assert.equal((await slot.send(slot.writer.get('/json'))).status, 200);
      slot.release();
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('failure 4: all connections dead, the server comes back, the pool recovers', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({
      url: server.url,
      connections: 3,
      reconnect: FAST_RECONNECT,
    });
    try {
      const all = [pool.tryAcquire()!, pool.tryAcquire()!, pool.tryAcquire()!];
      for (const s of all) s.release();
      await server.stop();
      await until(
        () => all.every((s) => s.connection.state === 'poisoned'),
        'every slot to be poisoned',
      );
      assert.equal(pool.tryAcquire(), undefined);
      for (let i = 0; i < 3; i++) await rejectsWith(pool.acquire(), ErrorCode.CONNECTION_LOST);
      assert.equal(pool.available, 3);
      await server.restart();
      const slots: PoolSlot[] = [];
      for (let i = 0; i < 3; i++) slots.push(await pool.acquire());
      assert.equal(new Set(slots).size, 3);
      const responses = await Promise.all(slots.map((s) => s.send(s.writer.get('/json'))));
      for (const r of responses) assert.equal(r.status, 200);
      for (const s of slots) s.release();
      assert.ok(pool.tryAcquire(), 'healthy again');
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('releasing a slot with a request in flight aborts that request', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 1 });
    try {
      const slot = await pool.acquire();
      const pending = slot.send(slot.writer.get('/slow'));
      slot.release();
      await rejectsWith(pending, ErrorCode.CONNECTION_LOST);
      assert.equal(pool.tryAcquire(), undefined, 'the aborted slot needs a reconnect');
      const again = await pool.acquire();
      assert.equal((await again.send(again.writer.get('/json'))).status, 200);
      again.release();
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('concurrent requests through the pool use every connection', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 4 });
    try {
      const worker = async (id: number): Promise<number> => {
        let ok = 0;
        for (let i = 0; i < 25; i++) {
          const slot = pool.tryAcquire() ?? (await pool.acquire());
          try {
            const r = await slot.send(slot.writer.post('/echo').body(`${id}:${i}`));
            if (r.text() === `${id}:${i}`) ok++;
          } finally {
            slot.release();
          }
        }
        return ok;
      };
      const counts = await Promise.all([0, 1, 2, 3, 4, 5].map(worker));
      assert.deepEqual(counts, [25, 25, 25, 25, 25, 25]);
      assert.equal(server.connections(), 4);
      assert.equal(server.requests.length, 150);
    } finally {
      await pool.close();
      await server.stop();
    }
  });

  test('close() ends an acquire that is backing off between reconnect attempts', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({
      url: server.url,
      connections: 1,
      reconnect: { attempts: 1000, initialDelay: 20, maxDelay: 20 },
    });
    const only = pool.tryAcquire()!;
    only.release();
    await server.stop();
    await until(() => only.connection.state === 'poisoned', 'the slot to be poisoned');
    const acquiring = rejectsWith(pool.acquire(), ErrorCode.HTTP_POOL_CLOSED);
    await until(() => only.connection.state === 'disconnected', 'a refused attempt');
    await pool.close();
    await acquiring;
    assert.equal(only.connection.state, 'closed');
  });

  test('close() rejects waiters and later acquires; create fails cleanly when down', async () => {
    const server = await startServer();
    const pool = await ClientPool.create({ url: server.url, connections: 1 });
    const held = await pool.acquire();
    const waiting = rejectsWith(pool.acquire(), ErrorCode.HTTP_POOL_CLOSED);
    await pool.close();
    await waiting;
    await rejectsWith(pool.acquire(), ErrorCode.HTTP_POOL_CLOSED);
    assert.equal(pool.tryAcquire(), undefined);
    assert.equal(held.connection.state, 'closed');
    held.release();
    const url = server.url;
    await server.stop();
    await rejectsWith(ClientPool.create({ url, connections: 2 }), ErrorCode.CONNECTION_LOST);
    await assert.rejects(ClientPool.create({ url, connections: 0 }), /positive integer/);
  });
});
