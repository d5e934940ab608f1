/**
 * A heap snapshot summed up by what holds the memory: self size and count per constructor (or
 * per node type for strings, closures, arrays and V8-internal objects), so two snapshots taken
 * around a stage of the memory benchmark say which objects each connection adds.
 *
 * @example
 * ```ts
 * const before = heapCensus();
 * // … open N connections …
 * const rows = censusGrowth(before, heapCensus(), N); // bytes and objects per connection
 * ```
 */
import { getHeapSnapshot } from 'node:v8';

/** Self bytes and object count of one kind. */
export interface CensusEntry {
  bytes: number;
  count: number;
}

/** Per-kind totals of one snapshot. */
export type HeapCensus = Map<string, CensusEntry>;

interface SnapshotJson {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

/** Node types whose name says nothing useful per object: group them by type alone (internal
 * arrays and hidden objects keep their names: `(object properties)`, `system / Map`, …). */
const BY_TYPE: ReadonlySet<string> = new Set([
  'string',
  'concatenated string',
  'sliced string',
  'number',
  'heap number',
  'code',
]);

async function readStream(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: string[] = [];
  for await (const chunk of stream) parts.push(String(chunk));
  return parts.join('');
}

/** Take a snapshot of this process's heap and total it by kind. */
export async function heapCensus(): Promise<HeapCensus> {
  const json = JSON.parse(await readStream(getHeapSnapshot())) as SnapshotJson;
  const fields = json.snapshot.meta.node_fields;
  const types = json.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const census: HeapCensus = new Map();
  const nodes = json.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]!]!;
    const name = json.strings[nodes[i + nameAt]!]!;
    const key = BY_TYPE.has(type) ? `(${type})` : `${type}: ${name.slice(0, 60)}`;
    const entry = census.get(key) ?? { bytes: 0, count: 0 };
    entry.bytes += nodes[i + sizeAt]!;
    entry.count++;
    census.set(key, entry);
  }
  return census;
}

/** What grew from `before` to `after`, per `connections`, largest first. */
export function censusGrowth(
  before: HeapCensus,
  after: HeapCensus,
  connections: number,
): { kind: string; bytes: number; count: number }[] {
  const rows: { kind: string; bytes: number; count: number }[] = [];
  for (const [kind, entry] of after) {
    const was = before.get(kind) ?? { bytes: 0, count: 0 };
    const bytes = (entry.bytes - was.bytes) / connections;
    const count = (entry.count - was.count) / connections;
    if (Math.abs(bytes) >= 4 || Math.abs(count) >= 0.5) rows.push({ kind, bytes, count });
  }
  return rows.sort((a, b) => b.bytes - a.bytes);
}
