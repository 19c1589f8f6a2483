/**
 * Which of the executor's node flags a spawned worker gets: only those that
 * decide how modules load, so a loader such as tsx reaches the workers.
 */

/** Node flags that take a value and decide how modules load: these reach spawned workers. */
const LOADER_FLAGS_WITH_VALUE = ['--import', '--require', '-r', '--loader', '--experimental-loader', '--conditions', '-C'];
/** ...and the boolean ones. */
const LOADER_FLAGS = ['--enable-source-maps'];

/**
 * The module-loading flags among `execArgv` (`--import tsx`, `--require`,
 * `--conditions`, ...). Nothing else is passed on: `-e`/`-p` would make a
 * worker run the parent's code, `--input-type` would refuse the worker's
 * entry, `--inspect-brk` would stop each worker for a debugger.
 */
export function loaderFlags(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (LOADER_FLAGS.includes(arg)) out.push(arg);
    else if (LOADER_FLAGS_WITH_VALUE.includes(arg) && i + 1 < execArgv.length) out.push(arg, execArgv[++i]);
    else if (LOADER_FLAGS_WITH_VALUE.some((flag) => flag.startsWith('--') && arg.startsWith(`${flag}=`))) out.push(arg);
  }
  return out;
}
