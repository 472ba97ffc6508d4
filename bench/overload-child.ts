// Child-process side of the overload bench (bench/overload-procs.ts is the parent side): params
// from argv as JSON, JSON lines to stdout, `go` / `mark` / `stop` lines from stdin, a hard deadline.

/** What a child's main gives back: counters reset on `mark`, a result on `stop`, and a close. */
export interface ChildHandle {
  mark?(): void;
  result(): Record<string, unknown>;
  close?(): void;
}

/** Writes one JSON line to the parent. */
export function emit(msg: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(msg) + '\n');
}

/**
 * Runs a child: on `go` (so that a process can be started, and its modules loaded, ahead of
 * time), `main` returns its handle at once and calls `ready()` when set up (a load may still be
 * ramping up when the parent stops it); `stop`, stdin's end or the deadline end it.
 */
export function runChild<P extends { maxSeconds: number }>(main: (p: P, ready: () => void) => ChildHandle): void {
  const p = JSON.parse(process.argv[2] ?? '{}') as P;
  let handle: ChildHandle = { result: () => ({ setup: 'not finished' }) };
  let done = false;
  const finish = (why: string) => {
    if (done) return;
    done = true;
    let result: Record<string, unknown>;
    try {
      result = handle.result();
    } catch (err) {
      result = { resultError: (err as Error).message };
    }
    process.stdout.write(JSON.stringify({ type: 'result', why, ...result }) + '\n', () => {
      try {
        handle.close?.();
      } finally {
        setTimeout(() => process.exit(0), 300).unref();
      }
    });
  };
  setTimeout(() => finish('deadline'), p.maxSeconds * 1000).unref();
  let buf = '';
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line === 'go') start();
      else if (line === 'mark') {
        handle.mark?.();
        emit({ type: 'marked' });
      } else if (line === 'stop') finish('stop');
    }
  });
  process.stdin.on('end', () => finish('parent gone'));
  process.on('uncaughtException', (err) => {
    emit({ type: 'error', message: err?.message ?? String(err) });
    finish('uncaught exception');
  });
  let started = false;
  const start = () => {
    if (started || done) return;
    started = true;
    try {
      handle = main(p, () => {
        if (!done) emit({ type: 'ready' });
      });
    } catch (err) {
      emit({ type: 'error', message: (err as Error)?.message ?? String(err) });
      finish('setup failed');
    }
  };
  emit({ type: 'loaded' });
}
