/**
 * What crosses the transport seam about progress: a worker publishes, on a
 * board the engine can read, the id of the call it is running
 * ({@link PROGRESS_RUNNING}) and of the call it finished last
 * ({@link PROGRESS_DONE}). When the worker dies or is ended, the engine reads
 * the board to tell which call was running, which had finished and which had
 * not started, while the worker still sends its results in batches.
 *
 * The boards themselves (shared memory, a shared file descriptor) are
 * Node-specific and live in `progress-board.ts`.
 */

export const PROGRESS_RUNNING = 0;
export const PROGRESS_DONE = 1;
export type ProgressSlot = typeof PROGRESS_RUNNING | typeof PROGRESS_DONE;

/** The worker's side of a progress board. */
export interface ProgressWriter {
  /**
   * Publishes `id` in `slot`. Returns false when the write failed: the board
   * can no longer be trusted, and the runtime stops using it.
   */
  set(slot: ProgressSlot, id: number): boolean;
}

/** The engine's side of a progress board. */
export interface ProgressReader {
  get(slot: ProgressSlot): number;
}
