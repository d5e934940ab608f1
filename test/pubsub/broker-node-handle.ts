/**
 * The test's side of a `broker-node.ts` child: start it against a Redis URL, ask for its
 * figures, close it (or kill it). Every wait is bounded.
 *
 * @example
 * ```ts
 * const node = await BrokerNode.start(redis.url);
 * t.after(() => node.kill());
 * const ws = await connect(`ws://127.0.0.1:${node.port}/?t=news`);
 * ```
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { BrokerNodeStats, FromBrokerNode } from './broker-node.js';

const SCRIPT = new URL('./broker-node.js', import.meta.url).pathname;
const WAIT_MS = 20_000;

function bounded<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class BrokerNode {
  readonly port: number;
  readonly #child: ChildProcess;

  private constructor(child: ChildProcess, port: number) {
    this.#child = child;
    this.port = port;
  }

  static async start(redisUrl: string, env: Record<string, string> = {}): Promise<BrokerNode> {
    const child = fork(SCRIPT, [redisUrl], {
      execArgv: ['--expose-gc'],
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    try {
      const [ready] = (await bounded(once(child, 'message'), 'the broker node')) as [
        FromBrokerNode,
      ];
      if (ready.type !== 'ready') throw new Error(`unexpected first message ${ready.type}`);
      return new BrokerNode(child, ready.port);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  async stats(): Promise<BrokerNodeStats> {
    const answer = bounded(once(this.#child, 'message'), 'stats');
    this.#child.send({ type: 'stats' });
    const [message] = (await answer) as [FromBrokerNode];
    if (message.type !== 'stats') throw new Error(`unexpected message ${message.type}`);
    return message;
  }

  /** Close the server and the broker; the child exits by itself. */
  async close(): Promise<number | null> {
    const child = this.#child;
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = once(child, 'exit');
    child.send({ type: 'close' });
    try {
      const [code] = (await bounded(exited, 'the broker node to exit')) as [number | null];
      return code;
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null)
      this.#child.kill('SIGKILL');
  }
}
