import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../../server/cli/main.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'takeover-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('takeover train', () => {
  it('refuses an unsafe --version or --parent with a usage error before training', async () => {
    for (const args of [['--version', '../../x'], ['--version', 'a..b'], ['--parent', '../v1']]) {
      const err: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
      const code = await main(['train', '--episodes', 'all', '--data-dir', dir, ...args]).finally(() => spy.mockRestore());
      expect(code, args.join(' ')).toBe(2);
      expect(err.join(''), args.join(' ')).toContain(`--${args[0].slice(2)} '${args[1]}' is not a valid version name`);
    }
  });

  it('refuses an unknown --help-score with a usage error naming the choices', async () => {
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
    const code = await main(['train', '--episodes', 'all', '--data-dir', dir, '--help-score', 'vibes']).finally(() => spy.mockRestore());
    expect(code).toBe(2);
    expect(err.join('')).toContain("--help-score takes novelty, ensemble, both, risk or risk-or-ensemble, got 'vibes'");
  });

  it('refuses --help-score risk without rollouts to learn from, before training', async () => {
    for (const extra of [[], ['--help-rollouts', '1']]) {
      const err: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
      const code = await main(['train', '--episodes', 'all', '--data-dir', dir, '--help-score', 'risk', ...extra]).finally(() => spy.mockRestore());
      expect(code, extra.join(' ')).toBe(2);
      expect(err.join(''), extra.join(' ')).toContain("--help-score risk learns from the policy's own rollouts: give --help-rollouts N (N >= 2");
    }
  });

  it('refuses the failure-risk shape flags without a risk score, and a member count out of range', async () => {
    const cases: [string[], string][] = [
      [['--help-risk-time'], '--help-risk-time, --help-risk-members, --help-risk-corrected and --help-risk-horizon shape the failure-risk model: use them with --help-score risk or risk-or-ensemble'],
      [['--help-score', 'ensemble', '--help-risk-members', '3'], '--help-risk-time, --help-risk-members, --help-risk-corrected and --help-risk-horizon shape the failure-risk model'],
      [['--help-score', 'novelty', '--help-rollouts', '10', '--help-risk-corrected'], '--help-risk-horizon shape the failure-risk model: use them with --help-score risk'],
      [['--help-score', 'risk', '--help-rollouts', '10', '--help-risk-members', '0'], '--help-risk-members takes 1 to 16 models, got 0'],
      [['--help-score', 'risk', '--help-rollouts', '10', '--help-risk-members', 'two'], "--help-risk-members takes a whole number, got 'two'"],
    ];
    for (const [extra, message] of cases) {
      const err: string[] = [];
      const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s) => (err.push(String(s)), true));
      const code = await main(['train', '--episodes', 'all', '--data-dir', dir, ...extra]).finally(() => spy.mockRestore());
      expect(code, extra.join(' ')).toBe(2);
      expect(err.join(''), extra.join(' ')).toContain(message);
    }
  });
});
