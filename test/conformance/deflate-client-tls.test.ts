/** Groups 12–13 against wirekit's client over TLS, dedicated contexts compressing every
 * message at memLevel 1. */
import { compressionCases } from './cases/compression.case.js';
import { runDeflateConformance } from './deflate-case.js';
import { deflateClientTarget } from './deflate-targets.js';

runDeflateConformance(
  deflateClientTarget(
    'tls',
    { mode: 'dedicated', threshold: 0, memLevel: 1 },
    { maxMessageSize: 1024 * 1024 },
  ),
  compressionCases,
);
