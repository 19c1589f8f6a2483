import type { Settings } from './settings.js';

export interface CodecPayload {
  id: string;
  label: string;
  value: unknown;
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${n / (1 << 20)} MB` : n >= 1024 ? `${n / 1024} KB` : `${n} B`;
}

function nested(depth: number): unknown {
  if (depth === 0) return { leaf: true, value: 1.5, label: 'leaf' };
  return { level: depth, name: `node-${depth}`, flags: [true, false], children: [nested(depth - 1), nested(depth - 1), nested(depth - 1)] };
}

function f64(bytes: number): Float64Array {
  const a = new Float64Array(bytes / 8);
  for (let i = 0; i < a.length; i++) a[i] = i * 0.5 + 0.25;
  return a;
}

/** The values every codec encodes, in the order of the report. */
export function codecPayloads(s: Settings): CodecPayload[] {
  const records = Array.from({ length: s.codecRecords }, (_, i) => ({
    id: i,
    name: `user${i}`,
    email: `user${i}@example.com`,
    age: 20 + (i % 50),
    active: i % 2 === 0,
    score: i * 1.5,
  }));
  const n = Math.max(10, s.codecRecords);
  const mapSet = {
    index: new Map(Array.from({ length: n }, (_, i) => [`key-${i}`, new Set([i, i + 1, i + 2])])),
    tags: new Set(Array.from({ length: n }, (_, i) => `tag-${i}`)),
  };
  const phrase = 'Grüße aus Köln — naïve café, 日本語のテキスト, emoji ✓ and plain ASCII words to pad it out. ';
  const strings = Array.from({ length: n }, (_, i) => `${i}: ${phrase}${phrase}`.slice(0, 200));
  // A call frame as the engine sends it (protocol.ts RunMessage): flat [id, fnId, kind, args] slots.
  const frame = (calls: number): unknown => ({ t: 'run', calls: Array.from({ length: calls }, (_, i) => [i + 1, 0, 0, [i]]).flat() });
  return [
    { id: 'frame-1', label: 'call frame: 1 tiny call', value: frame(1) },
    { id: 'frame-100', label: 'call frame: batch of 100 tiny calls', value: frame(100) },
    { id: 'small', label: 'small object', value: { id: 42, name: 'alice', active: true, score: 0.75, tags: ['a', 'b'] } },
    { id: 'records', label: `${records.length}-element array of records`, value: records },
    { id: 'nested', label: 'nested object (depth 6, 3 children each)', value: nested(6) },
    { id: 'mapset', label: `Map/Set heavy (${n} Map entries of Sets, ${n}-item Set)`, value: mapSet },
    { id: 'f64-1mb', label: `${formatBytes(s.codecF64Small)} Float64Array`, value: f64(s.codecF64Small) },
    { id: 'f64-16mb', label: `${formatBytes(s.codecF64Big)} Float64Array`, value: f64(s.codecF64Big) },
    { id: 'strings', label: `string-heavy (${n} strings of 200 chars, non-ASCII)`, value: strings },
  ];
}
