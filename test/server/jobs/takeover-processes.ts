// `takeover` processes for the multi-process tests (servers, workers on one embedded PostgreSQL):
// started from bin/takeover.js, each announcing itself with a JSON line on stdout.
import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../../..');
/** The admin token the test servers are configured with (their config's `tokens`). */
export const ADMIN = 'fleet-admin-token-0123456789';
const auth = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };

/** A started `takeover` process: its JSON line, and its stderr so far. */
export interface Proc {
  child: ChildProcess;
  json: Record<string, unknown>;
  log: () => string;
}

const procs: ChildProcess[] = [];

/** SIGKILLs every process this file started that is still running (its afterAll). */
export function killStarted(): void {
  for (const c of procs) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

/** Resolves with the child's exit code (or signal) once it has exited, or 'still running' after ms. */
export function exited(child: ChildProcess, ms: number): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((r) => {
    const timer = setTimeout(() => r('still running'), ms);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      r(code ?? signal);
    });
  });
}

/** Runs `takeover <args> --json` and waits (at most 180 s) for its JSON line. */
export function takeover(args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [join(root, 'bin/takeover.js'), ...args, '--json'], { cwd: root, env: { ...process.env, TAKEOVER_TOKENS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  procs.push(child);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => {
    err += d;
    if (process.env.TKO_TIMINGS) process.stderr.write(`[${args[0]} ${child.pid}] ${d}`);
  });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`takeover ${args[0]} printed no JSON line in 180 s: ${err}`)), 180_000);
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) {
        clearTimeout(timer);
        ok({ child, json: JSON.parse(line), log: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`takeover ${args[0]} exited ${code}: ${err}`));
    });
  });
}

/** A REST call as the admin, answered in 60 s. */
export async function api<T = any>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const r = await fetch(base + path, { signal: AbortSignal.timeout(60_000), method, headers: body === undefined ? { authorization: auth.authorization } : auth, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as T };
}

/** Polls `fn` every 200 ms until it returns something truthy (fails after `ms`, naming `what`). */
export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 180_000): Promise<T> {
  const end = Date.now() + ms;
  const t0 = Date.now();
  try {
    return await poll();
  } finally {
    if (process.env.TKO_TIMINGS) process.stderr.write(`${what}: ${Date.now() - t0} ms\n`);
  }
  async function poll(): Promise<T> {
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}
