/**
 * Cookbook: a chat server with rooms.
 *
 * wirekit has no built-in topics yet, so rooms are a `Map` of room name → `Set` of
 * connections. Each connection also remembers its rooms in `ws.data`, so a disconnect leaves
 * them all without scanning every room.
 *
 * Protocol (text frames): `join ROOM`, `leave ROOM`, `say ROOM TEXT`. A join is answered with
 * `joined ROOM`; members of ROOM receive `ROOM NAME: TEXT`; the name comes from the `?name=` query of the upgrade request.
 */
import { pathToFileURL } from 'node:url';
import { type Connection, type ListeningServer, serve } from 'wirekit';

/** Per-connection data: who it is and which rooms it is in. */
export interface Member {
  readonly name: string;
  readonly rooms: Set<string>;
}

/** Start the chat server on 127.0.0.1:`port`. */
export function startChat(port: number): Promise<ListeningServer<Member>> {
  const rooms = new Map<string, Set<Connection<Member>>>();

  const leave = (ws: Connection<Member>, room: string): void => {
    const members = rooms.get(room);
    members?.delete(ws);
    if (members?.size === 0) rooms.delete(room); // empty rooms do not pile up
    ws.data.rooms.delete(room);
  };

  return serve<Member>({
    port,
    host: '127.0.0.1',
    handler: {
      upgrade(request) {
        const name = new URL(request.url, 'http://localhost').searchParams.get('name');
        return { name: name ?? 'anonymous', rooms: new Set() };
      },
      message(ws, data) {
        const [command = '', room = '', ...words] = data.toString().split(' ');
        if (command === 'join') {
          const members = rooms.get(room) ?? new Set();
          rooms.set(room, members);
          members.add(ws);
          ws.data.rooms.add(room);
          ws.send(`joined ${room}`); // the acknowledgement: later `say`s reach this member
        } else if (command === 'leave') {
          leave(ws, room);
        } else if (command === 'say' && ws.data.rooms.has(room)) {
          const line = `${room} ${ws.data.name}: ${words.join(' ')}`;
          for (const member of rooms.get(room) ?? []) member.send(line);
        }
      },
      close(ws) {
        for (const room of [...ws.data.rooms]) leave(ws, room);
      },
    },
  });
}

// Run as a program: `PORT=9000 node dist/examples/cookbook/chat-rooms.js`.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startChat(Number(process.env['PORT'] ?? 9000));
  console.log(`listening on ws://127.0.0.1:${server.address.port}/?name=ada`);
  process.once('SIGINT', () => void server.close());
}
