import { runConformance } from './run-conformance.js';
import { serverTarget } from './targets.js';

runConformance(serverTarget('tls'));
