import { describe, expect, it } from 'vitest';
import { END, START, replaceBetweenMarkers, resultsMarkdown } from './markdown.js';
import type { BenchResults } from './results.js';
import { WIDE_SPREAD_NOTE } from './stats.js';

describe('replaceBetweenMarkers', () => {
  it('replaces only the text between the markers', () => {
    const readme = `# T\n\n${START}\nold table\n${END}\n\nafter\n`;
    expect(replaceBetweenMarkers(readme, '| new |\n')).toBe(`# T\n\n${START}\n| new |\n${END}\n\nafter\n`);
  });

  it('returns undefined when a marker is missing', () => {
    expect(replaceBetweenMarkers(`# T\n${START}\n`, 'x')).toBeUndefined();
    expect(replaceBetweenMarkers(`# T\n${END}\n${START}\n`, 'x')).toBeUndefined();
  });
});

describe('resultsMarkdown', () => {
  const spread = (median: number, q1: number, q3: number) => ({ median, min: q1, max: q3, q1, q3, n: 5 });
  const results = (bareMs: ReturnType<typeof spread>) =>
    ({
      meta: { date: '2026-11-30T00:00:00Z', command: 'npm run bench', cpus: 2, cpuModel: 'cpu', node: 'v20', versions: {}, mode: 'full', durationMs: 1000, unavailable: {} },
      transports: {
        cases: [
          {
            id: 'transports.rtt',
            entries: [
              { id: 'thread', label: 'ours: thread', ms: spread(90, 88, 92), perOpUs: 45 },
              { id: 'floor-postmessage', label: 'floor: bare postMessage', ms: bareMs, perOpUs: 9.4 },
            ],
          },
        ],
      },
      ratios: [],
    }) as unknown as BenchResults;

  it('flags a figure whose rounds disagree too much to trust, and says what the flag means', () => {
    const md = resultsMarkdown(results(spread(20, 10, 30)));
    expect(md).toContain('thread 45.0 µs · bare postMessage 9.40 µs !.');
    expect(md).toContain(WIDE_SPREAD_NOTE);
  });

  it('leaves figures with a tight spread unflagged, without the note', () => {
    const md = resultsMarkdown(results(spread(20, 19.5, 20.5)));
    expect(md).toContain('bare postMessage 9.40 µs.');
    expect(md).not.toContain(WIDE_SPREAD_NOTE);
  });

  it("says what waking the other side costs the sender, next to the round trips, when the wake floors ran", () => {
    const r = results(spread(20, 19.5, 20.5));
    r.transports!.cases.push({
      id: 'transports.wake',
      entries: [
        { id: 'floor-wake-asleep', label: 'floor: postMessage to a sleeping thread (sender)', ms: spread(2.1, 2, 2.2), perOpUs: 21.4 },
        { id: 'floor-wake-busy', label: 'floor: postMessage to a busy thread (sender)', ms: spread(0.15, 0.14, 0.16), perOpUs: 1.5 },
      ],
    } as unknown as NonNullable<BenchResults['transports']>['cases'][number]);
    const md = resultsMarkdown(r);
    expect(md).toContain('takes the sender 21.4 µs when the other thread sleeps');
    expect(md).toContain('and 1.50 µs when it is busy');
    expect(resultsMarkdown(results(spread(20, 19.5, 20.5)))).not.toContain('takes the sender');
  });
});
