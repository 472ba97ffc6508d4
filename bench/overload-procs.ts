// Parent side of the overload bench's client processes (bench/overload-child.ts is the child
// side): spawns them (optionally at low priority, with a raised file limit), talks JSON lines,
// and makes sure every one of them is dead at the end.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const live = new Set<ChildProcess>();

/** Kills (SIGKILL) every process this module started that is still running. */
export function killAll(): void {
  for (const c of live) {
    try {
      c.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}
process.once('exit', killAll);

/** Registers a process started elsewhere (the server) for killAll. */
export function track(c: ChildProcess): void {
  live.add(c);
  c.once('exit', () => live.delete(c));
}

/** A client process: its JSON lines, and mark / stop. */
export class ClientProc {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly messages: Array<Record<string, unknown>> = [];
  exitCode: number | null = null;
  exited = false;
  #waiters: Array<() => void> = [];

  constructor(name: string, proc: ChildProcess) {
    this.name = name;
    this.proc = proc;
    track(proc);
    let buf = '';
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (d: string) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.messages.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.messages.push({ type: 'text', line: line.slice(0, 500) });
        }
        this.#wake();
      }
    });
    proc.stdin!.on('error', () => {});
    proc.once('exit', (code, signal) => {
      this.exited = true;
      this.exitCode = code ?? (signal ? -1 : null);
      this.#wake();
    });
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }

  /** The first message of this type, waiting up to `timeoutMs`; null on timeout or exit. */
  async waitFor(type: string, timeoutMs: number): Promise<Record<string, unknown> | null> {
    const until = performance.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find((x) => x.type === type);
      if (m) return m;
      if (this.exited || performance.now() >= until) return null;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.max(1, until - performance.now()));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Errors the child reported. */
  get errors(): string[] {
    return this.messages.filter((m) => m.type === 'error').map((m) => String(m.message));
  }

  line(s: 'go' | 'mark' | 'stop'): void {
    if (!this.exited) this.proc.stdin!.write(s + '\n');
  }

  /** Asks for the result; kills the child if it does not answer within `graceMs`. */
  async stop(graceMs = 5000): Promise<Record<string, unknown> | null> {
    this.line('stop');
    const r = await this.waitFor('result', graceMs);
    if (!this.exited) {
      await new Promise((resolve) => {
        const t = setTimeout(() => {
          this.proc.kill('SIGKILL');
          resolve(null);
        }, 1000);
        this.proc.once('exit', () => {
          clearTimeout(t);
          resolve(null);
        });
      });
    }
    return r;
  }
}

export interface SpawnOptions {
  /** niceness (0 = normal priority) */
  nice: number;
  /** open files allowed in the child */
  nofile: number;
  /** the child's stderr goes to this file */
  logFile: string;
}

/** Starts `bench/<module>` as `bash -c 'ulimit -n N; exec nice -n K node --import tsx ...'`. */
export function spawnClient(name: string, module: string, params: Record<string, unknown>, o: SpawnOptions): ClientProc {
  const err = openSync(o.logFile, 'a');
  const script = `ulimit -n ${o.nofile} 2>/dev/null; exec nice -n ${o.nice} "$0" --import tsx "$1" "$2"`;
  const proc = spawn('bash', ['-c', script, process.execPath, fileURLToPath(new URL(module, import.meta.url)), JSON.stringify(params)], {
    cwd: root, stdio: ['pipe', 'pipe', err],
  });
  closeSync(err);
  return new ClientProc(name, proc);
}
