import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loopSettingsFromFlags, parseSeeds } from '../../../server/cli/loop-command.ts';
import { main } from '../../../server/cli/main.ts';
import { loopScenario } from '../../../server/loop/loop-scenario.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'takeover-loop-cmd-'));
const BIN = path.resolve('bin/takeover.js');

/** Live child processes of a pid, from /proc (field 4 of /proc/<pid>/stat is the parent). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid && fields[0] !== 'Z') out.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('takeover loop flags', () => {
  it('parses seed lists and ranges', () => {
    expect(parseSeeds('1-3,7,2')).toEqual([1, 2, 3, 7]);
    expect(() => parseSeeds('3-1')).toThrow(/backwards/);
    expect(() => parseSeeds('1;2')).toThrow(/--seeds takes/);
  });

  it('lays the flags over the scenario and refuses bad ones by name', () => {
    const disc = loopScenario('discriminating', 4).settings;
    expect(disc.demoSeedBase).toBe(60400); // every seed has demos of its own
    expect(disc.startVersion).toBeNull();
    const o = loopSettingsFromFlags(disc, { rounds: '2', 'suboptimal-rate': '0.1', rewind: 'on', 'start-policy': 'default' });
    expect(o).toMatchObject({ rounds: 2, rewind: true, startVersion: 'default', episodesPerRound: 60, evalEpisodes: 300 });
    expect(o.operator).toMatchObject({ suboptimalRate: 0.1, reactionSpread: 0.6 });
    expect(disc.operator!.suboptimalRate).toBe(0.25); // the preset itself is untouched
    const std = loopScenario('standard', 1).settings;
    expect(loopSettingsFromFlags(std, { 'warm-start': true, lr: '1e-3', 'keep-epoch': 'last' })).toMatchObject({ warmStart: true, learningRate: 1e-3, keepEpoch: 'last' });
    expect(() => loopSettingsFromFlags(std, { 'keep-epoch': 'first' })).toThrow(/--keep-epoch takes best or last, got 'first'/);
    expect(() => loopSettingsFromFlags(std, { 'suboptimal-rate': '2' })).toThrow(/--suboptimal-rate takes a number from 0 to 1/);
    expect(() => loopSettingsFromFlags(std, { 'eval-rounds': 'some' })).toThrow(/--eval-rounds takes all or last/);
    expect(() => loopSettingsFromFlags(std, { 'train-start': true, demos: '0' })).toThrow(/needs --demos above 0/);
  });

  it('runs several seeds in their own processes and compares them paired by seed', { timeout: 300_000 }, async () => {
    const out: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
    const code = await main([
      'loop', '--seeds', '1-2', '--parallel', '2', '--data-dir', dir, '--rounds', '2', '--episodes-per-round', '1', '--weighting', 'sirius,none',
      '--train-start', '--demos', '2', '--start-epochs', '1', '--epochs', '1', '--eval-episodes', '2', '--eval-rounds', 'last', '--warm-start', '--json',
    ]).finally(() => (spy.mockRestore(), err.mockRestore()));
    expect(code).toBe(0);
    const r = JSON.parse(out.join(''));
    expect(r.seeds).toEqual([1, 2]);
    expect(r.runs.map((x: { seed: number }) => x.seed)).toEqual([1, 2]);
    for (const run of r.runs) {
      expect(run.rows[0].version).toBe(`${run.runId}-start`); // trained on the run's own demos
      expect(run.rows.filter((x: { round: number }) => x.round === 1).every((x: { eval: unknown }) => x.eval === null)).toBe(true);
      expect(run.rows.filter((x: { round: number }) => x.round === 2).every((x: { eval: { episodes: number } }) => x.eval.episodes === 2)).toBe(true);
    }
    expect(r.comparison.comparisons.map((c: { round: number; a: string; b: string }) => `${c.round}:${c.a}-${c.b}`)).toEqual(['2:sirius-none', '2:sirius-start', '2:none-start']);
  });

  it('stops with the failing seed named when a seed cannot run', { timeout: 120_000 }, async () => {
    const lines: string[] = [];
    const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (lines.push(String(s)), true));
    const code = await main(['loop', '--seeds', '1-2', '--data-dir', dir, '--start-policy', 'no-such-version', '--demos', '0', '--json']).finally(() => err.mockRestore());
    expect(code).not.toBe(0);
    expect(lines.join('')).toMatch(/loop seed \d exited with 1.*no-such-version/s);
  });

  it('a SIGTERM to the command stops the seeds it started', { timeout: 120_000 }, async () => {
    const parent = spawn(process.execPath, [BIN, 'loop', '--seeds', '1-2', '--parallel', '2', '--data-dir', dir, '--rounds', '3', '--episodes-per-round', '500', '--demos', '2', '--json'], { stdio: 'ignore' });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => parent.on('exit', (code, sig) => resolve(sig ?? code)));
    let seeds: number[] = [];
    try {
      for (let i = 0; i < 600 && seeds.length < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        seeds = childrenOf(parent.pid!);
      }
      expect(seeds).toHaveLength(2);
      parent.kill('SIGTERM');
      expect(await exited).toBe('SIGTERM');
      for (let i = 0; i < 300 && seeds.some(alive); i++) await new Promise((r) => setTimeout(r, 100));
      expect(seeds.filter(alive)).toEqual([]);
    } finally {
      // nothing outlives the test, whatever failed
      for (const pid of [parent.pid!, ...seeds]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});
