import { describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';

describe('parseArgs', () => {
  it('runs everything in full mode by default', () => {
    const a = parseArgs([], '/r');
    expect(a.mode).toBe('full');
    expect(a.sections).toEqual(['codecs', 'transports', 'peers', 'scaling', 'workload']);
    expect(a.reportDir).toBe('/r');
    expect(a.json).toBeUndefined();
  });

  it('reads --quick, --only (in the canonical order) and --json', () => {
    const a = parseArgs(['--quick', '--only', 'peers,codecs', '--json=/tmp/x.json'], '/r');
    expect(a.mode).toBe('quick');
    expect(a.sections).toEqual(['codecs', 'peers']);
    expect(a.json).toBe('/tmp/x.json');
  });

  it('lets --tiny win over --quick', () => {
    expect(parseArgs(['--quick', '--tiny'], '/r').mode).toBe('tiny');
  });

  it('names the option at fault', () => {
    expect(() => parseArgs(['--only', 'gpu'], '/r')).toThrow(/--only: unknown section "gpu"/);
    expect(() => parseArgs(['--json'], '/r')).toThrow(/--json needs a value/);
    expect(() => parseArgs(['--fast'], '/r')).toThrow(/unknown option --fast/);
  });
});
