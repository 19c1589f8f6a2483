import type { Codec } from './codecs.js';

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

interface TypeCase {
  type: string;
  make(): unknown;
  kept(back: unknown, sent: unknown): boolean;
}

const tag = (v: unknown): string => Object.prototype.toString.call(v).slice(8, -1);

/** The types checked, each wrapped as `{ v: value }` so every codec sees an object at the top. */
const TYPES: TypeCase[] = [
  { type: 'undefined (property)', make: () => undefined, kept: (b) => b === undefined },
  { type: 'NaN', make: () => NaN, kept: (b) => Number.isNaN(b) },
  { type: '-0', make: () => -0, kept: (b) => Object.is(b, -0) },
  { type: 'Infinity', make: () => Infinity, kept: (b) => b === Infinity },
  { type: 'BigInt', make: () => 2n ** 70n, kept: (b) => b === 2n ** 70n },
  { type: 'Date', make: () => new Date(1e12), kept: (b) => b instanceof Date && b.getTime() === 1e12 },
  { type: 'RegExp', make: () => /a+b/gi, kept: (b) => b instanceof RegExp && b.source === 'a+b' && b.flags === 'gi' },
  { type: 'Map', make: () => new Map<unknown, unknown>([['a', 1], [2, 'b']]), kept: (b) => b instanceof Map && b.get('a') === 1 && b.get(2) === 'b' },
  { type: 'Set', make: () => new Set([1, 'x']), kept: (b) => b instanceof Set && b.has(1) && b.has('x') },
  {
    type: 'Error (TypeError)',
    make: () => new TypeError('bad'),
    kept: (b) => b instanceof TypeError && b.message === 'bad',
  },
  { type: 'Uint8Array', make: () => new Uint8Array([1, 2, 255]), kept: (b) => b instanceof Uint8Array && b.length === 3 && b[2] === 255 },
  { type: 'Float64Array', make: () => new Float64Array([1.5, -2]), kept: (b) => b instanceof Float64Array && b.length === 2 && b[0] === 1.5 },
  { type: 'ArrayBuffer', make: () => new Uint8Array([7, 8]).buffer, kept: (b) => b instanceof ArrayBuffer && b.byteLength === 2 },
  { type: 'Buffer', make: () => Buffer.from('hi'), kept: (b) => Buffer.isBuffer(b) && b.toString() === 'hi' },
  // eslint-disable-next-line no-sparse-arrays
  { type: 'sparse array', make: () => [1, , 3], kept: (b) => Array.isArray(b) && b.length === 3 && !(1 in b) },
  {
    type: 'shared reference',
    make: () => {
      const o = { n: 1 };
      return [o, o];
    },
    kept: (b) => Array.isArray(b) && b.length === 2 && b[0] === b[1] && typeof b[0] === 'object',
  },
  {
    type: 'cycle',
    make: () => {
      const o: Record<string, unknown> = { n: 1 };
      o.self = o;
      return o;
    },
    kept: (b) => typeof b === 'object' && b !== null && (b as Record<string, unknown>).self === b,
  },
  { type: 'class instance', make: () => new Point(1, 2), kept: (b) => b instanceof Point },
  { type: 'function', make: () => () => 1, kept: (b) => typeof b === 'function' },
  { type: 'Symbol', make: () => Symbol('s'), kept: (b) => typeof b === 'symbol' },
];

function describe(v: unknown, hadKey: boolean): string {
  if (!hadKey) return 'dropped';
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return v.length > 12 ? 'string' : `"${v}"`;
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return `Array(${v.length})`;
  return tag(v) === 'Object' ? 'plain object' : tag(v);
}

