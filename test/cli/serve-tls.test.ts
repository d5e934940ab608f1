/**
 * `wirekit serve --tls-cert --tls-key` serves wss://; `wirekit connect` and `wirekit bench`
 * trust it with --ca, skip the check with --insecure (-n), and say which flag fixes a refusal.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { testCertificate } from '../helpers/tls-cert.js';
import { runCli, startServe, stopAllCli } from './cli-process.js';

describe('wss:// with the test certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wirekit-cli-tls-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  let url = '';

  before(async () => {
    const { cert, key } = testCertificate(); // fails loudly without openssl
    writeFileSync(certFile, cert);
    writeFileSync(keyFile, key);
    ({ url } = await startServe('--tls-cert', certFile, '--tls-key', keyFile, '--quiet'));
  });
  after(async () => {
    await stopAllCli();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serve prints a wss:// URL', () => {
    assert.match(url, /^wss:\/\/127\.0\.0\.1:\d+$/);
  });

  test('connect --ca FILE: the certificate is verified and messages round-trip', async () => {
    const result = await runCli(['connect', url, '--ca', certFile, '--wait', '0'], 'secure\n');
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'secure\n');
    assert.match(result.stderr, /^connected to wss:\/\/127\.0\.0\.1:\d+/);
  });

  test('without --ca the self-signed certificate is refused with the --ca hint (exit 1)', async () => {
    const refused = await runCli(['connect', url]);
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr,
      "wirekit connect: the server's certificate is not trusted (it is self-signed): pass --ca FILE with its CA, or --insecure to skip the check (testing only)\n",
    );
  });

  test('--insecure and its wscat name -n accept the certificate unchecked', async () => {
    for (const flag of ['--insecure', '-n', '--no-check']) {
      const result = await runCli(['connect', url, flag, '--wait', '0'], 'trust me\n');
      assert.equal(result.code, 0, `${flag}: ${result.stderr}`);
      assert.equal(result.stdout, 'trust me\n');
    }
  });

  test('bench --url wss:// takes --ca too; without it the same hint', async () => {
    const args = ['bench', '--url', url, '--connections', '2', '--messages', '20', '--json'];
    const trusted = await runCli([...args, '--ca', certFile]);
    assert.equal(trusted.code, 0, trusted.stderr);
    assert.equal((JSON.parse(trusted.stdout) as { messages: number }).messages, 20);
    const refused = await runCli(args);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      /^wirekit bench: the server's certificate is not trusted .*--ca FILE/,
    );
  });

  test('ws:// to the TLS port: the handshake fails with a hint to use wss://', async () => {
    const result = await runCli(['connect', url.replace(/^wss:/, 'ws:')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\(if it speaks TLS, use wss:\/\/ instead of ws:\/\/\)\n$/);
  });

  test('connect --ca with a missing file: exit 1 naming the file', async () => {
    const result = await runCli(['connect', url, '--ca', join(dir, 'missing.pem')]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ENOENT.*missing\.pem/);
  });
});
