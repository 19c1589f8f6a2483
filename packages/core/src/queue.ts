/**
 * `Queue`: the one double-ended FIFO of the project, for every place that
 * queues work or results (the engine's call queue, a worker's in-flight
 * calls, `map`, `asCompleted`, `InlineExecutor`, the worker runtime).
 *
 * Shaped like Node's internal `FixedQueue` (and piscina's `fixed_queue`): a
 * singly linked list of fixed-size ring buffers. `push`, `shift`, `unshift`
 * and `peek` are O(1) and allocate only when a segment fills up; a segment
 * that empties is dropped, so memory follows the current length, never the
 * number of items that ever passed through (a head-indexed array that is
 * only compacted when it drains grows without bound under a sustained
 * backlog).
 */

/** Slots per segment: a power of two, so that wrapping an index is a mask. */
const SEGMENT_SIZE = 1024;
const MASK = SEGMENT_SIZE - 1;

/** One ring buffer of the list: `size` items from `bottom`, wrapping around. */
class Segment<T> {
  readonly slots: (T | undefined)[] = new Array<T | undefined>(SEGMENT_SIZE);
  bottom = 0;
  size = 0;
  next: Segment<T> | undefined = undefined;
}

/**
 * A double-ended queue: append with {@link Queue.push}, take from the front
 * with {@link Queue.shift}, put back at the front with {@link Queue.unshift}
 * (a call that goes back to the head of the line).
 *
 * Iterating visits the items front to back without removing them. Do not
 * modify the queue while iterating it.
 */
export class Queue<T> implements Iterable<T> {
  /** The segment `shift` and `unshift` work on. */
  #front: Segment<T> = new Segment<T>();
  /** The segment `push` works on (the same as `#front` while one suffices). */
  #back: Segment<T> = this.#front;
  #length = 0;
  #segments = 1;

  /** How many items are queued. */
  get length(): number {
    return this.#length;
  }

  /**
   * Slots currently allocated (a multiple of the segment size). Bounded by
   * the length plus two segments: it shows that memory follows the backlog.
   */
  get capacity(): number {
    return this.#segments * SEGMENT_SIZE;
  }

  /** Appends `item` at the back. O(1). */
  push(item: T): void {
    let back = this.#back;
    if (back.size === SEGMENT_SIZE) {
      back = back.next = new Segment<T>();
      this.#back = back;
      this.#segments++;
    }
    back.slots[(back.bottom + back.size) & MASK] = item;
    back.size++;
    this.#length++;
  }

  /** Puts `item` at the front, so the next `shift` returns it. O(1). */
  unshift(item: T): void {
    let front = this.#front;
    if (front.size === SEGMENT_SIZE) {
      const segment = new Segment<T>();
      segment.next = front;
      this.#front = front = segment;
      this.#segments++;
    }
    front.bottom = (front.bottom - 1) & MASK;
    front.slots[front.bottom] = item;
    front.size++;
    this.#length++;
  }

  /** Removes and returns the front item; `undefined` when the queue is empty. O(1). */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const front = this.#front;
    const item = front.slots[front.bottom] as T;
    front.slots[front.bottom] = undefined;
    front.bottom = (front.bottom + 1) & MASK;
    front.size--;
    this.#length--;
    if (front.size === 0) {
      if (front.next !== undefined) this.#dropFront();
      else front.bottom = 0;
    }
    return item;
  }

  /** The front item without removing it; `undefined` when the queue is empty. O(1). */
  peek(): T | undefined {
    if (this.#length === 0) return undefined;
    // Never empty here: an emptied segment is dropped unless it is the only one.
    const front = this.#front;
    return front.slots[front.bottom];
  }

  /** The item `index` places from the front (0 is the front), or undefined past the end. */
  at(index: number): T | undefined {
    if (index < 0 || index >= this.#length) return undefined;
    for (let segment: Segment<T> | undefined = this.#front; segment !== undefined; segment = segment.next) {
      if (index < segment.size) return segment.slots[(segment.bottom + index) & MASK];
      index -= segment.size;
    }
    return undefined;
  }

  /**
   * Removes the first occurrence of `item` (compared with `===`).
   *
   * O(n): it searches the queue and closes the gap inside one segment. Use it
   * for rare removals; code that drops many items (cancelled calls) should
   * leave them queued and skip them when they come out of `shift`, as the
   * engine does with `Future.setRunningOrNotifyCancel()`.
   *
   * @returns true if the item was found and removed.
   */
  remove(item: T): boolean {
    let previous: Segment<T> | undefined;
    for (let segment: Segment<T> | undefined = this.#front; segment !== undefined; previous = segment, segment = segment.next) {
      const { slots, bottom, size } = segment;
      for (let i = 0; i < size; i++) {
        if (slots[(bottom + i) & MASK] !== item) continue;
        for (let j = i; j < size - 1; j++) slots[(bottom + j) & MASK] = slots[(bottom + j + 1) & MASK];
        slots[(bottom + size - 1) & MASK] = undefined;
        segment.size--;
        this.#length--;
        if (segment.size === 0) this.#unlink(segment, previous);
        return true;
      }
    }
    return false;
  }

  /** Removes every item. */
  clear(): void {
    this.#front = this.#back = new Segment<T>();
    this.#length = 0;
    this.#segments = 1;
  }

  /** The items front to back, without removing them. */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let segment: Segment<T> | undefined = this.#front; segment !== undefined; segment = segment.next) {
      for (let i = 0; i < segment.size; i++) yield segment.slots[(segment.bottom + i) & MASK] as T;
    }
  }

  /** Drops the (empty) front segment. */
  #dropFront(): void {
    const next = this.#front.next!;
    this.#front.next = undefined;
    this.#front = next;
    this.#segments--;
  }

  /** Unlinks a segment that `remove` emptied, unless it is the only one. */
  #unlink(segment: Segment<T>, previous: Segment<T> | undefined): void {
    if (segment.next === undefined && previous === undefined) {
      segment.bottom = 0;
      return;
    }
    if (previous === undefined) {
      this.#front = segment.next!;
    } else {
      previous.next = segment.next;
      if (this.#back === segment) this.#back = previous;
    }
    segment.next = undefined;
    this.#segments--;
  }
}
