/**
 * Waits (on real I/O) until `cond` holds, polling every few milliseconds. The limit only turns a
 * hang into a failure naming what never happened; no test asserts how long anything took.
 */
export async function until(cond: () => boolean | Promise<boolean>, what: string, limitMs = 10_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** TEST DOUBLE logger: keeps every line. */
export class MemoryLog {
  lines: Array<{ level: 'info' | 'warn' | 'error'; msg: string }> = [];
  info = (msg: string) => void this.lines.push({ level: 'info', msg });
  warn = (msg: string) => void this.lines.push({ level: 'warn', msg });
  error = (msg: string) => void this.lines.push({ level: 'error', msg });
  has(re: RegExp): boolean {
    return this.lines.some((l) => re.test(l.msg));
  }
}
