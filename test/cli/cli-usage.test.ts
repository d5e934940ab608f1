/** `--help` for every command and usage errors: a clear message and exit code 2. */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { runCli, stopAllCli } from './cli-process.js';

after(stopAllCli);

describe('wirekit usage', () => {
  test('--help prints the commands and exits 0; no command exits 2', async () => {
    const help = await runCli(['--help']);
    assert.equal(help.code, 0);
    for (const name of ['serve', 'connect', 'bench'])
      assert.match(help.stdout, new RegExp(`\\n  ${name} `));
    const none = await runCli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /Usage: wirekit <command>/);
  });

  test('every command has --help (and -h, and `wirekit help CMD`) with its options', async () => {
    const expected = {
      serve: ['--port', '--host', '--path', '--tls-cert', '--tls-key', '--broadcast', '--quiet'],
      connect: [
        '-c, --connect URL',
        '--binary',
        '-H, --header',
        '-s, --subprotocol',
        '-x, --execute MSG',
        '-w, --wait S',
        '-P, --show-ping-pong',
        '--slash',
        '--ca FILE',
        '--cert FILE',
        '--key FILE',
        '-k, --insecure',
        '-n, --no-check',
        '/close [code [reason]]',
      ],
      bench: [
        '--url',
        '--local',
        '--mode',
        '--connections',
        '--payload SIZE',
        '--messages',
        '--duration',
        '--json',
        '--hdr',
        '--ca FILE',
      ],
    };
    await Promise.all(
      Object.entries(expected).map(async ([name, options]) => {
        for (const args of [
          [name, '--help'],
          [name, '-h'],
          ['help', name],
        ]) {
          const result = await runCli(args);
          assert.equal(result.code, 0, args.join(' '));
          assert.match(result.stdout, new RegExp(`^Usage: wirekit ${name} `));
          for (const option of options)
            assert.ok(result.stdout.includes(option), `${name} ${option}`);
        }
      }),
    );
  });

  test('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^wirekit \d+\.\d+\.\d+/);
  });

  test('an unknown option names the option and exits 2', async () => {
    for (const name of ['serve', 'connect', 'bench']) {
      const result = await runCli([name, '--bogus']);
      assert.equal(result.code, 2);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, new RegExp(`^wirekit ${name}: unknown option --bogus\\n`));
      assert.match(result.stderr, new RegExp(`wirekit ${name} --help`));
    }
  });

  test('an unknown command exits 2 and lists the commands', async () => {
    const result = await runCli(['frobnicate']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown command "frobnicate"; commands: serve, connect, bench/);
  });

  test('bad values and missing or extra arguments exit 2 with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['connect'], /missing URL/],
      [['connect', 'ws://a', 'ws://b'], /too many arguments: ws:\/\/b/],
      [['connect', 'ftp://127.0.0.1/'], /needs ws: or wss:/],
      [['connect', 'ws://127.0.0.1:1', '--header', 'no colon'], /--header needs "Name: value"/],
      [['connect', 'ws://127.0.0.1:1', '--wait', 'soon'], /--wait needs a number/],
      [['connect', 'ws://127.0.0.1:1', '--binary=yes'], /--binary' does not take an argument/],
      [['serve', '--port', '70000'], /--port must be 0–65535/],
      [['serve', '--port'], /--port <value>' argument missing/],
      [['serve', 'extra'], /unexpected argument: extra/],
      [['serve', '--echo', '--broadcast'], /exclude each other/],
      [['serve', '--tls-cert', 'cert.pem'], /--tls-cert and --tls-key go together/],
      [['serve', '--path', 'ws'], /--path must start with "\/"/],
      [['serve', '--max-message-size', '12Q'], /--max-message-size needs a whole number/],
      [['bench'], /needs a target: --url URL .*, or --local /],
      [['bench', '--connections', '2'], /needs a target/],
      [['bench', '--local', '--url', 'ws://127.0.0.1:1'], /--url and --local exclude/],
      [['bench', '--url', 'http://127.0.0.1:1'], /use ws:\/\/127\.0\.0\.1:1 /],
      [['bench', '--local', '--ca', 'ca.pem'], /TLS options .* need a wss:\/\/ --url/],
      [['bench', '--local', '--json', '--hdr'], /--json and --hdr exclude/],
      [['bench', '--local', '--mode', 'storm'], /--mode is echo or broadcast/],
      [['bench', '--local', '--messages', '5', '--duration', '1'], /exclude each other/],
      [
        ['bench', '--local', '--mode', 'broadcast', '--connections', '1'],
        /--connections must be 2–/,
      ],
      [['bench', '--local', '--payload', '1.5M'], /--payload needs a whole number of bytes/],
      [['bench', '--local', '--payload', '65M'], /--payload must be 0–64M, not 65M/],
    ];
    // Four processes at a time: each case is a separate CLI start.
    for (let i = 0; i < cases.length; i += 4) {
      await Promise.all(
        cases.slice(i, i + 4).map(async ([args, message]) => {
          const result = await runCli(args);
          assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
          assert.match(result.stderr, message, args.join(' '));
        }),
      );
    }
  });
});
