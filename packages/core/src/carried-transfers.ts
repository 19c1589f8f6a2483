/**
 * A `with({ transfer })` list shared by the calls of a `map`: each call is
 * sent with the items of the list that its own arguments carry, never the
 * whole list. Sent whole with the first call, the list would move (detach)
 * the buffers of every later item, whose calls would then receive empty
 * buffers: a transfer list may hold a buffer that the message does not
 * otherwise use, and a detached buffer in both crosses as a 0-byte one.
 */
import type { TransferListItem } from 'node:worker_threads';

/** How far into arrays and plain objects the arguments are searched. */
const MAX_DEPTH = 4;

/**
 * The items of `transfer` that `values` carry: directly, as the buffer of a
 * typed array or DataView, or inside arrays and plain objects up to
 * {@link MAX_DEPTH} levels down; `undefined` when none. An item carried only
 * deeper, or inside another kind of object, is copied instead of moved,
 * which is slower but always delivers the data.
 */
export function carriedTransfers(transfer: readonly TransferListItem[], values: readonly unknown[]): TransferListItem[] | undefined {
  const wanted = new Set<unknown>(transfer);
  const found = new Set<TransferListItem>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== 'object' || value === null) return;
    if (wanted.has(value)) found.add(value as TransferListItem);
    if (ArrayBuffer.isView(value)) {
      if (wanted.has(value.buffer)) found.add(value.buffer as TransferListItem);
      return;
    }
    if (depth >= MAX_DEPTH) return;
    if (Array.isArray(value)) {
      for (const item of value) visit(item, depth + 1);
    } else if (Object.getPrototypeOf(value) === Object.prototype) {
      for (const key of Object.keys(value)) {
        let item: unknown;
        try {
          item = (value as Record<string, unknown>)[key];
        } catch {
          continue; // A throwing getter: the codec reports it when the call is sent.
        }
        visit(item, depth + 1);
      }
    }
  };
  for (const value of values) visit(value, 0);
  return found.size === 0 ? undefined : [...found];
}
