import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LoopReport } from './learning-loop.ts';

const BIN = fileURLToPath(new URL('../../bin/takeover.js', import.meta.url));

export interface LoopSeedRunOptions {
  seeds: readonly number[];
  /** how many seeds run at once, each in its own process */
  parallel: number;
  /** `takeover loop` arguments shared by every seed (no --seed, no --json) */
  args: readonly string[];
  /** progress lines for people, each prefixed with its seed */
  log?: (line: string) => void;
}

/**
 * Runs one `takeover loop` process per seed, `parallel` at a time, and returns their JSON reports
 * in the seeds' order. Separate processes keep the runs independent (each has its own policy
 * backend and simulator) and use every core. The first failing seed stops the others, and so
 * does a SIGINT or SIGTERM to this process.
 */
export async function runLoopSeeds(o: LoopSeedRunOptions): Promise<LoopReport[]> {
  if (!(o.parallel >= 1)) throw new Error(`parallel must be at least 1, got ${o.parallel}`);
  const log = o.log ?? (() => {});
  const reports: LoopReport[] = new Array(o.seeds.length);
  const children = new Set<ReturnType<typeof spawn>>();
  let next = 0;
  let failed: Error | null = null;
  const runOne = (seed: number) =>
    new Promise<LoopReport>((resolve, reject) => {
      const child = spawn(process.execPath, [BIN, 'loop', ...o.args, '--seed', String(seed), '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      const out: Buffer[] = [];
      let tail = '';
      child.stdout.on('data', (b: Buffer) => out.push(b));
      let partial = '';
      child.stderr.on('data', (b: Buffer) => {
        const lines = (partial + b.toString()).split('\n');
        partial = lines.pop() ?? '';
        for (const line of lines) log(`[seed ${seed}] ${line}`);
        tail = (tail + b.toString()).slice(-2000);
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        children.delete(child);
        if (code !== 0) return reject(new Error(`loop seed ${seed} exited with ${code ?? signal}: ${lastError(tail)}`));
        try {
          resolve(JSON.parse(Buffer.concat(out).toString()) as LoopReport);
        } catch (err) {
          reject(new Error(`loop seed ${seed} printed no JSON report: ${(err as Error).message}`));
        }
      });
    });
  const lane = async () => {
    while (!failed && next < o.seeds.length) {
      const i = next++;
      try {
        reports[i] = await runOne(o.seeds[i]);
        log(`[seed ${o.seeds[i]}] done`);
      } catch (err) {
        failed ??= err as Error;
        for (const c of children) c.kill('SIGTERM');
      }
    }
  };
  // a signal to this process alone (a job manager's SIGTERM) must not leave the seeds running
  // for an hour: stop them, then let the signal do what it would have done
  const onSignal = (sig: NodeJS.Signals) => {
    for (const c of children) c.kill('SIGTERM');
    process.kill(process.pid, sig);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await Promise.all(Array.from({ length: Math.min(o.parallel, o.seeds.length) }, lane));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (failed) throw failed;
  return reports;
}

/** The CLI's own error line (`takeover loop: ...`) from a child's stderr, else its last lines. */
function lastError(stderr: string): string {
  const lines = stderr.trim().split('\n');
  return lines.findLast((l) => /^takeover \w+: /.test(l))?.replace(/^takeover \w+: /, '') ?? lines.slice(-3).join(' | ');
}
