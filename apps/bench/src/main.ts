/**
 * The benchmark app: where the time goes when a call crosses to a worker.
 * Codecs, transport overhead against the bare medium, peers (piscina,
 * tinypool, workerpool, Python's concurrent.futures) on the same workloads,
 * and scaling by payload size and worker count. See apps/bench/README.md.
 */
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { USAGE, parseArgs, type Args } from './args.js';
import { fmtMs } from './format.js';
import { peerVersion } from './peers.js';
import { resultsText } from './print.js';
import { Progress } from './progress.js';
import { probePython } from './python.js';
import { ratioLines } from './ratios.js';
import { Reaper } from './reaper.js';
import { reportHtml } from './report-html.js';
import type { BenchResults } from './results.js';
import type { RunContext } from './session.js';
import { settingsFor } from './settings.js';
import { codecSteps, runCodecs } from './suite-codecs.js';
import { poolSteps, runPools } from './suite-pools.js';
import { reasonOf } from './timing.js';
import { runWorkload, workloadSteps } from './workload.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function commandLine(argv: readonly string[]): string {
  const rest = argv.join(' ');
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${rest ? ` -- ${rest}` : ''}`;
  return `node ${relative(process.env.INIT_CWD ?? process.cwd(), process.argv[1] ?? 'main.js')}${rest ? ` ${rest}` : ''}`;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

async function run(args: Args, argv: readonly string[]): Promise<number> {
  const started = new Date();
  const settings = settingsFor(args.mode);
  const reaper = new Reaper();
  const needPools = args.sections.some((s) => s !== 'codecs' && s !== 'workload');
  const total =
    (args.sections.includes('codecs') ? codecSteps : 0) +
    (needPools ? poolSteps(args.sections, settings.scalingSizes.length) : 0) +
    (args.sections.includes('workload') ? workloadSteps : 0);
  const ctx: RunContext = { settings, progress: new Progress(total), reaper, unavailable: {}, warnings: [] };

  // A broken pool must not take the whole run down: the sample running at the time fails with the error, the run goes on.
  const fatal = (what: string) => (err: unknown) => {
    const reason = `${what}: ${reasonOf(err)}`;
    ctx.warnings.push(reason);
    if (ctx.interrupt) ctx.interrupt(new Error(reason));
    else ctx.progress.note(reason);
  };
  process.on('unhandledRejection', fatal('unhandled rejection'));
  process.on('uncaughtException', fatal('uncaught exception'));
  const onSignal = (signal: NodeJS.Signals): void => {
    ctx.progress.note(`${signal}: stopping every pool`);
    reaper.killAll();
    void reaper.killLeftovers(0).finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const versions: Record<string, string> = {};
  for (const name of ['piscina', 'tinypool', 'workerpool', 'msgpackr', 'acorn']) {
    const v = peerVersion(name);
    if (v) versions[name] = v;
  }
  const python = args.sections.includes('peers') ? probePython() : { reason: 'not needed' };
  if ('version' in python) versions.python3 = python.version;

  const results: BenchResults = {
    meta: {
      date: started.toISOString(),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      totalMemoryMB: Math.round(totalmem() / (1 << 20)),
      command: commandLine(argv),
      mode: args.mode,
      sections: args.sections,
      durationMs: 0,
      versions,
      unavailable: ctx.unavailable,
      warnings: ctx.warnings,
    },
    codecs: null,
    transports: null,
    peers: null,
    scaling: null,
    workload: null,
    ratios: [],
  };

  try {
    if (args.sections.includes('codecs')) results.codecs = await runCodecs(ctx);
    if (needPools) Object.assign(results, await runPools(ctx, args.sections, python));
    if (args.sections.includes('workload')) results.workload = await runWorkload(ctx);
  } finally {
    reaper.killAll();
  }
  results.ratios = ratioLines([...(results.transports?.cases ?? []), ...(results.peers?.cases ?? []), ...(results.workload?.cases ?? [])]);

  const leftovers = await reaper.killLeftovers(3_000);
  for (const p of leftovers) ctx.warnings.push(`process left running after its pool was shut down, killed: pid ${p.pid} ${p.command}`);
  results.meta.durationMs = Date.now() - started.getTime();
  ctx.progress.finish();

  process.stdout.write(resultsText(results));
  process.stdout.write(`\nRun took ${fmtMs(results.meta.durationMs)} (${args.mode}).\n`);
  if (args.html) {
    mkdirSync(args.reportDir, { recursive: true });
    const file = join(args.reportDir, `bench-${stamp(started)}-${args.mode}.html`);
    results.meta.htmlReport = file;
    writeFileSync(file, reportHtml(results));
    copyFileSync(file, join(args.reportDir, 'latest.html'));
    process.stdout.write(`HTML report: ${file}\n`);
  }
  if (args.json) {
    mkdirSync(dirname(args.json), { recursive: true });
    writeFileSync(args.json, JSON.stringify(results, null, 2) + '\n');
    process.stdout.write(`JSON results: ${args.json}\n`);
  }
  return 0;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let args: Args;
  try {
    args = parseArgs(argv, join(REPO_ROOT, 'bench-results'));
  } catch (err) {
    process.stderr.write(`bench: ${reasonOf(err)}\n\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return;
  }
  const code = await run(args, argv);
  // Leave even if a broken pool still holds a handle: every process of ours was reaped above.
  process.stdout.write('', () => process.exit(code));
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
