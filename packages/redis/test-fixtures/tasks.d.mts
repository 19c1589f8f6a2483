export declare const tasks: {
  incr(url: string, key: string, ms: number): Promise<string>;
  markPidThenHang(path: string): Promise<never>;
  markPidThenSleep(path: string, ms: number): Promise<string>;
  spin(ms: number): boolean;
  pid(): number;
};
