// Types of tasks.mjs, so the tests are typed as user code would be.
export declare const tasks: {
  echo(value: any): any;
  add(a: number, b: number): number;
  pid(): number;
  holdOpen(): number;
  slowPid(ms: number): number;
  title(): string;
  hang(): Promise<never>;
  spinForever(marker: string): never;
  exitWith(code: number): never;
  killSelf(signal: NodeJS.Signals): Promise<never>;
  makeFunction(): () => number;
  startup(): { execArgv: string[]; env: string | undefined };
  failInit(message: string): never;
};
