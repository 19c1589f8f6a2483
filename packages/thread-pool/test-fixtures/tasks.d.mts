// Types of tasks.mjs, so the tests are typed as user code would be.
export declare const tasks: {
  echo(value: any): any;
  add(a: number, b: number): number;
  threadId(): number;
  byteSum(buffer: ArrayBuffer): number;
  writeShared(shared: SharedArrayBuffer, index: number, value: number): void;
  spin(started: SharedArrayBuffer): never;
  exitWith(code: number): never;
  throwOutside(message: string): Promise<never>;
  exhaustMemory(): never;
  env(key: string): string | undefined;
  failInit(message: string): never;
};
