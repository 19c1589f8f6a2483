/** How much work each mode does. Everything that decides the run time of the bench is here. */
export interface Settings {
  mode: 'full' | 'quick' | 'tiny';
  /** Measured rounds per case, after the warm-up. */
  rounds: number;
  /**
   * Warm-up per contender and case: one run of the case's warm-up op, then
   * full runs until this much time has gone, so the JIT has settled (hot
   * paths optimized on both sides) before anything is timed.
   */
  warmupMs: number;
  /**
   * Short samples are the noisiest: after the rounds above, rows whose median
   * sample is under `fastSampleMs` get up to `extraRounds` more, interleaved as
   * before, for at most `extraBudgetMs`.
   */
  extraRounds: number;
  fastSampleMs: number;
  extraBudgetMs: number;
  /** A case stops starting new rounds after this long, once it has `minRounds`. */
  caseBudgetMs: number;
  minRounds: number;
  /** Time limits: one sample, starting a pool, shutting one down. */
  sampleTimeoutMs: number;
  openTimeoutMs: number;
  closeTimeoutMs: number;
  /** Workers per pool in the peers suite. */
  workers: number;
  rttCalls: number;
  /** Messages timed by the wake floors (each costs a 2 ms sleep or a 1 ms spin of the other thread). */
  wakeMessages: number;
  /** Burst of tiny calls (transports, peers, scaling by workers). */
  burstCalls: number;
  mapItems: number;
  mapChunksize: number;
  fibN: number;
  fibCount: number;
  /** The big payload: 16 MB Float64Array round trip. */
  bigPayloadBytes: number;
  /** Payload sizes for the scaling suite (bytes). */
  scalingSizes: number[];
  /** Each echo or codec sample repeats its operation to last about this long. */
  sampleTargetMs: number;
  /** Codec payloads: the "1 MB" and "16 MB" Float64Arrays, and the record count. */
  codecF64Small: number;
  codecF64Big: number;
  codecRecords: number;
  /** Time budget for one codec × payload pair. */
  codecBudgetMs: number;
  /** Workload section: tiny items for map's default against these hand-tuned chunk sizes. */
  mapEchoItems: number;
  mapEchoChunksizes: number[];
  /** Workload section: which node_modules `.js` files the acorn parse takes (see workload.ts), and the tuned chunk sizes. */
  parseFiles: 'all' | 'quarter' | 'few';
  parseChunksizes: number[];
}

const MB = 1 << 20;

export function settingsFor(mode: 'full' | 'quick' | 'tiny'): Settings {
  switch (mode) {
    case 'full':
      return {
        mode,
        rounds: 7,
        warmupMs: 1_000,
        extraRounds: 8,
        fastSampleMs: 500,
        extraBudgetMs: 15_000,
        caseBudgetMs: 45_000,
        minRounds: 3,
        sampleTimeoutMs: 20_000,
        openTimeoutMs: 30_000,
        closeTimeoutMs: 10_000,
        workers: 2,
        rttCalls: 2_000,
        wakeMessages: 100,
        burstCalls: 20_000,
        mapItems: 100_000,
        mapChunksize: 100,
        fibN: 20,
        fibCount: 2_000,
        bigPayloadBytes: 16 * MB,
        scalingSizes: [1, 64, 1024, 16 * 1024, 256 * 1024, MB, 4 * MB, 16 * MB],
        sampleTargetMs: 25,
        codecF64Small: MB,
        codecF64Big: 16 * MB,
        codecRecords: 1000,
        codecBudgetMs: 6_000,
        mapEchoItems: 200_000,
        mapEchoChunksizes: [1_000, 5_000, 20_000],
        parseFiles: 'all',
        parseChunksizes: [1, 16],
      };
    case 'quick':
      return {
        mode,
        rounds: 3,
        warmupMs: 200,
        extraRounds: 0,
        fastSampleMs: 0,
        extraBudgetMs: 0,
        caseBudgetMs: 6_000,
        minRounds: 2,
        sampleTimeoutMs: 10_000,
        openTimeoutMs: 20_000,
        closeTimeoutMs: 5_000,
        workers: 2,
        rttCalls: 300,
        wakeMessages: 30,
        burstCalls: 3_000,
        mapItems: 20_000,
        mapChunksize: 100,
        fibN: 20,
        fibCount: 300,
        bigPayloadBytes: 16 * MB,
        scalingSizes: [1, 1024, 64 * 1024, MB, 16 * MB],
        sampleTargetMs: 5,
        codecF64Small: MB,
        codecF64Big: 16 * MB,
        codecRecords: 1000,
        codecBudgetMs: 600,
        mapEchoItems: 200_000,
        mapEchoChunksizes: [1_000, 5_000, 20_000],
        parseFiles: 'quarter',
        parseChunksizes: [1],
      };
    case 'tiny':
      // For the test: every section and case, with next to no work.
      return {
        mode,
        rounds: 1,
        warmupMs: 0,
        extraRounds: 0,
        fastSampleMs: 0,
        extraBudgetMs: 0,
        caseBudgetMs: 1_000,
        minRounds: 1,
        sampleTimeoutMs: 10_000,
        openTimeoutMs: 15_000,
        closeTimeoutMs: 2_000,
        workers: 2,
        rttCalls: 10,
        wakeMessages: 3,
        burstCalls: 100,
        mapItems: 1_000,
        mapChunksize: 100,
        fibN: 12,
        fibCount: 20,
        bigPayloadBytes: 64 * 1024,
        scalingSizes: [1, 64 * 1024],
        sampleTargetMs: 0,
        codecF64Small: 8 * 1024,
        codecF64Big: 64 * 1024,
        codecRecords: 20,
        codecBudgetMs: 50,
        mapEchoItems: 2_000,
        mapEchoChunksizes: [100],
        parseFiles: 'few',
        parseChunksizes: [1],
      };
  }
}
