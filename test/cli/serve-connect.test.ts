/**
 * `wirekit serve` and `wirekit connect` as real processes on 127.0.0.1, stdin piped (the
 * scriptable mode): round trips of text and binary, request headers and subprotocols reaching a
 * server, refused handshakes, the server's path and message-size limits.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { serve, type WebSocketServer } from '../../src/index.js';
import { freePort, runCli, startCli, startServe, stopAllCli } from './cli-process.js';

after(stopAllCli);

describe('wirekit serve + wirekit connect', () => {
  let url = '';
  before(async () => {
    ({ url } = await startServe('--quiet'));
  });

  test('serve prints where it listens', () => {
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+$/);
  });

  test('each stdin line goes out as a text message and its echo is printed', async () => {
    const client = startCli('connect', url, '--wait', '0');
    await client.waitFor('stderr', /^connected to ws:\/\/127\.0\.0\.1:\d+\n/);
    client.write('hello\n');
    await client.waitFor('stdout', /^hello\n/);
    client.write('wörld, ✓\n\n');
    await client.waitFor('stdout', /^hello\nwörld, ✓\n\n$/);
    client.end();
    const exit = await client.exit();
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.equal(client.stdout, 'hello\nwörld, ✓\n\n');
    assert.match(client.stderr, /\nclosed: code 1000\n$/);
  });

  test('piped stdin: every line is sent, every echo printed, then a clean close (default --wait)', async () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i}`);
    const result = await runCli(['connect', url], `${lines.join('\n')}\n`);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${lines.join('\n')}\n`);
    assert.match(result.stderr, /closed: code 1000\n$/);
  });

  test('--binary sends binary messages; binary answers print as size and hex', async () => {
    const result = await runCli(['connect', url, '--binary', '--wait', '0'], 'abc\n\nhi ✓\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      '<binary 3 bytes> 616263\n<binary 0 bytes>\n<binary 6 bytes> 686920e29c93\n',
    );
  });
});

describe('wirekit connect against a library server', () => {
  let server: WebSocketServer<string> | undefined;
  let url = '';
  const seen: { token?: string | undefined; offered?: readonly string[]; chosen?: string } = {};
  before(async () => {
    server = await serve<string>({
      port: 0,
      host: '127.0.0.1',
      selectProtocol(protocols) {
        seen.offered = protocols;
        return protocols.includes('chat.v2') ? 'chat.v2' : undefined;
      },
      handler: {
        upgrade(request) {
          seen.token = request.headers.get('x-token');
          return request.headers.get('user-agent') ?? '';
        },
        open(ws) {
          seen.chosen = ws.protocol;
        },
        message(ws, data, isBinary) {
          ws.send(`${ws.protocol || '-'}:${data.toString()}`, isBinary);
        },
      },
    });
    url = `ws://127.0.0.1:${server.address!.port}/chat?room=1`;
  });
  after(() => server?.close());

  test('--header fields reach the server', async () => {
    const result = await runCli(
      ['connect', url, '--header', 'X-Token: s3cret value ', '-H', 'X-Other:1', '--wait', '0'],
      'ping\n',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(seen.token, 's3cret value');
    assert.equal(result.stdout, '-:ping\n');
  });

  test('--subprotocol offers each in order; the chosen one is reported', async () => {
    const result = await runCli(
      ['connect', url, '--subprotocol', 'chat.v1', '-s', 'chat.v2', '--wait', '0'],
      'hi\n',
    );
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(seen.offered, ['chat.v1', 'chat.v2']);
    assert.equal(seen.chosen, 'chat.v2');
    assert.match(result.stderr, /^connected to \S+ \(subprotocol chat\.v2\)\n/);
    assert.equal(result.stdout, 'chat.v2:hi\n');
  });
});

describe('failed handshakes', () => {
  let http: Server | undefined;
  let port = 0;
  before(async () => {
    http = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('no socket here\nsorry');
    });
    await new Promise<void>((resolve) => http!.listen(0, '127.0.0.1', resolve));
    port = (http.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => http?.close(() => resolve())));

  test('a plain HTTP 404: exit 1, one line with the status and the body', async () => {
    const result = await runCli(['connect', `ws://127.0.0.1:${port}/socket`], 'never sent\n');
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.split('\n').filter((line) => line !== '');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^wirekit connect: server answered 404 Not Found instead of 101/);
    assert.match(lines[0]!, /no socket here/);
  });

  test('nothing listening: exit 1 with the socket error', async () => {
    const nobody = await freePort();
    const result = await runCli(['connect', `ws://127.0.0.1:${nobody}`]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^wirekit connect: .*ECONNREFUSED.*\n$/);
  });

  test('serve --path: other paths get 404, the path itself upgrades', async () => {
    const { url } = await startServe('--path', '/echo', '--quiet');
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
    const wrong = await runCli(['connect', url.replace(/\/echo$/, '/other')]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /answered 404 .*no WebSocket endpoint at \/other/);
    const right = await runCli(['connect', url, '--wait', '0'], 'ok\n');
    assert.equal(right.code, 0, right.stderr);
    assert.equal(right.stdout, 'ok\n');
  });

  test('serve --max-message-size: a larger message closes with 1009, connect exits 1', async () => {
    const { url } = await startServe('--max-message-size', '16', '--quiet');
    const result = await runCli(['connect', url, '--wait', '5'], `small\n${'x'.repeat(17)}\n`);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'small\n');
    assert.match(result.stderr, /closed: code 1009/);
  });
});
