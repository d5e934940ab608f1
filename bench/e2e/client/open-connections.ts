/**
 * Open many {@link RawConnection}s, a bounded number at a time so the server's accept backlog
 * never overflows (a dropped SYN would cost a one-second retransmit and skew the warm-up).
 *
 * @example
 * ```ts
 * const connections = await openConnections(500, { port, path: '/echo', handshake: true, onFrame });
 * ```
 */
import { RawConnection, type RawConnectionOptions } from './raw-connection.js';

const AT_ONCE = 50;

/** `count` connections, each with its position in `index`. */
export async function openConnections(
  count: number,
  options: RawConnectionOptions,
): Promise<RawConnection[]> {
  const connections: RawConnection[] = [];
  try {
    for (let first = 0; first < count; first += AT_ONCE) {
      const batch: Promise<RawConnection>[] = [];
      for (let i = first; i < Math.min(count, first + AT_ONCE); i++) {
        batch.push(RawConnection.open(options));
      }
      for (const connection of await Promise.all(batch)) {
        connection.index = connections.length;
        connections.push(connection);
      }
    }
  } catch (error) {
    for (const connection of connections) connection.destroy();
    throw error;
  }
  return connections;
}
