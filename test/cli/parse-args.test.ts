/** The option parser, option values and output formats of the CLI, without processes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { commandHelp } from '../../src/cli/command-help.js';
import type { CommandSpec } from '../../src/cli/command-spec.js';
import { headerOption } from '../../src/cli/header-option.js';
import { formatMessage } from '../../src/cli/message-format.js';
import { byteSizeOption, numberOption } from '../../src/cli/number-option.js';
import { parseArgs } from '../../src/cli/parse-args.js';
import { UsageError } from '../../src/cli/usage-error.js';

const spec = {
  name: 'demo',
  summary: 'A demo command.',
  usage: ['URL [--flag]'],
  positionals: { min: 1, max: 1, label: 'URL' },
  options: {
    flag: { type: 'boolean', description: 'a flag' },
    header: { type: 'string', multiple: true, short: 'H', value: 'H', description: 'repeated' },
    port: { type: 'string', value: 'N', description: 'a number' },
  },
} as const satisfies CommandSpec;

describe('parseArgs', () => {
  test('typed values, repeated options in order, short aliases, positionals', () => {
    const parsed = parseArgs(spec, [
      'ws://x',
      '--flag',
      '-H',
      'A: 1',
      '--header=B: 2',
      '--port',
      '9',
    ]);
    assert.equal(parsed.help, false);
    assert.deepEqual(parsed.positionals, ['ws://x']);
    assert.equal(parsed.values.flag, true);
    assert.deepEqual(parsed.values.header, ['A: 1', 'B: 2']);
    assert.equal(parsed.values.port, '9');
  });

  test('--help wins over missing positionals', () => {
    assert.equal(parseArgs(spec, ['--help']).help, true);
    assert.equal(parseArgs(spec, ['-h']).help, true);
  });

  test('unknown options, missing values and positionals are UsageErrors', () => {
    assert.throws(() => parseArgs(spec, ['ws://x', '--nope']), {
      name: 'UsageError',
      message: 'unknown option --nope',
    });
    assert.throws(() => parseArgs(spec, ['ws://x', '--port']), UsageError);
    assert.throws(() => parseArgs(spec, []), { message: 'missing URL' });
    assert.throws(() => parseArgs(spec, ['a', 'b']), { message: 'too many arguments: b' });
  });

  test('help lists every option with its placeholder, and --help', () => {
    const help = commandHelp(spec);
    assert.match(help, /^Usage: wirekit demo URL \[--flag\]\n/);
    assert.match(help, / {2}-H, --header H\.\.\. {2}repeated\n/);
    assert.match(help, / {6}--port N {7}a number\n/);
    assert.match(help, / {2}-h, --help {9}show this help\n/);
  });
});

describe('option values', () => {
  test('numbers: default when absent, bounds and whole numbers checked', () => {
    assert.equal(numberOption(undefined, '--port', 9001, { min: 0, max: 65535 }), 9001);
    assert.equal(numberOption('0', '--port', 9001, { min: 0, max: 65535 }), 0);
    assert.equal(numberOption('0.25', '--wait', 1, { min: 0, integer: false }), 0.25);
    assert.throws(() => numberOption('1.5', '--port', 1, { min: 0 }), /whole number/);
    assert.throws(() => numberOption('-1', '--port', 1, { min: 0 }), /at least 0/);
    assert.throws(() => numberOption('1e3', '--port', 1, { min: 0 }), UsageError);
    assert.throws(() => numberOption('', '--port', 1, { min: 0 }), UsageError);
  });

  test('byte sizes take K, M, G suffixes (powers of 1024)', () => {
    const size = (text: string): number => byteSizeOption(text, '--size', 0, { min: 1 });
    assert.equal(size('65536'), 65536);
    assert.equal(size('64K'), 65536);
    assert.equal(size('16m'), 16 * 1024 * 1024);
    assert.equal(size('1GiB'), 1024 ** 3);
    assert.equal(size('64KiB'), 65536);
    assert.equal(size('64kb'), 65536);
    assert.equal(size('512B'), 512);
    assert.equal(size(' 1M '), 1024 * 1024);
    assert.throws(() => size('0'), /at least 1/);
    assert.throws(() => size('1.5M'), UsageError);
    assert.throws(() => size('1ib'), /a whole number of bytes, with an optional K, M or G suffix/);
    assert.throws(() => size('1T'), UsageError);
    assert.throws(() => byteSizeOption('2M', '--payload', 0, { min: 0, max: 1024 * 1024 }), {
      message: '--payload must be 0–1M, not 2M',
    });
  });

  test('--header splits at the first colon and trims the value', () => {
    assert.deepEqual(headerOption(['Authorization: Bearer a:b', 'X-Empty:']), [
      ['Authorization', 'Bearer a:b'],
      ['X-Empty', ''],
    ]);
    assert.throws(() => headerOption(['no colon']), UsageError);
    assert.throws(() => headerOption([': value']), UsageError);
    assert.throws(() => headerOption(['Bad Name: v']), UsageError);
  });
});

describe('output formats', () => {
  test('text as is; binary as a size and the hex of its first 64 bytes', () => {
    assert.equal(formatMessage(Buffer.from('héllo\nthere'), false), 'héllo\nthere');
    assert.equal(formatMessage(Buffer.from([0, 1, 255]), true), '<binary 3 bytes> 0001ff');
    assert.equal(formatMessage(Buffer.from([7]), true), '<binary 1 byte> 07');
    assert.equal(formatMessage(Buffer.alloc(0), true), '<binary 0 bytes>');
    const long = formatMessage(Buffer.alloc(100, 0xab), true);
    assert.equal(long, `<binary 100 bytes> ${'ab'.repeat(64)}…`);
  });
});
