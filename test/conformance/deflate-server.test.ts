/**
 * Groups 12–13 against wirekit's server, over every transport of the list. Each transport runs
 * the groups once, with its own deflate configuration from {@link CONFIGS} (by position in the
 * list, wrapping around): every configuration runs, every transport runs, and the run stays
 * short. The codec does not depend on the transport; what the transport changes — how the
 * compressed frames are cut into TCP segments, TLS records or HTTP/2 DATA frames — every
 * configuration exercises.
 */
import type { DeflateConfig } from '../../src/node/deflate-config.js';
import { testTransports } from '../transports/test-transports.js';
import { compressionCases } from './cases/compression.case.js';
import { runDeflateConformance } from './deflate-case.js';
import { deflateServerTarget } from './deflate-targets.js';

const CONFIGS: readonly (boolean | DeflateConfig)[] = [
  // The default: shared contexts (no context takeover), messages from 1 KiB compressed.
  true,
  // Dedicated contexts at the highest level and memory, messages from 64 B compressed.
  { mode: 'dedicated', threshold: 64, level: 9, memLevel: 9 },
  // Dedicated contexts compressing every echo.
  { mode: 'dedicated', threshold: 0 },
  // Shared contexts compressing every echo.
  { mode: 'shared', threshold: 0 },
];

const limits = { maxMessageSize: 1024 * 1024 };
testTransports().forEach((transport, i) => {
  runDeflateConformance(
    deflateServerTarget(transport, CONFIGS[i % CONFIGS.length]!, limits),
    compressionCases,
  );
});
