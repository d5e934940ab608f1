/**
 * Groups 12–13 against wirekit's client, over every transport of the list. Each transport runs
 * the groups once, with its own deflate configuration from {@link CONFIGS} (by position in the
 * list, wrapping around): every configuration runs, every transport runs, and the run stays
 * short (see deflate-server.test.ts).
 */
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { testTransports } from '../transports/test-transports.js';
import { compressionCases } from './cases/compression.case.js';
import { runDeflateConformance } from './deflate-case.js';
import { deflateClientTarget } from './deflate-targets.js';

const CONFIGS: readonly (boolean | DeflateConfig)[] = [
  // The default: dedicated contexts, messages from 1 KiB compressed.
  true,
  // Dedicated contexts compressing every message at memLevel 1.
  { mode: 'dedicated', threshold: 0, memLevel: 1 },
  // Shared contexts (no context takeover) compressing every message.
  { mode: 'shared', threshold: 0 },
  // Dedicated contexts compressing every message.
  { mode: 'dedicated', threshold: 0 },
];

const limits = { maxMessageSize: 1024 * 1024 };
testTransports().forEach((transport, i) => {
  runDeflateConformance(
    deflateClientTarget(transport, CONFIGS[i % CONFIGS.length]!, limits),
    compressionCases,
  );
});
