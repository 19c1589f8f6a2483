/**
 * What the terminal shows while the bench runs: a one-line progress bar on
 * stderr when stderr is a TTY (suite, case, contender, round, elapsed),
 * plain lines otherwise, so logs in CI stay readable.
 */
export class Progress {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #t0 = Date.now();
  #total: number;
  #done = 0;
  #suite = '';
  #case = '';
  #detail = '';
  #timer: NodeJS.Timeout | undefined;

  constructor(total: number, out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = Boolean(out.isTTY) && !process.env.CI;
    this.#total = Math.max(1, total);
    if (this.#tty) {
      // Elapsed time keeps moving even while one long sample runs.
      this.#timer = setInterval(() => this.#draw(), 250);
      this.#timer.unref();
    }
  }

  /** A case starts: one step of the bar. */
  startCase(suite: string, title: string): void {
    this.#suite = suite;
    this.#case = title;
    this.#detail = '';
    if (this.#tty) this.#draw();
    else this.#out.write(`[bench ${this.#elapsed()}] ${suite} › ${title}\n`);
  }

  /** What runs inside the case now (contender, round). Shown on the TTY only. */
  detail(text: string): void {
    this.#detail = text;
    if (this.#tty) this.#draw();
  }

  endCase(): void {
    this.#done = Math.min(this.#total, this.#done + 1);
    if (this.#tty) this.#draw();
  }

  /** A message that must stay on screen (a case went n/a). */
  note(text: string): void {
    if (this.#tty) this.#out.write('\r\x1b[2K');
    this.#out.write(`[bench ${this.#elapsed()}] ${text}\n`);
    if (this.#tty) this.#draw();
  }

  finish(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#tty) this.#out.write('\r\x1b[2K');
    this.#out.write(`[bench ${this.#elapsed()}] done: ${this.#done} cases\n`);
  }

  #elapsed(): string {
    const s = Math.floor((Date.now() - this.#t0) / 1000);
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  }

  #draw(): void {
    const width = 24;
    const filled = Math.round((this.#done / this.#total) * width);
    const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
    const cols = this.#out.columns || 100;
    // What changes fastest (contender, round) comes before the case title, which is cut when the line is too long.
    let line = `${bar} ${this.#done}/${this.#total} ${this.#elapsed()}  ${this.#suite}${this.#detail ? ` · ${this.#detail}` : ''} · ${this.#case}`;
    if (line.length > cols - 1) line = line.slice(0, cols - 2) + '…';
    this.#out.write(`\r\x1b[2K${line}`);
  }
}
