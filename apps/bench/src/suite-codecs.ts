import { performance } from 'node:perf_hooks';
import { codecPayloads } from './codec-payloads.js';
import { fidelityTable, sameValue } from './codec-fidelity.js';
import { makeCodecs, type Codec } from './codecs.js';
import type { CodecTiming, CodecsSection } from './results.js';
import type { RunContext } from './session.js';
import { summarize } from './stats.js';
import { reasonOf } from './timing.js';

/** Microseconds per call of `fn`, over `k` calls. The sink keeps the work from being optimised away. */
function usPer(k: number, fn: () => unknown, sink: { n: number }): number {
  const t0 = performance.now();
  for (let i = 0; i < k; i++) {
    const r = fn() as { length?: number } | null;
    sink.n += r && typeof r === 'object' && typeof r.length === 'number' ? r.length : 1;
  }
  return ((performance.now() - t0) * 1000) / k;
}

interface Pair {
  codec: Codec;
  k: number;
  encoded?: Uint8Array;
  encodeUs: number[];
  decodeUs: number[];
  roundTripUs: number[];
  timing: CodecTiming;
}

/** The number of payloads: one progress step each. */
export const codecSteps = 9;

/** Encode and decode time and size of every codec on every payload, plus the types each codec loses. */
export async function runCodecs(ctx: RunContext): Promise<CodecsSection> {
  const { settings, progress } = ctx;
  const codecs = makeCodecs();
  const payloads = codecPayloads(settings);
  const timings: CodecTiming[] = [];
  const sink = { n: 0 };

  // JIT warm-up of every codec on the small payloads, so the first payload measured is not the one that pays for it.
  for (const codec of codecs) {
    for (const p of payloads.filter((x) => !x.id.startsWith('f64'))) {
      const until = performance.now() + settings.sampleTargetMs / 2;
      try {
        do codec.roundTrip(p.value);
        while (performance.now() < until);
      } catch {
        // Reported by the measurement below.
      }
    }
  }

  for (const p of payloads) {
    progress.startCase('codecs', p.label);
    const pairs: Pair[] = [];
    for (const codec of codecs) {
      const timing: CodecTiming = { payload: p.id, codec: codec.id, status: 'ok' };
      const pair: Pair = { codec, k: 1, encodeUs: [], decodeUs: [], roundTripUs: [], timing };
      timings.push(timing);
      progress.detail(`${codec.label} · warm-up`);
      try {
        // One round trip: checks the result, measures the size, and tells how many calls fill a sample.
        const t0 = performance.now();
        let back: unknown;
        if (codec.encode && codec.decode) {
          pair.encoded = codec.encode(p.value);
          back = codec.decode(pair.encoded);
          timing.bytes = pair.encoded.byteLength;
        } else {
          back = codec.roundTrip(p.value);
        }
        const ms = performance.now() - t0;
        const diff = sameValue(p.value, back);
        timing.faithful = diff === undefined;
        if (diff) timing.lossNote = diff;
        pair.k = Math.max(1, Math.min(100_000, Math.ceil(settings.sampleTargetMs / Math.max(ms, 1e-3))));
        pairs.push(pair);
      } catch (err) {
        timing.status = 'n/a';
        timing.reason = reasonOf(err);
      }
      await new Promise(setImmediate); // let the progress bar draw
    }

    const t0 = Date.now();
    const budget = settings.codecBudgetMs * codecs.length;
    for (let r = 0; r < settings.rounds; r++) {
      if (r >= 1 && Date.now() - t0 > budget) break;
      const start = r % Math.max(1, pairs.length);
      for (const pair of [...pairs.slice(start), ...pairs.slice(0, start)]) {
        const { codec, k } = pair;
        progress.detail(`${codec.label} · round ${r + 1}/${settings.rounds}`);
        try {
          if (codec.encode && codec.decode && pair.encoded) {
            const enc = pair.encoded;
            const e = usPer(k, () => codec.encode!(p.value), sink);
            const d = usPer(k, () => codec.decode!(enc), sink);
            pair.encodeUs.push(e);
            pair.decodeUs.push(d);
          } else {
            pair.roundTripUs.push(usPer(k, () => codec.roundTrip(p.value), sink));
          }
        } catch (err) {
          pair.timing.status = 'n/a';
          pair.timing.reason = reasonOf(err);
        }
        await new Promise(setImmediate);
      }
    }
    for (const { timing, encodeUs, decodeUs, roundTripUs } of pairs) {
      if (timing.status !== 'ok' || (roundTripUs.length === 0 && encodeUs.length === 0)) continue;
      if (encodeUs.length && decodeUs.length) {
        timing.encodeUs = summarize(encodeUs);
        timing.decodeUs = summarize(decodeUs);
        // encode + decode as the sum of the two figures, so the columns add up.
        const e = timing.encodeUs;
        const d = timing.decodeUs;
        timing.roundTripUs = { median: e.median + d.median, min: e.min + d.min, max: e.max + d.max, q1: e.q1 + d.q1, q3: e.q3 + d.q3, n: e.n };
      } else {
        timing.roundTripUs = summarize(roundTripUs);
      }
    }
    progress.endCase();
  }

  return {
    payloads: payloads.map((p) => ({ id: p.id, label: p.label })),
    codecs: codecs.map((c) => ({ id: c.id, label: c.label, note: c.note })),
    timings,
    fidelity: fidelityTable(makeCodecs()),
  };
}
