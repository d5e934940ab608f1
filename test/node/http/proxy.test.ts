/**
 * The REST client through an HTTP proxy: `HttpConnection` and `ClientPool` with the `proxy`
 * option, over `http:` and `https:` (TLS through the tunnel), against Debian's tinyproxy
 * started by the test. Keep-alive reuse goes through one tunnel per connection; a dead slot
 * reconnects through the proxy; Basic credentials are sent and a refusal is `ERR_PROXY`; the
 * environment is read only with `proxy: 'env'`, honouring NO_PROXY.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ErrorCode } from '../../../src/core/errors.js';
import { ClientPool } from '../../../src/node/http/client-pool.js';
import { HttpConnection } from '../../../src/node/http/http-connection.js';
import { RequestWriter } from '../../../src/node/http/index.js';
import { startTinyproxy } from '../../helpers/tinyproxy.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { rejectsWith, startServer } from './test-server.js';

const PASSWORD = 'kept-out-of-messages';

describe('HTTP client through tinyproxy', { timeout: 60_000 }, () => {
  for (const tls of [false, true]) {
    test(`ClientPool over ${tls ? 'https' : 'http'}: several requests on each tunnelled connection`, async (t) => {
      const proxy = await startTinyproxy();
      t.after(() => proxy.stop());
      const server = await startServer({ tls });
      t.after(() => server.stop());
      const pool = await ClientPool.create({
        url: server.url,
        connections: 2,
        proxy: proxy.url,
        ...(tls ? { tls: { ca: testCertificate().cert } } : {}),
      });
      t.after(() => pool.close());
      const [a, b] = [await pool.acquire(), await pool.acquire()];
      for (let i = 0; i < 3; i++) {
        const [ra, rb] = await Promise.all([
          a.send(a.writer.get('/json').query('i', i)),
          b.send(b.writer.post('/echo').body(`body ${i}`)),
        ]);
        assert.equal(ra.status, 200);
        assert.deepEqual(ra.json(), { ok: true, symbol: 'BTC-USD', price: 65_000.5 });
        assert.equal(rb.text(), `body ${i}`);
        assert.equal(rb.headers.get('x-method'), 'POST');
      }
      a.release();
      b.release();
      assert.equal(server.requests.length, 6);
      assert.equal(server.connections(), 2, 'keep-alive: two tunnels, reused');
      const origin = new URL(server.url).host;
      assert.deepEqual(proxy.connects(), [origin, origin]);
      assert.equal(
        server.requests[0]!.headers.host,
        origin,
        'Host names the origin, not the proxy',
      );

      // A connection the server drops is reconnected through the proxy.
      const slot = await pool.acquire();
      await rejectsWith(slot.send(slot.writer.get('/hangup')), ErrorCode.HTTP_STALE_CONNECTION);
      slot.release();
      const both = [await pool.acquire(), await pool.acquire()];
      for (const again of both) {
        assert.equal((await again.send(again.writer.get('/json'))).status, 200);
        again.release();
      }
      assert.equal(proxy.connects().length, 3, 'the dropped slot came back through the proxy');
    });
  }

  test('HttpConnection: Basic credentials sent to the proxy; a refusal is ERR_PROXY, and the connection stays disconnected', async (t) => {
    const proxy = await startTinyproxy({ auth: { user: 'svc', password: PASSWORD } });
    t.after(() => proxy.stop());
    const server = await startServer();
    t.after(() => server.stop());
    const writer = new RequestWriter({ host: new URL(server.url).host });

    const connection = await HttpConnection.connect(server.url, {
      proxy: proxy.urlWith('svc', PASSWORD),
    });
    t.after(() => connection.close());
    assert.equal((await connection.send(writer.get('/json'))).status, 200);
    assert.equal(server.requests[0]!.headers['proxy-authorization'], undefined, 'not forwarded');

    const refused = new HttpConnection(server.url, { proxy: proxy.url });
    const error = await rejectsWith(refused.reconnect(), ErrorCode.PROXY);
    assert.equal((error as { status?: number }).status, 407);
    assert.ok(error.message.includes(proxy.url) && !error.message.includes(PASSWORD));
    assert.equal(refused.state, 'disconnected');
    assert.equal(refused.cause, error);
    await rejectsWith(refused.send(writer.get('/json')), ErrorCode.HTTP_CONNECTION_POISONED);
  });

  test('close() while connecting through the proxy rejects reconnect() with its error', async (t) => {
    const proxy = await startTinyproxy();
    t.after(() => proxy.stop());
    const server = await startServer();
    t.after(() => server.stop());
    const connection = new HttpConnection(server.url, { proxy: proxy.url });
    const connecting = connection.reconnect();
    await connection.close();
    const error = await rejectsWith(connecting, ErrorCode.CONNECTION_LOST);
    assert.match(error.message, /closed by the caller/);
    assert.equal(connection.state, 'closed');
  });

  test("proxy: 'env' is read by the constructor: HTTP_PROXY used, NO_PROXY honoured", async (t) => {
    const proxy = await startTinyproxy();
    t.after(() => proxy.stop());
    const server = await startServer();
    t.after(() => server.stop());
    const writer = new RequestWriter({ host: new URL(server.url).host });
    const saved = { HTTP_PROXY: process.env['HTTP_PROXY'], NO_PROXY: process.env['NO_PROXY'] };
    const restore = (): void => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    };
    t.after(restore);
    process.env['HTTP_PROXY'] = proxy.url;
    process.env['NO_PROXY'] = 'localhost';
    const proxied = new HttpConnection(server.url, { proxy: 'env' });
    process.env['NO_PROXY'] = `127.0.0.1:${new URL(server.url).port}`;
    const direct = new HttpConnection(server.url, { proxy: 'env' });
    restore();
    try {
      await proxied.reconnect();
      await direct.reconnect();
      assert.equal((await proxied.send(writer.get('/json'))).status, 200);
      assert.equal((await direct.send(writer.get('/json'))).status, 200);
      assert.equal(proxy.connects().length, 1, 'only the first went through the proxy');
    } finally {
      await proxied.close();
      await direct.close();
    }
  });
});
