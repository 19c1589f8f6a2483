/**
 * The rows `map` has read but not submitted yet, kept as columns (one array
 * per iterable), so a chunk is a slice of each and costs no array per item.
 */
export class ColumnBuffer {
  #columns: unknown[][];
  #start = 0;
  constructor(width: number) {
    this.#columns = Array.from({ length: width }, () => []);
  }
  get length(): number {
    return this.#columns[0].length - this.#start;
  }
  /** Appends columns as `SyncZip.nextColumns` returns them. */
  append(columns: unknown[][]): void {
    if (this.length === 0) {
      this.#columns = columns;
      this.#start = 0;
      return;
    }
    columns.forEach((column, i) => {
      const into = this.#columns[i];
      for (const value of column) into.push(value);
    });
  }
  pushRow(row: unknown[]): void {
    row.forEach((value, i) => this.#columns[i].push(value));
  }
  /** The next row, as one call's arguments. */
  takeRow(): unknown[] {
    const start = this.#start++;
    const row = this.#columns.map((column) => column[start]);
    this.#compact();
    return row;
  }
  /** The next `n` rows (fewer when fewer are buffered), as columns. */
  take(n: number): unknown[][] {
    const start = this.#start;
    const columns = this.#columns.map((column) => column.slice(start, start + n));
    this.#start += columns[0].length;
    this.#compact();
    return columns;
  }
  clear(): void {
    this.#columns = this.#columns.map(() => []);
    this.#start = 0;
  }
  /** Drops the rows taken, once they are most of the arrays (amortized O(1) per row). */
  #compact(): void {
    const used = this.#start;
    if (used === this.#columns[0].length) {
      this.#columns = this.#columns.map(() => []);
      this.#start = 0;
    } else if (used >= 4096 && used * 2 >= this.#columns[0].length) {
      this.#columns = this.#columns.map((column) => column.slice(used));
      this.#start = 0;
    }
  }
}
