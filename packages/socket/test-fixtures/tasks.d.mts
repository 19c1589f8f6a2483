// Types of tasks.mjs, so the tests are typed as user code would be.
export declare const tasks: {
  add(a: number, b: number): number;
  echo<T>(value: T): T;
  pid(): number;
  sleepThenPid(ms: number): Promise<number>;
  forever(): Promise<never>;
  spinForever(marker: string): never;
  bytes(n: number): Uint8Array;
  byteSum(bytes: ArrayBufferView): number;
  env(key: string): string | undefined;
};
