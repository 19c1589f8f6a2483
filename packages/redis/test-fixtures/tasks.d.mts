export declare const tasks: {
  incr(url: string, key: string, ms: number): Promise<string>;
  markPidThenHang(path: string): Promise<never>;
  markPidThenSleep(path: string, ms: number): Promise<string>;
  spin(ms: number): boolean;
  pid(): number;
  /** `<pid>:<threadId>` of the runtime thread: a worker starts a fresh one for each executor it serves. */
  thread(): string;
};
