/**
 * Socket files to remove if the process exits without shutting their
 * executors down. One `process.on('exit')` listener serves every executor in
 * the process (one each would warn past 10 executors): it is added with the
 * first registration and removed with the last.
 *
 * This is process-wide state on purpose: the 'exit' event is process-wide.
 */
const cleanups = new Set<() => void>();

function runCleanups(): void {
  for (const cleanup of cleanups) cleanup();
}

/** Runs `cleanup` at process exit, until the returned function unregisters it. */
export function onProcessExit(cleanup: () => void): () => void {
  if (cleanups.size === 0) process.on('exit', runCleanups);
  cleanups.add(cleanup);
  return () => {
    if (cleanups.delete(cleanup) && cleanups.size === 0) process.off('exit', runCleanups);
  };
}
