/**
 * The shape of a bench run's results: what `--json FILE` writes, what the
 * HTML report and the README table read. Times are milliseconds unless a
 * field name says otherwise (`Us` = microseconds).
 */

/** A figure summarised over interleaved rounds. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  /** How many samples the figure is made of. */
  n: number;
}

/** Who a row belongs to: our executors, a peer library, a bare medium, or a no-pool baseline. */
export type ContenderKind = 'ours' | 'peer' | 'floor' | 'baseline';

/** One contender's figures in one case. */
export interface Entry {
  /** Stable id used in ratio names: `thread`, `piscina`, `python-process`, `floor-ipc`. */
  id: string;
  label: string;
  kind: ContenderKind;
  /** The package or program this row needs (`@futures/thread-pool`, `piscina`, `python3`). */
  requires: string;
  status: 'ok' | 'n/a';
  /** Why the row has no figure. */
  reason?: string;
  /** Raw samples: milliseconds for one run of the case's workload. */
  samples: number[];
  /** Milliseconds for one run of the workload. */
  ms?: Spread;
  /** Median microseconds per operation (call, item, round trip). */
  perOpUs?: number;
  /** Median operations per second. */
  opsPerSec?: number;
  /** Median ÷ the fastest ok row's median in this case (1 = fastest). */
  ratio?: number;
  /** Extra figures a case computes (e.g. `xIdeal` for fib). */
  extra?: Record<string, number>;
  /** Why the row stands apart in its case (e.g. left out of "vs fastest"), shown next to it. */
  note?: string;
}

/** One named workload measured on several contenders in interleaved rounds. */
export interface CaseResult {
  /** `peers.burst`, `transports.rtt`, `scaling.payload.1048576`. */
  id: string;
  title: string;
  /** What one "operation" is, for per-op and per-second figures: `call`, `item`, `round trip`. */
  opName: string;
  /** Operations in one run of the workload. */
  ops: number;
  /** Workload parameters as run (they shrink with --quick). */
  params: Record<string, number | string>;
  rounds: number;
  /** Further rounds run only by the rows whose median sample was under `fastSampleMs`. */
  extraRounds?: number;
  fastSampleMs?: number;
  entries: Entry[];
  /** What the reader must know to compare the rows (shown under the table). */
  note?: string;
}

export interface CodecTiming {
  payload: string;
  codec: string;
  status: 'ok' | 'n/a';
  reason?: string;
  /** Per encode, microseconds. Absent for codecs that only round-trip (structured clone). */
  encodeUs?: Spread;
  decodeUs?: Spread;
  /** encode + decode, microseconds per value. */
  roundTripUs?: Spread;
  /** Encoded bytes. */
  bytes?: number;
  /** Whether the decoded value equals the input (same types, same contents). */
  faithful?: boolean;
  lossNote?: string;
}

export interface CodecsSection {
  payloads: { id: string; label: string }[];
  codecs: { id: string; label: string; note: string }[];
  timings: CodecTiming[];
  /** For each type: per codec `kept`, `lost → what came back`, or `throws: message`. */
  fidelity: { type: string; results: Record<string, string> }[];
}

export interface RatioLine {
  name: string;
  /** Numerator median ÷ denominator median (times), so < 1 means the numerator is faster. */
  value?: number;
  numerator: string;
  denominator: string;
  text: string;
}

export interface ScalingSection {
  /** Round-trip time of one echo call by payload size, per contender (1 worker). */
  payload: {
    sizes: number[];
    series: { id: string; label: string; kind: ContenderKind; points: (Spread | null)[]; reason?: string }[];
    cases: CaseResult[];
  };
  /** Burst throughput and fib time with 1 and 2 workers. */
  workers: {
    rows: {
      id: string;
      label: string;
      burstOpsPerSec: Record<string, number | null>;
      fibMs: Record<string, number | null>;
    }[];
    cases: CaseResult[];
  };
}

export interface Meta {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  totalMemoryMB: number;
  command: string;
  mode: 'full' | 'quick' | 'tiny';
  sections: string[];
  durationMs: number;
  /** Versions of the peers and python3 as found. */
  versions: Record<string, string>;
  /** Package or program → why it could not be used. Rows needing them are n/a. */
  unavailable: Record<string, string>;
  warnings: string[];
  htmlReport?: string;
}

export interface BenchResults {
  meta: Meta;
  codecs: CodecsSection | null;
  transports: { cases: CaseResult[] } | null;
  peers: { cases: CaseResult[] } | null;
  scaling: ScalingSection | null;
  /** map's default options against tuned chunk sizes, and the acorn parse (real workload). */
  workload: { cases: CaseResult[] } | null;
  ratios: RatioLine[];
}
