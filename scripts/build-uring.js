#!/usr/bin/env node
// Builds the optional io_uring addon (native/uring) with node-gyp, offline: against the
// headers this Node ships (`--nodedir`, the prefix above `process.execPath` that holds
// include/node/node_api.h) and the system's liburing (`apt-get install -y liburing-dev` on
// Debian). Not part of `npm install`: run `npm run build:uring`. Exits 1 with what is missing.
//
//   node scripts/build-uring.js           build native/uring/build/Release/wirekit_uring.node
//   node scripts/build-uring.js --clean   remove native/uring/build
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const addonDir = join(root, 'native', 'uring');

if (process.argv.includes('--clean')) {
  rmSync(join(addonDir, 'build'), { recursive: true, force: true });
  process.exit(0);
}

function fail(message) {
  console.error(`build:uring: ${message}`);
  process.exit(1);
}

if (process.platform !== 'linux') fail(`io_uring is Linux only; this is ${process.platform}`);

// The headers of the running Node: <prefix>/include/node, where <prefix> is above bin/node.
const nodedir = dirname(dirname(process.execPath));
if (!existsSync(join(nodedir, 'include', 'node', 'node_api.h')))
  fail(
    `no Node headers at ${join(nodedir, 'include', 'node')} (this Node does not ship them); ` +
      'node-gyp would download them, which this build does not do',
  );

const liburing = ['/usr/include/liburing.h', '/usr/local/include/liburing.h'].find(existsSync);
if (liburing === undefined)
  fail('liburing headers are missing: apt-get install -y liburing-dev (Debian 12: liburing 2.3)');

/** node-gyp: the one npm runs scripts with, else the one bundled with npm, else a local one. */
function nodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  if (process.env.npm_execpath)
    candidates.push(
      join(
        dirname(process.env.npm_execpath),
        '..',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    );
  candidates.push(
    join(nodedir, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  );
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {}
  return candidates.find((path) => path !== undefined && existsSync(path));
}

const gyp = nodeGyp();
if (gyp === undefined) fail('node-gyp not found (it comes with npm)');

const result = spawnSync(
  process.execPath,
  [gyp, 'rebuild', `--nodedir=${nodedir}`, '--directory', addonDir, '--loglevel', 'warn'],
  { stdio: 'inherit' },
);
if (result.status !== 0) fail(`node-gyp failed (exit ${result.status})`);
console.log(`build:uring: ${join(addonDir, 'build', 'Release', 'wirekit_uring.node')}`);
