/**
 * The Node.js flags a worker inherits from the parent. Most are the
 * parent's choices for every thread and process (a loader, heap sizes,
 * `--cpu-prof`), but `--input-type` describes only the parent's own entry:
 * code given by `--eval` or stdin (`node --input-type=module -e '…'`). A
 * worker that inherits it refuses to load its entry file ("--input-type can
 * only be used with string input"), so a pool made in such a script could
 * start no worker at all. `--eval`/`--print` and their code go too: Node
 * drops them from what `fork()` passes on only when given `process.execArgv`
 * itself, not a copy.
 */

/** Flags that describe only the parent's entry point; each takes a value. */
const ENTRY_ONLY_FLAGS = ['--input-type', '--eval', '-e', '--print', '-p', '-pe'];

/**
 * `execArgv` without the flags that describe only the parent's entry, or
 * `undefined` when it has none (the worker inherits as Node does by default).
 */
export function inheritedExecArgv(execArgv: readonly string[] = process.execArgv): string[] | undefined {
  if (!execArgv.some(isEntryOnly)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i];
    if (!isEntryOnly(arg)) out.push(arg);
    // `--input-type module`, `-e CODE`: the value is the next argument.
    else if (!arg.includes('=')) i++;
  }
  return out;
}

function isEntryOnly(arg: string): boolean {
  return ENTRY_ONLY_FLAGS.some((flag) => arg === flag || arg.startsWith(`${flag}=`));
}
