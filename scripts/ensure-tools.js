#!/usr/bin/env node
// The system tools the tests need, in one list, and their installation: `npm test` and `.ci/run`
// call this first. Whatever is missing is installed with Debian's apt when running as root;
// otherwise it stops at once with the one command that installs it. Pure Node, no
// dependencies: it runs before `npm ci` and before the build.
//
//   node scripts/ensure-tools.js            check, install as root, or fail with the command
//   node scripts/ensure-tools.js --dry-run  say what would be done, do nothing
//
// WIREKIT_ASSUME_MISSING=chromium,openssl treats those tools as missing (to try the logic on a
// machine that has them).
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

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
];

const dryRun = process.argv.includes('--dry-run');
const assumeMissing = new Set(
  (process.env.WIREKIT_ASSUME_MISSING ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);
for (const name of assumeMissing) {
  if (!TOOLS.some((tool) => tool.name === name)) {
    console.error(`ensure-tools: WIREKIT_ASSUME_MISSING names an unknown tool: ${name}`);
    process.exit(2);
  }
}

const missing = TOOLS.filter((tool) => assumeMissing.has(tool.name) || !tool.present());
if (missing.length === 0) {
  if (dryRun) console.log('ensure-tools: every tool the tests need is installed');
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
if (dryRun) process.exit(0);
const stillMissing = missing.filter((tool) => !tool.present());
if (stillMissing.length > 0) {
  console.error(
    `ensure-tools: still missing after the install: ${stillMissing.map((t) => t.name).join(', ')}`,
  );
  process.exit(1);
}
