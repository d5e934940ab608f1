/**
 * Debian's Chromium for the browser interop tests, launched headless through `playwright-core`.
 * It is never downloaded: `npm test` installs the `chromium` package first when it can
 * (scripts/ensure-tools.js, as root), and a machine without it fails the tests (never skips
 * them).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** As the machine notes prescribe for Debian's Chromium on a closed network, run as root. */
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // The tests' certificates are made in the test and signed by no CA.
  '--ignore-certificate-errors',
];

const MISSING_CHROMIUM =
  `${CHROMIUM} is missing: the browser interop tests need Debian's chromium package, ` +
  'which scripts/ensure-tools.js installs (npm test runs it; as root)';

/**
 * A test of its own that Chromium is there, so that a machine without it counts a failure, not
 * only the cancelled tests that needed it.
 */
export function testChromiumInstalled(): void {
  test(`Chromium is installed at ${CHROMIUM}`, () => {
    assert.ok(existsSync(CHROMIUM), MISSING_CHROMIUM);
  });
}

/** Launch headless Chromium; throws with the install hint when it is missing. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/**
 * Launch headless Chromium with HTTP/3 on for one origin: QUIC forced for `origin` (no Alt-Svc
 * round needed), WebSockets over HTTP/3 (RFC 9220) enabled, and the test certificate trusted by
 * the SHA-256 of its public key (QUIC connections take no `--ignore-certificate-errors`).
 */
export async function launchChromiumQuic(origin: string, spkiSha256: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(MISSING_CHROMIUM);
  const args = CHROMIUM_ARGS.filter((arg) => arg !== '--disable-quic');
  args.push(
    '--enable-quic',
    `--origin-to-force-quic-on=${origin}`,
    '--enable-features=EnableWebsocketsOverHttp3',
    `--ignore-certificate-errors-spki-list=${spkiSha256}`,
  );
  return chromium.launch({ executablePath: CHROMIUM, args, timeout: 60_000 });
}
