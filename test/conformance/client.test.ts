/** The RFC 6455 cases against wirekit's client, over every transport of the list. */
import { testTransports } from '../transports/test-transports.js';
import { runConformance } from './run-conformance.js';
import { clientTarget } from './targets.js';

for (const transport of testTransports()) runConformance(clientTarget(transport));
