// Tasks for the worker runtime's progress tests: imported by module URL, as a worker does.
import { reportProgress } from './task-progress.js';

/** Reports 'a', then 'b' after an await, and returns 'ok'. */
export async function steps(): Promise<string> {
  reportProgress('a');
  await new Promise((resolve) => setImmediate(resolve));
  reportProgress('b');
  return 'ok';
}

/** Returns at once and reports 'late' from a timer afterwards (the report must be dropped). */
export function late(): string {
  setTimeout(() => reportProgress('late'), 1);
  return 'done';
}

/** Reports a value the port refuses; returns what reportProgress threw. */
export function refused(): string {
  try {
    reportProgress(Symbol('cannot be sent'));
    return 'sent';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

/** Reports a live resource (an emitter, which structured clone would copy as `{}`); returns what reportProgress threw. */
export async function emitter(): Promise<string> {
  const { EventEmitter } = await import('node:events');
  try {
    reportProgress(new EventEmitter());
    return 'sent';
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}
