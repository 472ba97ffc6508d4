// The overload bench's server: `takeover serve` as its own process (normal priority, recording
// on), its config, /api/status reads, VmRSS from /proc, and a clean SIGINT stop.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, createWriteStream, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RobotStatus } from '../server/control-plane/robot-status.ts';
import type { ThreadFigures } from '../server/control-plane/thread-figures.ts';
import { track } from './overload-procs.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The tokens of the bench's config: two operators and a viewer. */
export const TOKENS = {
  teleop: { name: 'bench-op-teleop', role: 'operator' as const, token: 'bench-overload-teleop-0001' },
  estop: { name: 'bench-op-estop', role: 'operator' as const, token: 'bench-overload-estop-00001' },
  viewer: { name: 'bench-viewer', role: 'viewer' as const, token: 'bench-overload-viewer-0001' },
};

/** The parts of GET /api/status the bench reads (server/api/status.ts). */
export interface Status {
  robots: RobotStatus[];
  clients: number;
  framesDropped: number;
  schedulerOverruns: number;
  recorder: Record<string, number> | null;
  controlThread: ThreadFigures;
  memory?: { rssMiB: number; heapTotalMiB: number; heapUsedMiB: number; externalMiB: number; arrayBuffersMiB: number };
  estopAck: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null };
  safetySocket?: { port: number | null; estopAck: { count: number; p50Ms: number | null; p99Ms: number | null; maxMs: number | null } };
}

/** A status read and when its answer came (performance.now(), ms). */
export interface StatusRead {
  at: number;
  ms: number;
  status: Status;
}

export class ServerProc {
  readonly proc: ChildProcess;
  readonly dataDir: string;
  readonly logFile: string;
  url = '';
  exit: { code: number | null; signal: string | null; at: number } | null = null;

  private constructor(proc: ChildProcess, dataDir: string, logFile: string) {
    this.proc = proc;
    this.dataDir = dataDir;
    this.logFile = logFile;
    track(proc);
    proc.once('exit', (code, signal) => (this.exit = { code, signal, at: performance.now() }));
  }

  get wsUrl(): string {
    return this.url.replace(/^http/, 'ws') + '/ws';
  }

  /** Writes a config (N sim robots at `rateHz`, expert policy, tokens, recording on; `extra`: more config fields) and starts the server. */
  static async start(dir: string, robots: number, rateHz: number, extra: Record<string, unknown> = {}, timeoutMs = 180_000, nodeFlags: string[] = []): Promise<ServerProc> {
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir, { recursive: true });
    const config = join(dir, 'takeover.config.json');
    writeFileSync(config, JSON.stringify({
      host: '127.0.0.1', port: 0, controlRateHz: rateHz, record: true, logLevel: 'warn', webDir: join(dir, 'no-console'),
      robots: Array.from({ length: robots }, (_, i) => ({ id: `arm${i}`, kind: 'sim', task: 'place', policy: 'expert', seed: 1000 * i })),
      tokens: Object.values(TOKENS),
      // the 2,000 idle sockets are to be signed in for real: raise the connection caps above them
      // (defaults: docs/configuration.md) so the load is the connections, not their refusal
      wsLimits: { maxConnections: 4096, maxConnectionsPerToken: 4096 },
      ...extra,
    }, null, 2));
    const logFile = join(dir, 'server.log');
    const err = openSync(logFile, 'a');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TAKEOVER_')));
    const proc = spawn(process.execPath, [...nodeFlags, join(root, 'bin/takeover.js'), 'serve', '--config', config, '--data-dir', dataDir, '--no-build', '--json'], {
      cwd: root, env, stdio: ['ignore', 'pipe', err],
    });
    closeSync(err);
    const s = new ServerProc(proc, dataDir, logFile);
    s.url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server not listening after ${timeoutMs} ms`)), timeoutMs);
      proc.stdout!.setEncoding('utf8');
      proc.stdout!.on('data', (d: string) => {
        out += d;
        const i = out.indexOf('\n');
        if (i >= 0 && !s.url) {
          clearTimeout(timer);
          try {
            resolve((JSON.parse(out.slice(0, i)) as { url: string }).url);
          } catch {
            reject(new Error(`unexpected server output: ${out.slice(0, 200)}`));
          }
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code}) before listening: ${s.logTail(5).join(' | ')}`));
      });
    });
    // after that line the server's stdout carries its log (Fastify's logger writes to stdout)
    const log = createWriteStream(logFile, { flags: 'a' });
    proc.stdout!.removeAllListeners('data');
    proc.stdout!.pipe(log);
    return s;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** Starts a new measurement window on the server (jitter and latency samples cleared); false if refused. */
  async resetFigures(): Promise<boolean> {
    try {
      const res = await fetch(`${this.url}/api/status/reset-figures`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.estop.token}` }, signal: AbortSignal.timeout(10_000) });
      return res.ok;
    } catch {
      return false;
    }
  }

  /** GET /api/status with the viewer token; null if it fails or takes longer than `timeoutMs`. */
  async status(timeoutMs = 30_000): Promise<StatusRead | null> {
    if (this.exit) return null;
    const t = performance.now();
    try {
      const res = await fetch(`${this.url}/api/status`, { headers: { authorization: `Bearer ${TOKENS.viewer.token}` }, signal: AbortSignal.timeout(timeoutMs) });
      if (!res.ok) return null;
      const status = (await res.json()) as Status;
      return { at: performance.now(), ms: performance.now() - t, status };
    } catch {
      return null;
    }
  }

  /** The server's resident set size (VmRSS in /proc/<pid>/status), MiB; null once it is gone. */
  rssMiB(): number | null {
    if (this.exit) return null;
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** SIGINT, then waits; SIGKILL after `timeoutMs`. clean: exited by itself with code 0. */
  async stop(timeoutMs = 60_000): Promise<{ clean: boolean; code: number | null; signal: string | null; ms: number; alreadyDead: boolean }> {
    const t = performance.now();
    if (this.exit) return { clean: false, code: this.exit.code, signal: this.exit.signal, ms: 0, alreadyDead: true };
    this.proc.kill('SIGINT');
    const done = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.proc.once('exit', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!done) {
      this.proc.kill('SIGKILL');
      await new Promise((r) => this.proc.once('exit', r));
    }
    const e = this.exit ?? { code: null, signal: 'SIGKILL' };
    return { clean: done && e.code === 0, code: e.code, signal: e.signal, ms: performance.now() - t, alreadyDead: false };
  }

  /** The last lines of the server's output (its log). */
  logTail(n: number): string[] {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-n);
    } catch {
      return [];
    }
  }

  /** Log lines at level error or fatal (pino JSON level >= 50), and the first of them. */
  logErrors(): { count: number; first: string | null } {
    let lines: string[] = [];
    try {
      lines = readFileSync(this.logFile, 'utf8').split('\n');
    } catch {
      return { count: 0, first: null };
    }
    const errs = lines.filter((l) => /"level":(5|6)\d/.test(l));
    const first = errs[0] ? ((/"msg":"([^"]*)"/.exec(errs[0])?.[1] ?? '') + ' ' + (/"message":"([^"]*)"/.exec(errs[0])?.[1] ?? '')).trim().slice(0, 200) : null;
    return { count: errs.length, first };
  }
}
