/** A one-line progress bar on a terminal's stderr; silent when stderr is not a TTY (piped, CI, --json). */
export class ProgressBar {
  #total: number;
  #label: string;
  #enabled: boolean;
  #lastDraw = 0;

  constructor(label: string, total: number, { enabled = Boolean(process.stderr.isTTY) } = {}) {
    this.#label = label;
    this.#total = Math.max(1, total);
    this.#enabled = enabled;
  }

  /** Redraws at most every 100 ms, and always at the end. */
  update(done: number, detail = ''): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (done < this.#total && now - this.#lastDraw < 100) return;
    this.#lastDraw = now;
    const frac = Math.min(1, done / this.#total);
    const width = 28;
    const fill = Math.round(frac * width);
    const bar = '#'.repeat(fill) + '-'.repeat(width - fill);
    process.stderr.write(`\r${this.#label} [${bar}] ${done}/${this.#total} ${detail}`.padEnd(90));
  }

  /** Ends the line so later output starts clean. */
  finish(): void {
    if (this.#enabled) process.stderr.write('\n');
  }
}
