#!/usr/bin/env node
// The system tools the tests need, in one list, and their installation: `npm test` and `.ci/run`
// call this first. Whatever is missing is installed with Debian's apt when running as root;
// otherwise it stops at once with the one command that installs it. Then the optional io_uring
// addon (wirekit/uring), whose suites run in `npm test`, is built when it is missing or older
// than its sources (`npm run build:uring`, a few seconds, offline). Pure Node, no
// dependencies: it runs before `npm ci` and before the build. Users who `npm install wirekit`
// never run this: for them the addon stays optional.
//
//   node scripts/ensure-tools.js            check, install as root, or fail with the command
//   node scripts/ensure-tools.js --dry-run  say what would be done, do nothing
//
// WIREKIT_ASSUME_MISSING=chromium,openssl,uring-addon treats those tools (and the addon) as
// missing (to try the logic on a machine that has them).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

/** An executable of this name on PATH. */
function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {}
  }
  return false;
}

/**
 * Every tool the tests need: how to tell it is there, the Debian package that provides it, and
 * who needs it. Add new tools here.
 */
const TOOLS = [
  {
    name: 'openssl',
    apt: 'openssl',
    present: () => onPath('openssl'),
    neededBy: 'test/helpers/tls-cert.ts (test certificates)',
  },
  {
    name: 'chromium',
    apt: 'chromium',
    // The path test/interop/chromium.ts launches.
    present: () => existsSync('/usr/bin/chromium'),
    neededBy: 'test/interop/browser*.test.ts',
  },
  {
    name: 'redis-server',
    apt: 'redis-server',
    // The path test/pubsub/redis-server.ts starts.
    present: () => existsSync('/usr/bin/redis-server'),
    neededBy: 'test/pubsub/*redis*.test.ts (the Redis broker)',
  },
  {
    name: 'tinyproxy',
    apt: 'tinyproxy',
    // The path test/helpers/tinyproxy.ts starts.
    present: () => existsSync('/usr/bin/tinyproxy'),
    neededBy: 'test/node/proxy*.test.ts, test/node/http/proxy.test.ts (HTTP CONNECT proxy)',
  },
  {
    name: 'liburing',
    apt: 'liburing-dev',
    // The headers scripts/build-uring.js compiles the addon against.
    present: () =>
      existsSync('/usr/include/liburing.h') || existsSync('/usr/local/include/liburing.h'),
    neededBy: 'npm run build:uring (test/node/uring, test/conformance/server-uring.test.ts)',
  },
];

/** The addon the io_uring suites load, and the sources it is built from. */
const ADDON = join(root, 'native', 'uring', 'build', 'Release', 'wirekit_uring.node');
const ADDON_SOURCES = ['wirekit_uring.c', 'binding.gyp'].map((name) =>
  join(root, 'native', 'uring', name),
);

/** The addon is built and no newer than its sources. */
function addonCurrent() {
  if (!existsSync(ADDON)) return false;
  const built = statSync(ADDON).mtimeMs;
  return ADDON_SOURCES.every((source) => statSync(source).mtimeMs <= built);
}

const dryRun = process.argv.includes('--dry-run');
const assumeMissing = new Set(
  (process.env.WIREKIT_ASSUME_MISSING ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);
for (const name of assumeMissing) {
  if (name !== 'uring-addon' && !TOOLS.some((tool) => tool.name === name)) {
    console.error(`ensure-tools: WIREKIT_ASSUME_MISSING names an unknown tool: ${name}`);
    process.exit(2);
  }
}

const missing = TOOLS.filter((tool) => assumeMissing.has(tool.name) || !tool.present());
if (missing.length === 0) {
  if (dryRun) console.log('ensure-tools: every tool the tests need is installed');
  buildAddon();
  process.exit(0);
}

const packages = [...new Set(missing.map((tool) => tool.apt))];
const update = ['apt-get', 'update'];
const install = ['apt-get', 'install', '-y', '--no-install-recommends', ...packages];
const list = missing.map((tool) => `  ${tool.name} (for ${tool.neededBy})`).join('\n');
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

if (!isRoot) {
  console.error(
    `ensure-tools: the tests need tools that are not installed:\n${list}\n` +
      'Install them (as root) with:\n' +
      `  sudo ${update.join(' ')} && sudo ${install.join(' ')}`,
  );
  process.exit(1);
}
if (!onPath('apt-get')) {
  console.error(
    `ensure-tools: the tests need tools that are not installed, and there is no apt-get:\n${list}`,
  );
  process.exit(1);
}

console.log(`ensure-tools: installing what the tests need:\n${list}`);
for (const command of [update, install]) {
  if (dryRun) {
    console.log(`would run: ${command.join(' ')}`);
    continue;
  }
  console.log(`running: ${command.join(' ')}`);
  const result = spawnSync(command[0], command.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (result.status !== 0) {
    console.error(`ensure-tools: ${command.join(' ')} failed (exit ${result.status})`);
    process.exit(1);
  }
}
if (!dryRun) {
  const stillMissing = missing.filter((tool) => !tool.present());
  if (stillMissing.length > 0) {
    console.error(
      `ensure-tools: still missing after the install: ${stillMissing.map((t) => t.name).join(', ')}`,
    );
    process.exit(1);
  }
}
buildAddon();

/**
 * Builds the io_uring addon when it is missing or stale, so its suites run rather than fail;
 * a failed build stops here with the command to retry.
 */
function buildAddon() {
  if (!assumeMissing.has('uring-addon') && addonCurrent()) return;
  const command = [process.execPath, join(root, 'scripts', 'build-uring.js')];
  if (dryRun) {
    console.log('would run: npm run build:uring (the io_uring addon is missing or stale)');
    return;
  }
  console.log('ensure-tools: building the io_uring addon (npm run build:uring)');
  const result = spawnSync(command[0], command.slice(1), { stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(
      'ensure-tools: the io_uring addon did not build; the wirekit/uring suites need it.\n' +
        'Fix what build:uring said above, then run: npm run build:uring',
    );
    process.exit(1);
  }
}
