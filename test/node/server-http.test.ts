/**
 * The server on an existing `node:http` / `node:https` server: `attach(server)` and
 * `handleUpgrade(req, socket, head)` from the `'upgrade'` event. WebSocket traffic and plain
 * HTTP requests share one port; the `upgrade` hook sees the parsed `IncomingMessage`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { describe, test } from 'node:test';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import {
  rejectUpgrade,
  type ServerOptions,
  WebSocketServer,
} from '../../src/node/websocket-server.js';
import { echo } from '../helpers/echo.js';
import { type TestTransport, testTransports } from '../transports/test-transports.js';
import { closeHttp, listenLocal, recorder, until } from './helpers.js';

const MiB = 1024 * 1024;

interface User {
  readonly name: string;
  readonly userAgent: string | undefined;
}

// node:http and node:https servers hand over HTTP/1.1 upgrades: the HTTP/1.1 transports on
// Node's sockets (an io_uring socket never reaches node:http).
for (const transport of testTransports().filter((t) => t.http === '1.1' && t.sockets === 'libuv')) {
  for (const mode of ['attach', 'handleUpgrade'] as const) {
    describe(`WebSocketServer.${mode} on node:${transport.name === 'tls' ? 'https' : 'http'}`, {
      timeout: 30_000,
    }, () => {
      /** An http(s) server answering `GET /health` with "ok", with a WebSocket server on it. */
      async function start(
        t: { after(fn: () => Promise<void>): void },
        options: ServerOptions<User>,
      ): Promise<{ port: number; wss: WebSocketServer<User> }> {
        const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
          res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
          res.end(req.url === '/health' ? 'ok' : 'not found');
        };
        const http =
          transport.serve.tls === undefined
            ? createHttpServer(onRequest)
            : createHttpsServer(transport.serve.tls, onRequest);
        const wss = new WebSocketServer<User>(options);
        if (mode === 'attach') wss.attach(http);
        else http.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head));
        const port = await listenLocal(http);
        t.after(async () => {
          await wss.close();
          await closeHttp(http);
        });
        return { port, wss };
      }

      test('echoes text, binary, empty and 5 MiB messages; HTTP still served', async (t) => {
        const { port } = await start(t, {
          handler: echo,
        });
        const client = recorder();
        const ws = await connect(transport.url(port, '/chat'), {
          ...transport.connect,
          handler: client.handler,
        });
        const large = randomBytes(5 * MiB);
        ws.send('text');
        ws.send(Buffer.from('binary'));
        ws.send('');
        ws.send(large);
        await until(() => client.messages().length === 4, 'four echoes', 20_000);
        const got = client.messages();
        assert.deepEqual(
          got.slice(0, 3).map((m) => [m.data.toString(), m.isBinary]),
          [
            ['text', false],
            ['binary', true],
            ['', false],
          ],
        );
        assert.ok(got[3]!.data.equals(large), '5 MiB echo differs');
        assert.equal(await httpGet(transport, port, '/health'), '200 ok');
        ws.close();
        await client.closed;
      });

      test('the async upgrade hook sees the IncomingMessage and sets ws.data', async (t) => {
        const serverSide = recorder<User>();
        const { port } = await start(t, {
          handler: {
            ...serverSide.handler,
            async upgrade(request) {
              await new Promise((resolve) => setTimeout(resolve, 10));
              assert.ok(request.incoming !== undefined, 'incoming is the node:http request');
              const name = request.headers.get('x-user');
              if (name === undefined) throw rejectUpgrade(401, 'who are you?');
              return { name, userAgent: request.incoming.headers['user-agent'] };
            },
          },
        });
        const ws = await connect(transport.url(port), {
          ...transport.connect,
          headers: [
            ['X-User', 'bob'],
            ['User-Agent', 'wirekit-test'],
          ],
        });
        const serverWs = await serverSide.opened;
        assert.deepEqual(serverWs.data, { name: 'bob', userAgent: 'wirekit-test' });
        const error = await connect(transport.url(port), transport.connect).then(
          () => assert.fail('connect without X-User should fail'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof WirekitError);
        assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
        assert.equal(error.status, 401);
        assert.match(error.message, /who are you\?/);
        ws.close();
      });

      test('a `path` mismatch is refused with 404', async (t) => {
        const { port } = await start(t, { path: '/ws', handler: {} });
        const error = await connect(transport.url(port, '/elsewhere'), transport.connect).then(
          () => assert.fail('connect should have failed'),
          (e: unknown) => e,
        );
        assert.ok(error instanceof WirekitError);
        assert.equal(error.status, 404);
        const ws = await connect(transport.url(port, '/ws'), transport.connect);
        ws.close();
        assert.equal(await httpGet(transport, port, '/health'), '200 ok');
      });

      test('close() closes the WebSocket connections with 1001; the http server lives on', async (t) => {
        const { port, wss } = await start(t, { handler: {} });
        const client = recorder();
        await connect(transport.url(port), {
          ...transport.connect,
          handler: client.handler,
        });
        await until(() => wss.connections.size === 1, 'the server connection');
        await wss.close();
        const closed = await client.closed;
        assert.equal(closed.code, 1001);
        assert.equal(wss.connections.size, 0);
        assert.equal(await httpGet(transport, port, '/health'), '200 ok');
      });
    });
  }
}

/** GET `path` over http, or https trusting the test certificate; returns "status body". */
async function httpGet(transport: TestTransport, port: number, path: string): Promise<string> {
  const ca = transport.connect.tls?.ca as string | undefined;
  const request =
    ca === undefined
      ? httpRequest({ host: '127.0.0.1', port, path, agent: false })
      : httpsRequest({ host: '127.0.0.1', port, path, ca, agent: false });
  request.end();
  const [response] = (await once(request, 'response')) as [IncomingMessage];
  let body = '';
  response.setEncoding('utf8');
  for await (const chunk of response) body += chunk;
  return `${response.statusCode} ${body}`;
}
