import { runConformance } from './run-conformance.js';
import { clientTarget } from './targets.js';

runConformance(clientTarget('tls'));
