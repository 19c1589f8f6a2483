/**
 * The one transport-level message, outside the engine's protocol: the parent
 * asks an idle worker thread to exit on its own (graceful retirement).
 * A string can never be mistaken for a protocol message, which is an object.
 */
export const CLOSE_MESSAGE = '@futures/thread-pool:close';