/** For each type: per codec `kept`, `lost → what came back`, or `throws: message`. */
export function fidelityTable(codecs: readonly Codec[]): { type: string; results: Record<string, string> }[] {
  return TYPES.map((t) => {
    const results: Record<string, string> = {};
    for (const c of codecs) {
      const sent = t.make();
      try {
        const back = c.roundTrip({ v: sent }) as Record<string, unknown> | null;
        const hadKey = back !== null && typeof back === 'object' && 'v' in back;
        const value = hadKey ? back.v : undefined;
        results[c.id] = hadKey && t.kept(value, sent) ? 'kept' : `lost → ${describe(value, hadKey)}`;
      } catch (err) {
        const msg = (err instanceof Error ? err.message : String(err)).split('\n')[0];
        results[c.id] = `throws: ${msg.length > 100 ? `${msg.slice(0, 99)}…` : msg}`;
      }
    }
    return { type: t.type, results };
  });
}

/** Whether `back` equals `sent` with the same types all the way down; the first difference otherwise. */
export function sameValue(sent: unknown, back: unknown, path = '$'): string | undefined {
  if (Object.is(sent, back)) return undefined;
  if (typeof sent !== typeof back || sent === null || back === null || typeof sent !== 'object') {
    return `${path}: ${describe(sent, true)} → ${describe(back, true)}`;
  }
  if (tag(sent) !== tag(back)) return `${path}: ${tag(sent)} → ${tag(back)}`;
  if (ArrayBuffer.isView(sent)) {
    const a = sent as unknown as ArrayLike<number>;
    const b = back as unknown as ArrayLike<number>;
    if (a.length !== b.length) return `${path}: length ${a.length} → ${b.length}`;
    for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `${path}[${i}] differs`;
    return undefined;
  }
  if (sent instanceof Map) {
    const bm = back as Map<unknown, unknown>;
    if (sent.size !== bm.size) return `${path}: Map size ${sent.size} → ${bm.size}`;
    for (const [k, v] of sent) {
      const d = sameValue(v, bm.get(k), `${path}.get(${String(k)})`);
      if (d) return d;
    }
    return undefined;
  }
  if (sent instanceof Set) {
    const bs = back as Set<unknown>;
    if (sent.size !== bs.size) return `${path}: Set size ${sent.size} → ${bs.size}`;
    const sa = [...sent];
    const ba = [...bs];
    for (let i = 0; i < sa.length; i++) {
      const d = sameValue(sa[i], ba[i], `${path}[set ${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  const sk = Object.keys(sent as object);
  const bk = Object.keys(back as object);
  if (sk.length !== bk.length) return `${path}: ${sk.length} keys → ${bk.length}`;
  for (const k of sk) {
    const d = sameValue((sent as Record<string, unknown>)[k], (back as Record<string, unknown>)[k], `${path}.${k}`);
    if (d) return d;
  }
  return undefined;
}

/** The legend of {@link compactFidelity}'s cells. */
export const FIDELITY_LEGEND = '✓ kept · ✗ lost, then what came back · throws [n]: the error, listed under the table';

/**
 * The type-loss table in cells short enough for a terminal or a page:
 * `✓`, `✗ what came back`, or `throws [n]` with the messages as numbered
 * notes (one per distinct message).
 */
export function compactFidelity(
  fidelity: readonly { type: string; results: Record<string, string> }[],
  codecIds: readonly string[],
): { rows: { type: string; cells: { short: string; full: string; kind: 'kept' | 'lost' | 'throws' }[] }[]; notes: string[] } {
  const notes: string[] = [];
  const rows = fidelity.map((f) => ({
    type: f.type,
    cells: codecIds.map((id) => {
      const full = f.results[id] ?? '';
      if (full === 'kept') return { short: '✓', full, kind: 'kept' as const };
      if (full.startsWith('throws: ')) {
        const message = full.slice('throws: '.length);
        let n = notes.indexOf(message) + 1;
        if (n === 0) n = notes.push(message);
        return { short: `throws [${n}]`, full, kind: 'throws' as const };
      }
      return { short: `✗ ${full.replace(/^lost → /, '')}`, full, kind: 'lost' as const };
    }),
  }));
  return { rows, notes };
}
