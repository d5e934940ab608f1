/**
 * Child-process entry for a churn scenario, for when the test process may not open enough
 * sockets: the test starts it through `sh -c 'ulimit -n 20000 && exec node …'` with the
 * scenario name, connection count and concurrency as arguments, and reads the figures as one
 * JSON line on stdout.
 */
import { connectCloseCycles, idleConnections } from './churn-scenarios.js';

const [scenario, count, concurrency] = process.argv.slice(2);
const run = scenario === 'idle' ? idleConnections : connectCloseCycles;
const figures = await run(Number(count), Number(concurrency));
process.stdout.write(`${JSON.stringify(figures)}\n`);
