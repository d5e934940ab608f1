/**
 * HttpConnection against real `node:http` / `node:https` servers on 127.0.0.1: keep-alive reuse,
 * body framings (length, chunked with trailers, close-delimited, none for HEAD/204/304),
 * interim responses, limits, timeouts, stale and poisoned connections, and TLS. Every server
 * and connection is closed by the test that made it.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createNetServer, type Server as NetServer } from 'node:net';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../../src/core/errors.js';
import { RequestWriter } from '../../../src/core/http1/request-writer.js';
import { HttpConnection } from '../../../src/node/http/http-connection.js';
import { testCertificate } from '../../helpers/tls-cert.js';
import { JSON_BODY, rejectsWith, startServer, until } from './test-server.js';

function writerFor(url: string): RequestWriter {
  return new RequestWriter(new URL(url).host);
}

describe('HttpConnection', { timeout: 30_000 }, () => {
  test('sequential requests reuse one keep-alive connection', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      for (let i = 0; i < 20; i++) {
        const response = await connection.send(writer.get('/json').query('i', i));
        assert.equal(response.status, 200);
        assert.deepEqual(response.json(), JSON_BODY);
        assert.equal(response.headers.get('content-type'), 'application/json');
        assert.equal(response.keepAlive, true);
      }
      assert.equal(server.connections(), 1);
      assert.equal(server.requests.length, 20);
      assert.equal(server.requests[19]!.url, '/json?i=19');
      assert.equal(connection.state, 'idle');
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('accepts finished bytes as well as a builder; POST bodies arrive intact', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const body = JSON.stringify({ side: 'buy', qty: 1.5, note: 'héllo' });
      const bytes = writer.post('/echo').header('Content-Type', 'application/json').body(body);
      const response = await connection.send(bytes.finish());
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('x-method'), 'POST');
      assert.equal(response.text(), body);
      assert.ok(Buffer.isBuffer(response.body));
      const empty = await connection.send(writer.put('/echo'));
      assert.equal(empty.body.length, 0);
      assert.equal(server.requests[1]!.headers['content-length'], '0');
      assert.equal(server.connections(), 1);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('a second send while a response is awaited throws ERR_HTTP_CONNECTION_BUSY', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const first = connection.send(writer.get('/json'));
      assert.throws(
        () => connection.send(writer.get('/json')),
        (error: unknown) =>
          error instanceof WirekitError && error.code === ErrorCode.HTTP_CONNECTION_BUSY,
      );
      assert.equal((await first).status, 200);
      assert.equal(server.requests.length, 1);
      // Still usable: the refused send changed nothing.
      assert.equal((await connection.send(writer.get('/json'))).status, 200);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('chunked body with trailers is decoded; the connection stays reusable', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const response = await connection.send(writer.get('/chunked'));
      assert.equal(response.text(), 'alpha,beta,gamma');
      assert.equal(response.trailers.get('x-checksum'), 'abc123');
      assert.equal((await connection.send(writer.get('/json'))).status, 200);
      assert.equal(server.connections(), 1);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('HEAD, 204 and 304 have no body and keep the connection in step', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const head = await connection.send(writer.head('/json'));
      assert.equal(head.status, 200);
      assert.equal(head.body.length, 0);
      assert.equal(head.headers.get('content-length'), String(JSON.stringify(JSON_BODY).length));
      const noContent = await connection.send(writer.get('/no-content'));
      assert.equal(noContent.status, 204);
      assert.equal(noContent.headers.get('x-kind'), 'no-content');
      assert.equal(noContent.body.length, 0);
      const notModified = await connection.send(writer.get('/not-modified'));
      assert.equal(notModified.status, 304);
      assert.equal(notModified.headers.get('etag'), '"v1"');
      // Had any of them been read with a body, this response would be misparsed.
      const after = await connection.send(writer.get('/json'));
      assert.deepEqual(after.json(), JSON_BODY);
      assert.equal(server.connections(), 1);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('interim responses are skipped: 100 Continue and 103 Early Hints', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const upload = await connection.send(
        writer.post('/echo').header('Expect', '100-continue').body('payload after continue'),
      );
      assert.equal(upload.status, 200);
      assert.equal(upload.text(), 'payload after continue');
      const hinted = await connection.send(writer.get('/early-hints'));
      assert.equal(hinted.status, 200);
      assert.equal(hinted.text(), 'hints');
      assert.equal(connection.state, 'idle');
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('a large body spanning many chunks is concatenated exactly', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const n = 3 * 1024 * 1024 + 7;
      const response = await connection.send(writer.get('/large').query('bytes', n));
      assert.equal(response.body.length, n);
      let mismatches = 0;
      for (let i = 0; i < n; i++) if (response.body[i] !== (i & 0xff)) mismatches++;
      assert.equal(mismatches, 0);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('a body over limits.maxBodyBytes fails with ERR_HTTP_LIMIT and poisons', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url, {
      limits: { maxBodyBytes: 64 * 1024 },
    });
    const writer = writerFor(server.url);
    try {
      const error = await rejectsWith(
        connection.send(writer.get('/large').query('bytes', 1024 * 1024)),
        ErrorCode.HTTP_LIMIT,
      );
      assert.match(error.message, /maxBodyBytes/);
      assert.equal(connection.state, 'poisoned');
      const later = await rejectsWith(
        connection.send(writer.get('/json')),
        ErrorCode.HTTP_CONNECTION_POISONED,
      );
      assert.equal((later.cause as WirekitError).code, ErrorCode.HTTP_LIMIT);
      await connection.reconnect();
      assert.equal((await connection.send(writer.get('/large').query('bytes', 1000))).status, 200);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('Connection: close resolves the response, then poisons', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const response = await connection.send(writer.get('/close'));
      assert.equal(response.text(), 'bye');
      assert.equal(response.keepAlive, false);
      assert.equal(connection.state, 'poisoned');
      assert.equal(connection.needsReconnect, true);
      await rejectsWith(connection.send(writer.get('/json')), ErrorCode.HTTP_CONNECTION_POISONED);
      await connection.reconnect();
      assert.equal((await connection.send(writer.get('/json'))).status, 200);
      assert.equal(server.connections(), 2);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('a close-delimited body ends when the server closes', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const response = await connection.send(writer.get('/close-delimited'));
      assert.equal(response.status, 200);
      assert.equal(response.text(), 'until the server closes');
      assert.equal(connection.state, 'poisoned');
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('readTimeout: a slow response fails with ERR_TIMEOUT and poisons', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url, { readTimeout: 150 });
    const writer = writerFor(server.url);
    try {
      await rejectsWith(connection.send(writer.get('/slow')), ErrorCode.TIMEOUT);
      assert.equal(connection.state, 'poisoned');
      assert.equal(connection.cause?.code, ErrorCode.TIMEOUT);
      await rejectsWith(connection.send(writer.get('/json')), ErrorCode.HTTP_CONNECTION_POISONED);
      assert.equal(server.requests.length, 1);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('a connection dropped mid-response fails with ERR_CONNECTION_LOST', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      await rejectsWith(connection.send(writer.get('/drop')), ErrorCode.CONNECTION_LOST);
      assert.equal(connection.state, 'poisoned');
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('a hang-up before any response byte is ERR_HTTP_STALE_CONNECTION', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      await rejectsWith(connection.send(writer.get('/hangup')), ErrorCode.HTTP_STALE_CONNECTION);
      assert.equal(connection.state, 'poisoned');
      await rejectsWith(connection.send(writer.get('/json')), ErrorCode.HTTP_CONNECTION_POISONED);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('idle keep-alive timeout: stale once, then poisoned, then reconnect works', async () => {
    const server = await startServer();
    server.server.keepAliveTimeout = 50;
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      assert.equal((await connection.send(writer.get('/json'))).status, 200);
      await until(() => connection.state === 'poisoned', 'the idle close to be seen');
      const stale = await rejectsWith(
        connection.send(writer.get('/json')),
        ErrorCode.HTTP_STALE_CONNECTION,
      );
      assert.match(stale.message, /idle/);
      await rejectsWith(connection.send(writer.get('/json')), ErrorCode.HTTP_CONNECTION_POISONED);
      assert.equal(server.requests.length, 1, 'nothing was sent on the dead connection');
      await connection.reconnect();
      assert.equal((await connection.send(writer.get('/json'))).status, 200);
      assert.equal(server.connections(), 2);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('an early answer to an unfinished upload poisons the connection', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = new RequestWriter({ host: new URL(server.url).host, initialCapacity: 1 });
    try {
      const upload = Buffer.alloc(64 * 1024 * 1024, 0x61);
      const response = await connection.send(writer.post('/reject-upload').body(upload));
      assert.equal(response.status, 413);
      assert.equal(connection.state, 'poisoned');
      assert.match(connection.cause!.message, /before the whole request was sent/);
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('bytes from the server while idle poison the connection as stale', async () => {
    let peer: import('node:net').Socket | undefined;
    const raw: NetServer = createNetServer((socket) => {
      peer = socket;
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const port = (raw.address() as import('node:net').AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const connection = await HttpConnection.connect(url);
    try {
      const response = await connection.send(writerFor(url).get('/'));
      assert.equal(response.text(), 'ok');
      assert.equal(connection.state, 'idle');
      peer!.write('HTTP/1.1 408 Request Timeout\r\n\r\n'); // now, with no request pending
      await until(() => connection.state === 'poisoned', 'the unsolicited bytes to be seen');
      await rejectsWith(connection.send(writerFor(url).get('/')), ErrorCode.HTTP_STALE_CONNECTION);
    } finally {
      await connection.close();
      peer?.destroy();
      raw.close();
    }
  });

  test('a malformed response fails with ERR_HTTP_PARSE (status 502) and poisons', async () => {
    const raw: NetServer = createNetServer((socket) => {
      socket.once('data', () => socket.write('HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n'));
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const port = (raw.address() as import('node:net').AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const connection = await HttpConnection.connect(url);
    try {
      const error = await rejectsWith(
        connection.send(writerFor(url).get('/')),
        ErrorCode.HTTP_PARSE,
      );
      assert.equal((error as WirekitError).status, 502);
      assert.equal(connection.state, 'poisoned');
    } finally {
      await connection.close();
      raw.close();
    }
  });

  test('a 2xx to CONNECT or a 101 ends HTTP on the connection: resolved, then poisoned', async () => {
    const raw: NetServer = createNetServer((socket) => {
      socket.once('data', (request: Buffer) => {
        socket.write(
          request.toString('latin1').startsWith('CONNECT ')
            ? 'HTTP/1.1 200 Connection Established\r\n\r\n'
            : 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n',
        );
      });
    });
    raw.listen(0, '127.0.0.1');
    await once(raw, 'listening');
    const port = (raw.address() as import('node:net').AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    const writer = writerFor(url);
    const connection = await HttpConnection.connect(url);
    try {
      const tunnel = await connection.send(writer.request('CONNECT', '/'));
      assert.equal(tunnel.status, 200);
      assert.equal(connection.state, 'poisoned');
      await connection.reconnect();
      const upgraded = await connection.send(
        writer.get('/').header('Connection', 'Upgrade').header('Upgrade', 'x'),
      );
      assert.equal(upgraded.status, 101);
      assert.equal(connection.state, 'poisoned');
      assert.match(connection.cause!.message, /left HTTP/);
    } finally {
      await connection.close();
      raw.close();
    }
  });

  test('close() during a connect rejects reconnect() at once', async () => {
    const server = await startServer();
    const connection = new HttpConnection(server.url);
    try {
      const connecting = rejectsWith(connection.reconnect(), ErrorCode.CONNECTION_LOST);
      assert.equal(connection.state, 'connecting');
      await connection.close();
      await connecting;
      assert.equal(connection.state, 'closed');
      await connection.reconnect(); // and it may be opened again
      assert.equal(connection.state, 'idle');
    } finally {
      await connection.close();
      await server.stop();
    }
  });

  test('connect errors: refused is ERR_CONNECTION_LOST; bad URLs throw', async () => {
    const server = await startServer();
    const url = server.url;
    await server.stop();
    await rejectsWith(HttpConnection.connect(url), ErrorCode.CONNECTION_LOST);
    assert.throws(() => new HttpConnection('ws://127.0.0.1:1'), /http: or https:/);
    assert.throws(() => new HttpConnection('http://127.0.0.1:1/?q=1'), /query/);
    const idle = new HttpConnection(url);
    assert.equal(idle.state, 'disconnected');
    await rejectsWith(idle.send(writerFor(url).get('/')), ErrorCode.HTTP_CONNECTION_POISONED);
  });

  test('close() rejects a request in flight and resolves once closed', async () => {
    const server = await startServer();
    const connection = await HttpConnection.connect(server.url);
    const writer = writerFor(server.url);
    try {
      const pending = connection.send(writer.get('/slow'));
      await until(() => server.requests.length === 1, 'the request to arrive');
      await connection.close();
      await rejectsWith(pending, ErrorCode.CONNECTION_LOST);
      assert.equal(connection.state, 'closed');
      await rejectsWith(connection.send(writer.get('/json')), ErrorCode.HTTP_CONNECTION_POISONED);
    } finally {
      await server.stop();
    }
  });

  test('https with a test certificate: requests, reuse and certificate checks', async () => {
    const server = await startServer({ tls: true });
    const { cert } = testCertificate();
    const connection = await HttpConnection.connect(server.url, { tls: { ca: cert } });
    const writer = writerFor(server.url);
    try {
      for (let i = 0; i < 5; i++) {
        const response = await connection.send(writer.post('/echo').body(`tls ${i}`));
        assert.equal(response.text(), `tls ${i}`);
      }
      assert.equal((await connection.send(writer.get('/chunked'))).text(), 'alpha,beta,gamma');
      assert.equal(server.connections(), 1);
      // Without the CA the self-signed certificate is refused.
      await rejectsWith(HttpConnection.connect(server.url), ErrorCode.CONNECTION_LOST);
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
