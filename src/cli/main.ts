#!/usr/bin/env node
/**
 * The `wirekit` executable (package.json `bin`): `wirekit serve`, `wirekit connect URL`,
 * `wirekit bench`. See `wirekit --help`.
 */
import { runCli } from './run-cli.js';

process.exitCode = await runCli(process.argv.slice(2));
