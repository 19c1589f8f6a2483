import { Packr } from 'msgpackr';
import { deserialize, serialize } from 'node:v8';

/** A way to turn values into bytes and back, as a transport would use it. */
export interface Codec {
  id: string;
  label: string;
  /** Where it is used. */
  note: string;
  /** Absent for structured clone, which only round-trips in memory. */
  encode?(value: unknown): Uint8Array;
  decode?(bytes: Uint8Array): unknown;
  roundTrip(value: unknown): unknown;
}

function codec(id: string, label: string, note: string, encode: (v: unknown) => Uint8Array, decode: (b: Uint8Array) => unknown): Codec {
  return { id, label, note, encode, decode, roundTrip: (v) => decode(encode(v)) };
}

/** The codecs compared, fresh instances per run (msgpackr keeps record structures per instance). */
export function makeCodecs(): Codec[] {
  const packr = new Packr();
  const structured = new Packr({ structuredClone: true });
  return [
    codec(
      'json',
      'JSON',
      'JSON.stringify/parse to UTF-8: what a hand-rolled IPC channel uses',
      (v) => Buffer.from(JSON.stringify(v) ?? 'null'),
      (b) => JSON.parse(Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8')),
    ),
    codec('v8', 'v8.serialize', "the process pool's codec (child_process serialization: 'advanced')", (v) => serialize(v), (b) => deserialize(b)),
    {
      id: 'structured-clone',
      label: 'structured clone',
      note: "the thread pool's codec (postMessage); in-memory, so only the round trip is timed and there is no size",
      roundTrip: (v) => structuredClone(v),
    },
    codec('msgpackr', 'msgpackr', 'msgpackr with its default options', (v) => packr.pack(v), (b) => packr.unpack(b)),
    codec(
      'msgpackr-structured',
      'msgpackr structured',
      "msgpackr with structuredClone: true (Map, Set, typed arrays, cycles): the socket pool's frame codec",
      (v) => structured.pack(v),
      (b) => structured.unpack(b),
    ),
  ];
}
