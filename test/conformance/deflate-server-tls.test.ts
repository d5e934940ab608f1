/** Groups 12–13 against wirekit's server over TLS, dedicated contexts at level 9. */
import { compressionCases } from './cases/compression.case.js';
import { runDeflateConformance } from './deflate-case.js';
import { deflateServerTarget } from './deflate-targets.js';

runDeflateConformance(
  deflateServerTarget(
    'tls',
    { mode: 'dedicated', threshold: 64, level: 9, memLevel: 9 },
    { maxMessageSize: 1024 * 1024 },
  ),
  compressionCases,
);
