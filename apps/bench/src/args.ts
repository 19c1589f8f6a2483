import { isAbsolute, resolve } from 'node:path';

export const SECTIONS = ['codecs', 'transports', 'peers', 'scaling', 'workload'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Args {
  mode: 'full' | 'quick' | 'tiny';
  sections: Section[];
  /** Absolute path for the raw results, when --json was given. */
  json?: string;
  /** Directory for the HTML report. */
  reportDir: string;
  html: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick            short run (under a minute), e.g. for CI
  --only SECTIONS    run only these sections, comma separated:
                     codecs, transports, peers, scaling, workload
  --json FILE        also write the raw results as JSON to FILE
  --report-dir DIR   where the HTML report goes (default: bench-results/ at the repo root)
  --no-html          do not write the HTML report
  -h, --help         this text

Environment: FUTURES_BENCH_TINY=1 (or the hidden --tiny flag) shrinks every
workload to almost nothing; the bench's own test uses it.
`;

/** Paths on the command line are relative to where the user ran npm, not to apps/bench. */
function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

/** Parse argv (without node and the script). Throws a message for the user on bad input. */
export function parseArgs(argv: readonly string[], defaultReportDir: string): Args {
  const args: Args = { mode: 'full', sections: [...SECTIONS], reportDir: defaultReportDir, html: true, help: false };
  let quick = false;
  let tiny = process.env.FUTURES_BENCH_TINY === '1';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--tiny':
        tiny = true;
        break;
      case '--only': {
        const names = value().split(',').map((s) => s.trim()).filter(Boolean);
        for (const n of names) {
          if (!(SECTIONS as readonly string[]).includes(n)) throw new Error(`--only: unknown section "${n}" (expected ${SECTIONS.join(', ')})`);
        }
        args.sections = SECTIONS.filter((s) => names.includes(s));
        break;
      }
      case '--json':
        args.json = userPath(value());
        break;
      case '--report-dir':
        args.reportDir = userPath(value());
        break;
      case '--no-html':
        args.html = false;
        break;
      case '-h':
      case '--help':
        args.help = true;
        break;
      default:
        throw new Error(`unknown option ${a}`);
    }
  }
  args.mode = tiny ? 'tiny' : quick ? 'quick' : 'full';
  return args;
}
