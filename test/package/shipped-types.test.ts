/**
 * The types as a consumer gets them: declarations built with the publishing configuration
 * (`tsconfig.build.json`, which strips `@internal` members), checked for leftovers, and a
 * TypeScript consumer of every public entry compiled against them with `skipLibCheck` off, so a
 * stripped member that a shipped declaration still needs (an `implements` of an interface whose
 * method was stripped, say) fails here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/test/package/shipped-types.test.js). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Imports every public entry and uses the connection's public face. */
const CONSUMER = `
import * as wirekit from './src/index.js';
import * as core from './src/core/index.js';
import * as http from './src/node/http/index.js';
import * as ws from './src/node/ws-compat/index.js';
import * as redis from './src/node/pubsub/redis/index.js';
import * as uring from './src/node/uring/index.js';
export const entries = [wirekit, core, http, ws, redis, uring];
export function echo(connection: wirekit.Connection): boolean {
  return connection.send('hello') && connection.readyState === wirekit.ReadyState.OPEN;
}
// serve() types server.http3 by its options: the listener with http3, undefined without.
export async function udpPorts(key: string, cert: string): Promise<[number, undefined]> {
  const both = await wirekit.serve({ port: 0, tls: { key, cert }, http3: { key, cert }, handler: {} });
  const tcp = await wirekit.serve({ port: 0, handler: {} });
  const ports: [number, undefined] = [both.http3.port, tcp.http3];
  await Promise.all([both.close(), tcp.close()]);
  return ports;
}
`;

function tsc(args: readonly string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [TSC, ...args], { cwd: ROOT, timeout: 170_000 }, (error, out) => {
      done({ code: error === null ? 0 : Number(error.code ?? 1), output: out });
    });
  });
}

function declarationsUnder(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) declarationsUnder(path, out);
    else if (entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

describe('the shipped types', { timeout: 180_000 }, () => {
  test('no @internal member is left, and a consumer of every entry compiles against them with skipLibCheck off', async (t) => {
    // Inside the repository, so the declarations resolve `node:` types and peer packages.
    const out = mkdtempSync(join(ROOT, '.types-check-'));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const built = await tsc([
      '-p',
      'tsconfig.build.json',
      '--emitDeclarationOnly',
      '--outDir',
      out,
    ]);
    assert.equal(built.code, 0, built.output);
    const declarations = declarationsUnder(join(out, 'src'));
    assert.ok(declarations.length > 50, 'declarations were built');
    const leftovers = declarations.filter((file) =>
      readFileSync(file, 'utf8').includes('@internal'),
    );
    assert.deepEqual(leftovers, [], 'declarations that still carry @internal members');
    const connection = readFileSync(join(out, 'src', 'node', 'connection.d.ts'), 'utf8');
    for (const name of ['receive(', 'transportEnded(', 'flush(', 'start(', 'deliver('])
      assert.ok(!connection.includes(name), `Connection's d.ts shows ${name}`);
    writeFileSync(join(out, 'consumer.ts'), CONSUMER);
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2023',
          module: 'node20',
          moduleResolution: 'node16',
          strict: true,
          exactOptionalPropertyTypes: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const consumer = await tsc(['-p', join(out, 'tsconfig.json')]);
    assert.equal(consumer.code, 0, consumer.output);
  });
});
