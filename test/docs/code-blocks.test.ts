/**
 * Every ```ts and ```js block of README.md and docs/ (the guides and the cookbook pages) runs:
 * each block says how in its info string, and a block that says nothing fails this test.
 *
 * - `run`: a complete ES module (`run=cjs`: a CommonJS script); run as it is.
 * - `harness=NAME`: a fragment; the harness of that name below declares what the fragment
 *   uses (a `handler`, a `pool`, a certificate), starts the loopback servers it talks to,
 *   rewrites the addresses the page shows (`port: 9001`, `api.example.com`) to those servers,
 *   and afterwards checks what the fragment did and stops everything.
 * - `excerpt=PATH`: a verbatim part of PATH, a program another test runs (the cookbook and
 *   the uWebSockets.js guide's example); checked here to still be part of it.
 * - `prints="TEXT"`: stdout must contain TEXT.
 *
 * TypeScript blocks are type-checked with the project's tsconfig (strict, as the sources) by
 * one `tsc` run over files written to dist/docs-blocks/, inside the package, so `import …
 * from 'wirekit'` resolves to the built package by its own name as it does for a user; then
 * each runs in its own Node process. JavaScript blocks run as they are, so a `using` in one
 * fails as it would for a user on Node 20. ws-side snippets import the real `ws` package,
 * uWebSockets.js-side snippets run on uWebSockets.js (the `@trufflesuite/uws-js-unofficial`
 * build). Each process is bounded by a timeout; servers listen on 127.0.0.1 port 0.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { testCertificate } from '../helpers/tls-cert.js';
import { type FencedBlock, fencedBlocks } from './markdown.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const outDir = join(root, 'dist', 'docs-blocks');

/** The pages whose code must run. */
function pages(): string[] {
  const inDir = (dir: string): string[] =>
    readdirSync(join(root, dir))
      .filter((name) => name.endsWith('.md'))
      .map((name) => `${dir}/${name}`);
  return ['README.md', ...inDir('docs'), ...inDir('docs/cookbook')];
}

/** Programs that other tests run, which `excerpt=` may point at. */
const RUN_ELSEWHERE: Readonly<Record<string, string>> = {
  'examples/migration/uwebsockets.ts': 'test/docs/migration.test.ts',
  'examples/cookbook/auth-server.ts': 'test/docs/cookbook.test.ts',
  'examples/cookbook/chat-rooms.ts': 'test/docs/cookbook.test.ts',
  'examples/cookbook/core-loop.ts': 'test/docs/cookbook.test.ts',
  'examples/cookbook/market-data.ts': 'test/docs/cookbook.test.ts',
  'examples/cookbook/rest-pool.ts': 'test/docs/cookbook.test.ts',
};

interface Harness {
  /** Code before the fragment: imports and the names the fragment uses. */
  readonly prelude: string;
  /** Code after it: checks of what it did, then stopping what runs. */
  readonly postlude: string;
  /** Text of the page replaced before it runs (each must occur): loopback for real hosts. */
  readonly rewrite?: readonly (readonly [string, string])[];
  /** A CommonJS script rather than an ES module (JavaScript only). */
  readonly cjs?: boolean;
}

const echoHandler = `const handler = {
  message(ws: Connection, data: Buffer, isBinary: boolean) { ws.send(data, isBinary); },
};`;

/** A local JSON API: answers every GET with its path and query. */
const apiServer = (ts: boolean): string => `
const api = createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ path: req.url }));
});
await new Promise${ts ? '<void>' : ''}((resolve) => api.listen(0, '127.0.0.1', () => resolve()));
const apiUrl = \`http://127.0.0.1:\${(api.address()${ts ? ' as AddressInfo' : ''}).port}\`;
`;

