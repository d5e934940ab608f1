/**
 * The framework examples actually run: each is started in-process with `start(0)` and driven
 * with wirekit's `connect()` and a plain HTTP request, then closed; and each is also run as a
 * program (`node dist/examples/NAME.js` with `PORT=0`), talked to, and stopped with SIGTERM.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { start as startExpress } from '../../examples/express.js';
import { start as startFastify } from '../../examples/fastify.js';
import { start as startNodeHttp } from '../../examples/node-http.js';
import { ErrorCode, WirekitError } from '../../src/core/errors.js';
import { connect } from '../../src/node/connect.js';
import { recorder, until, within } from '../node/helpers.js';

/** GET `path` from 127.0.0.1:`port`; returns status and body. */
async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    headers: { connection: 'close' },
  });
  return { status: response.status, body: await response.text() };
}

/** The rejection of a connect, which must fail with a WirekitError. */
async function refused(promise: Promise<unknown>): Promise<WirekitError> {
  const error = await promise.then(
    () => assert.fail('expected the connect to fail'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof WirekitError, String(error));
  return error;
}

describe('examples, started in-process', { timeout: 30_000 }, () => {
  test('node-http: GET / and an echo endpoint that greets by name', async (t) => {
    const app = await startNodeHttp(0);
    t.after(() => app.close());
    const page = await get(app.port, '/');
    assert.equal(page.status, 200);
    assert.match(page.body, /wirekit/);
    const client = recorder();
    const ws = await connect(`ws://127.0.0.1:${app.port}/ws?name=ada`, {
      handler: client.handler,
    });
    ws.send('echo me');
    ws.send(Buffer.from([7, 7]));
    await until(() => client.messages().length === 3, 'greeting and two echoes');
    assert.deepEqual(
      client.messages().map((m) => [m.data.toString('hex'), m.isBinary]),
      [
        [Buffer.from('hello, ada').toString('hex'), false],
        [Buffer.from('echo me').toString('hex'), false],
        ['0707', true],
      ],
    );
    const error = await refused(connect(`ws://127.0.0.1:${app.port}/elsewhere`));
    assert.equal(error.status, 404);
    await app.close();
    // close() said goodbye with 1001 and stopped listening.
    assert.equal((await client.closed).code, 1001);
    const gone = await refused(connect(`ws://127.0.0.1:${app.port}/ws`));
    assert.equal(gone.code, ErrorCode.CONNECTION_LOST);
  });

  test('express: /health through Express, /chat broadcasts to every client', async (t) => {
    const app = await startExpress(0);
    t.after(() => app.close());
    const alice = recorder();
    const bob = recorder();
    const a = await connect(`ws://127.0.0.1:${app.port}/chat`, { handler: alice.handler });
    await connect(`ws://127.0.0.1:${app.port}/chat`, { handler: bob.handler });
    const health = await get(app.port, '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { ok: true, connections: 2 });
    a.send('hi all');
    await until(
      () => alice.messages().length === 1 && bob.messages().length === 1,
      'the broadcast to both',
    );
    assert.equal(bob.messages()[0]!.data.toString(), 'hi all');
    assert.equal(alice.messages()[0]!.data.toString(), 'hi all');
    assert.equal((await get(app.port, '/nope')).status, 404, 'Express routes the rest');
    await app.close();
    assert.equal((await alice.closed).code, 1001);
    assert.equal((await bob.closed).code, 1001);
  });

  test('fastify: /health through Fastify, /echo behind a bearer token (401 otherwise)', async (t) => {
    const app = await startFastify(0, { token: 'let-me-in' });
    t.after(() => app.close());
    const health = await get(app.port, '/health');
    assert.equal(health.status, 200);
    assert.deepEqual(JSON.parse(health.body), { ok: true, connections: 0 });
    const error = await refused(
      connect(`ws://127.0.0.1:${app.port}/echo`, { headers: { Authorization: 'Bearer nope' } }),
    );
    assert.equal(error.code, ErrorCode.WS_HANDSHAKE);
    assert.equal(error.status, 401);
    const client = recorder();
    const ws = await connect(`ws://127.0.0.1:${app.port}/echo`, {
      headers: { Authorization: 'Bearer let-me-in' },
      handler: client.handler,
    });
    ws.send('over fastify');
    await until(() => client.messages().length === 1, 'the echo');
    assert.equal(client.messages()[0]!.data.toString(), 'over fastify');
    await app.close();
    assert.equal((await client.closed).code, 1001);
  });
});

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));

/** Run `dist/examples/NAME.js` with PORT=0 and resolve with the child and its port. */
async function runProgram(
  name: string,
  env: Readonly<Record<string, string>> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [`${examplesDir}${name}.js`], {
    env: { ...process.env, ...env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.setEncoding('utf8');
  const port = await within(
    new Promise<number>((resolve, reject) => {
      child.stdout!.on('data', (text: string) => {
        output += text;
        const match = /127\.0\.0\.1:(\d+)\//.exec(output);
        if (match !== null) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`${name} exited with ${code}: ${output}`)));
    }),
    10_000,
    `${name} to print its address`,
  );
  return { child, port };
}

/** SIGTERM the child (it closes gracefully) and wait for its exit code. */
async function stopProgram(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await within(exited, 10_000, 'the example to exit')) as [number | null];
  return code;
}

describe('examples, run as programs', { timeout: 60_000 }, () => {
  const cases = [
    { name: 'node-http', url: '/ws?name=cli', headers: {}, env: {}, first: 'hello, cli' },
    { name: 'express', url: '/chat', headers: {}, env: {}, first: undefined },
    {
      name: 'fastify',
      url: '/echo',
      headers: { Authorization: 'Bearer from-env' },
      env: { TOKEN: 'from-env' },
      first: undefined,
    },
  ] as const;
  for (const example of cases) {
    test(`node dist/examples/${example.name}.js listens, echoes, and exits on SIGTERM`, async (t) => {
      const { child, port } = await runProgram(example.name, example.env);
      t.after(() => stopProgram(child));
      const client = recorder();
      const ws = await connect(`ws://127.0.0.1:${port}${example.url}`, {
        headers: example.headers,
        handler: client.handler,
      });
      ws.send('round trip');
      const expected = example.first === undefined ? ['round trip'] : [example.first, 'round trip'];
      await until(() => client.messages().length === expected.length, 'the answers');
      assert.deepEqual(
        client.messages().map((m) => m.data.toString()),
        expected,
      );
      const code = await stopProgram(child);
      assert.equal(code, 0, 'graceful exit');
      assert.equal((await client.closed).code, 1001);
    });
  }
});
