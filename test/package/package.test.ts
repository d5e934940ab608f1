/**
 * The package as a consumer gets it: `require('wirekit')` from a plain CommonJS script (Node
 * ≥ 20.19 loads ES modules with `require`), resolved by name through package.json `exports` in
 * a temporary directory whose `node_modules/wirekit` links to this repository; and source maps
 * that resolve without the TypeScript sources, which the package does not ship (`files` is
 * `dist/src`), because they carry them inline (`inlineSources`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/test/package/package.test.js). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A CommonJS consumer: checks the exports, then one echo round trip on 127.0.0.1. */
const CONSUMER = `
const wirekit = require('wirekit');
const core = require('wirekit/core');
const http = require('wirekit/http');
console.log(typeof wirekit.serve, typeof wirekit.connect, typeof wirekit.WebSocket);
console.log(typeof core.WebSocketConnection, typeof http.ClientPool);
(async () => {
  const server = await wirekit.serve({
    port: 0,
    host: '127.0.0.1',
    handler: { message(ws, data, isBinary) { ws.send(data, isBinary); } },
  });
  const url = 'ws://127.0.0.1:' + server.address.port;
  const echoed = new Promise((resolve) => {
    wirekit.connect(url, {
      handler: {
        message(ws, data) { console.log('echo: ' + data); ws.close(1000); },
        close(_ws, code, _reason, wasClean) { resolve(code + ' ' + wasClean); },
      },
    }).then((ws) => ws.send('hello from require'));
  });
  console.log('closed: ' + (await echoed));
  await server.close();
})().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
`;

/**
 * An ES module consumer whose resolve hook (registered before wirekit is imported) fails any
 * module of `wirekit/http3` or of the QUIC package: `serve()` without `http3` must run without
 * them, and `server.http3` is `undefined`.
 */
const HOOK = `export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  if (/[/]http3[/]|@matrixai/.test(found.url)) throw new Error('loaded ' + found.url);
  return found;
}`;
const ESM_CONSUMER = `
import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));
const wirekit = await import('wirekit');
const server = await wirekit.serve({ port: 0, host: '127.0.0.1', handler: {} });
console.log('http3: ' + server.http3);
await server.close();
`;

function run(
  args: readonly string[],
  cwd: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, args, { cwd, timeout: 30_000 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : (error.code as number | null), stdout, stderr });
    });
  });
}

function mapsUnder(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) mapsUnder(path, out);
    else if (entry.name.endsWith('.js.map')) out.push(path);
  }
  return out;
}

describe('the package', { timeout: 60_000 }, () => {
  test("require('wirekit') from CommonJS gives serve and connect, and they talk", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wirekit-cjs-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'wirekit'), 'dir');
    const result = await run(['-e', CONSUMER], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      result.stdout,
      [
        'function function function',
        'function function',
        'echo: hello from require',
        'closed: 1000 true',
        '',
      ].join('\n'),
      result.stderr,
    );
  });

  test("import('wirekit') and serve() without http3 load nothing of wirekit/http3 or the QUIC package", async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wirekit-esm-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'wirekit'), 'dir');
    const result = await run(['--input-type=module', '-e', ESM_CONSUMER], dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'http3: undefined\n', result.stderr);
  });

  test('every source map under dist/src carries the source it maps, as it is in src/', () => {
    const maps = mapsUnder(join(ROOT, 'dist', 'src'));
    assert.ok(maps.length > 0, 'source maps were built');
    for (const mapPath of maps) {
      const map = JSON.parse(readFileSync(mapPath, 'utf8')) as {
        sources: string[];
        sourceRoot?: string;
        sourcesContent?: (string | null)[];
      };
      assert.equal(map.sourcesContent?.length, map.sources.length, `${mapPath}: sourcesContent`);
      map.sources.forEach((source, i) => {
        const file = resolve(dirname(mapPath), map.sourceRoot ?? '', source);
        assert.equal(map.sourcesContent![i], readFileSync(file, 'utf8'), `${mapPath}: ${source}`);
      });
    }
  });
});