const HARNESSES: Readonly<Record<string, Harness>> = {
  'readme-servers': {
    prelude: `
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, type Connection, Http2WebSocketSession, serve } from 'wirekit';
import { testCertificate } from '../test/helpers/tls-cert.js';
const { key, cert } = testCertificate();
${echoHandler}
${apiServer(true)}`,
    rewrite: [
      [
        "port: 9001, deflate: { mode: 'shared', threshold: 1024 }",
        "port: 0, deflate: { mode: 'shared', threshold: 1024 }",
      ],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the code put in the page, a template literal
      ["'ws://127.0.0.1:9001/feed'", '`ws://127.0.0.1:${server.address.port}/feed`'],
      ['port: 9443', 'port: 0'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the code put in the page, a template literal
      ["'wss://127.0.0.1:9443'", '`wss://127.0.0.1:${h2.address.port}`'],
      ["'https://api.example.com'", 'apiUrl'],
    ],
    postlude: `
assert.match(feed.extensions, /^permessage-deflate/);
assert.equal(response.status, 200);
assert.deepEqual(response.json(), { path: '/v3/ticker?symbol=BTC-USD' });
a.send('over h2');
await new Promise<void>((resolve) => { b.send('b'); setTimeout(resolve, 0); });
feed.close();
await session.close();
await Promise.all([server.close(), h2.close()]);
setImmediate(() => { void pool.close().then(() => api.close()); }); // after \`using\` releases the slot
`,
  },
  'readme-pool': {
    prelude: `
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { ClientPool } from 'wirekit/http';
${apiServer(false)}
const pool = await ClientPool.create({ url: apiUrl });`,
    postlude: `
assert.equal(pool.available, pool.size, 'the slot is back in the pool');
await pool.close();
api.close();
`,
  },
  'readme-pubsub': {
    prelude: `
import assert from 'node:assert/strict';
import { type Connection, connect, serve } from 'wirekit';
const tick = { symbol: 'BTC-USD', price: 100 };`,
    rewrite: [['port: 9001', 'port: 0']],
    postlude: `
const url = \`ws://127.0.0.1:\${server.address.port}\`;
const got: string[] = [];
let gotBoth: () => void = () => {};
const both = new Promise<void>((resolve) => { gotBoth = resolve; });
const listener = (name: string) => ({
  message(_ws: Connection, data: Buffer) {
    got.push(\`\${name} \${data}\`);
    if (got.length === 2) gotBoth();
  },
});
const one = await connect(url, { handler: listener('one') });
const two = await connect(url, { handler: listener('two') });
for (let i = 0; i < 500 && server.subscribers('prices') < 2; i++)
  await new Promise((resolve) => setTimeout(resolve, 10));
assert.equal(server.publish('prices', JSON.stringify(tick)), 2);
await both;
assert.deepEqual(got.sort(), ['one {"symbol":"BTC-USD","price":100}', 'two {"symbol":"BTC-USD","price":100}']);
one.close();
two.close();
await server.close();
`,
  },
  'readme-proxy': {
    prelude: `
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect, serve } from 'wirekit';
import { ClientPool } from 'wirekit/http';
import { fakeProxy, tunnel } from '../test/helpers/fake-proxy.js';
${apiServer(true)}
const feed = await serve({ port: 0, host: '127.0.0.1', handler: {} });
const feedUrl = \`ws://127.0.0.1:\${feed.address.port}/ws\`;
const proxy = await fakeProxy((head, client) => tunnel(head, client));
const credentials = \`http://me:s%40cret@127.0.0.1:\${proxy.port}\`;
process.env.https_proxy = process.env.http_proxy = proxy.url;
delete process.env.no_proxy;
delete process.env.NO_PROXY;`,
    rewrite: [
      [
        "'wss://feed.example.com/ws', { proxy: 'http://proxy.corp:3128' }",
        'feedUrl, { proxy: proxy.url }',
      ],
      [
        "{ url: 'https://api.example.com', proxy: 'http://me:s%40cret@proxy.corp:3128' }",
        '{ url: apiUrl, proxy: credentials }',
      ],
      ["'wss://feed.example.com/ws', { proxy: 'env' }", "feedUrl, { proxy: 'env' }"],
    ],
    postlude: `
// The feed, the pool's first connection and the feed again, from the environment.
assert.equal(proxy.requests.length, 3, 'three tunnels through the proxy');
const authorized = proxy.requests.filter((head) => /\\r\\nProxy-Authorization: Basic ${Buffer.from('me:s@cret').toString('base64')}\\r?$/im.test(head));
assert.equal(authorized.length, 1, 'the credentials of the URL, decoded, on the tunnel of the pool');
await proxy.close();
await feed.close();
api.close();
process.exit(0); // the pool made by the fragment is not kept in a variable
`,
  },
  'readme-uring': {
    prelude: `
import assert from 'node:assert/strict';
const options = { port: 0, handler: {} };`,
    postlude: `
assert.equal(uringAvailable(), true, 'npm test builds the addon: serveUring ran');
assert.ok(server.address.port > 0);
await server.close();
`,
  },
  'socket-io': {
    prelude: `
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as ioClient } from 'socket.io-client';
const httpServer = createServer();
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const port = (httpServer.address() as AddressInfo).port;`,
    postlude: `
io.on('connection', (socket) => socket.on('hello', (text: string, answer: (t: string) => void) => answer(\`hi \${text}\`)));
const client = ioClient(\`http://127.0.0.1:\${port}\`, { transports: ['websocket'] });
const answer = await client.emitWithAck('hello', 'there');
assert.equal(answer, 'hi there');
client.close();
await io.close();
`,
  },
  'graphql-ws': {
    prelude: `
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema } from 'graphql';
const schema = buildSchema('type Query { hello: String }');
const rootValue = { hello: () => 'world' };
const httpServer = createServer();
await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
const port = (httpServer.address() as AddressInfo).port;`,
    rewrite: [
      ['useServer({ schema }', 'useServer({ schema, roots: { query: rootValue } }'],
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the code put in the page, a template literal
      ["'ws://…/graphql'", '`ws://127.0.0.1:${port}/graphql`'],
    ],
    postlude: `
const result = await new Promise<unknown>((resolve, reject) => {
  let value: unknown;
  client.subscribe({ query: '{ hello }' }, { next: (v) => { value = v; }, error: reject, complete: () => resolve(value) });
});
assert.deepEqual(result, { data: { hello: 'world' } });
await client.dispose();
wss.close();
httpServer.close();
`,
  },
  'uws-app': {
    cjs: true,
    prelude: `
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const port = 0;
const upgrade = (res, req, context) => res.upgrade({ user: req.getQuery('user') }, req.getHeader('sec-websocket-key'),
  req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context);
const open = (ws) => ws.send(\`hello \${ws.getUserData().user}\`);
const message = () => {};
const drain = () => {};
const close = () => {};`,
    rewrite: [
      ['.listen(9001,', '.listen(port,'],
      [
        '(listenSocket) => { /* keep listenSocket to stop later */ }',
        '(listenSocket) => { globalThis.listenSocket = listenSocket; }',
      ],
    ],
    postlude: `
const { listenSocket } = globalThis;
assert.ok(listenSocket, 'uWS listens');
const url = \`wss://127.0.0.1:\${uWS.us_socket_local_port(listenSocket)}/chat?user=ada\`;
const client = new WebSocket(url, { rejectUnauthorized: false });
client.on('message', (data) => {
  assert.equal(String(data), 'hello ada');
  console.log(String(data));
  client.terminate();
  uWS.us_listen_socket_close(listenSocket);
  process.exit(0);
});
`,
  },
  'uws-behavior': {
    cjs: true,
    prelude: `
const assert = require('node:assert/strict');
const WebSocket = require('ws');
const uWS = require('uWebSockets.js');
const defaults = {
  upgrade: (res, req, context) => res.upgrade({ user: req.getQuery('user') }, req.getHeader('sec-websocket-key'),
    req.getHeader('sec-websocket-protocol'), req.getHeader('sec-websocket-extensions'), context),
  open: () => {},
  message: (ws, message, isBinary) => ws.send(message, isBinary),
};
const behavior = {
  ...defaults,
  ...{`,
    postlude: `
  },
};
uWS.App().ws('/chat', behavior).listen('127.0.0.1', 0, async (listenSocket) => {
  const url = \`ws://127.0.0.1:\${uWS.us_socket_local_port(listenSocket)}/chat?user=ada\`;
  const refused = await new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => { ws.terminate(); resolve(101); });
  });
  const got = await new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { authorization: 'Bearer let-me-in' } });
    const messages = [];
    ws.on('open', () => ws.send('echo me'));
    ws.on('message', (data) => {
      messages.push(String(data));
      if (messages.includes('echo me')) { ws.terminate(); resolve(messages); }
    });
  });
  // What the fragment replaced does what the guide says.
  if (behavior.upgrade !== defaults.upgrade) assert.equal(refused, 401);
  if (behavior.open !== defaults.open) assert.equal(got[0], 'hello ada');
  assert.equal(got.at(-1), 'echo me');
  console.log(JSON.stringify({ refused, got }));
  uWS.us_listen_socket_close(listenSocket);
  process.exit(0);
});
`,
  },
};

/** What one block runs as: a file name, its text, and what to check. */
interface Prepared {
  readonly where: string;
  readonly file: string;
  readonly prints: string | undefined;
  readonly lang: string;
}

function prepare(page: string, block: FencedBlock, index: number): Prepared | undefined {
  const where = `${page}:${block.line}`;
  const excerpt = block.attributes.get('excerpt');
  if (excerpt !== undefined) return undefined;
  const harnessName = block.attributes.get('harness');
  const harness = harnessName === undefined ? undefined : HARNESSES[harnessName];
  let code = block.code;
  for (const [from, to] of harness?.rewrite ?? []) {
    assert.ok(code.includes(from), `${where}: harness ${harnessName} rewrites ${from}, not found`);
    code = code.split(from).join(to);
  }
  const cjs = harness?.cjs === true || block.attributes.get('run') === 'cjs';
  const ext = block.lang === 'ts' ? 'ts' : cjs ? 'cjs' : 'mjs';
  const base = `${String(index).padStart(3, '0')}-${page.replace(/[^a-z0-9]+/gi, '-')}-${block.line}`;
  const text = `${harness?.prelude ?? ''}\n// ---- ${where}\n${code}// ----\n${harness?.postlude ?? ''}`;
  const header = block.lang === 'ts' ? '' : '// @ts-nocheck\n';
  writeFileSync(join(outDir, `${base}.${ext}`), header + text);
  return {
    where,
    file: `${base}.${block.lang === 'ts' ? 'js' : ext}`,
    prints: block.attributes.get('prints'),
    lang: block.lang,
  };
}

function run(file: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(outDir, file)],
      { cwd: outDir, timeout: 30_000, env: { ...process.env, NODE_OPTIONS: '' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const prepared: Prepared[] = [];
const all: { page: string; block: FencedBlock }[] = [];
for (const page of pages()) {
  for (const block of fencedBlocks(readFileSync(join(root, page), 'utf8'))) {
    if (block.lang === 'ts' || block.lang === 'js') all.push({ page, block });
  }
}

describe('code blocks of README.md and docs/', { timeout: 240_000 }, () => {
  let typeErrors = '';
  before(() => {
    rmSync(outDir, { recursive: true, force: true });
    mkdirSync(outDir, { recursive: true });
    // uWebSockets.js-side snippets `require('uWebSockets.js')`: its npm build under that name.
    mkdirSync(join(outDir, 'node_modules', 'uWebSockets.js'), { recursive: true });
    writeFileSync(
      join(outDir, 'node_modules', 'uWebSockets.js', 'index.js'),
      "module.exports = require('@trufflesuite/uws-js-unofficial');\n",
    );
    // uWS's SSLApp in the guide reads key.pem and cert.pem from the working directory.
    const { key, cert } = testCertificate();
    writeFileSync(join(outDir, 'key.pem'), key);
    writeFileSync(join(outDir, 'cert.pem'), cert);
    all.forEach(({ page, block }, index) => {
      const one = prepare(page, block, index);
      if (one !== undefined) prepared.push(one);
    });
    writeFileSync(
      join(outDir, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        include: ['*.ts'],
        exclude: [],
        compilerOptions: {
          rootDir: '.',
          outDir: '.',
          noEmit: false,
          declaration: false,
          declarationMap: false,
          isolatedDeclarations: false,
          sourceMap: false,
          inlineSourceMap: false,
          inlineSources: false,
          noUnusedLocals: false,
          noUnusedParameters: false,
        },
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    return new Promise<void>((resolve) => {
      execFile(process.execPath, [tsc, '-p', outDir], { timeout: 120_000 }, (error, stdout) => {
        if (error !== null) typeErrors = stdout || String(error);
        resolve();
      });
    });
  });

  test('every ts/js block says how it runs (run, harness=NAME or excerpt=PATH)', () => {
    const unmarked: string[] = [];
    for (const { page, block } of all) {
      const ways = ['run', 'harness', 'excerpt'].filter((key) => block.attributes.has(key));
      const harness = block.attributes.get('harness');
      if (ways.length !== 1) unmarked.push(`${page}:${block.line} (${ways.join(', ') || 'none'})`);
      else if (harness !== undefined && HARNESSES[harness] === undefined)
        unmarked.push(`${page}:${block.line}: no harness ${harness}`);
    }
    assert.deepEqual(unmarked, []);
    assert.ok(all.length >= 30, `only ${all.length} blocks found`);
  });

  test('excerpt=PATH blocks are verbatim parts of programs other tests run', () => {
    for (const { page, block } of all) {
      const path = block.attributes.get('excerpt');
      if (path === undefined) continue;
      assert.ok(
        RUN_ELSEWHERE[path] !== undefined,
        `${page}:${block.line}: ${path} is run by no test`,
      );
      const source = readFileSync(join(root, path), 'utf8');
      assert.ok(source.includes(block.code), `${page}:${block.line}: not a part of ${path}`);
    }
  });

  test('the TypeScript blocks type-check (strict, against the built package)', () => {
    // Map generated file names back to their page and line.
    const named = typeErrors.replace(/(\d{3})-[\w-]+?-(\d+)\.ts/g, (name) => {
      const one = prepared.find((p) => `${p.file.slice(0, -3)}.ts` === name);
      return one === undefined ? name : `${name} (${one.where})`;
    });
    assert.equal(named, '');
  });

  for (const { page, block } of all) {
    if (block.attributes.has('excerpt')) continue;
    const how =
      block.attributes.get('harness') ??
      `run${block.attributes.get('run') ? `=${block.attributes.get('run')}` : ''}`;
    test(`${page}:${block.line} (${block.lang}, ${how})`, async () => {
      const one = prepared.find((p) => p.where === `${page}:${block.line}`);
      assert.ok(one !== undefined);
      const result = await run(one.file);
      assert.equal(result.code, 0, `${one.where} exited ${result.code}\n${result.stderr}`);
      if (one.prints !== undefined) assert.ok(result.stdout.includes(one.prints), result.stdout);
    });
  }
});
