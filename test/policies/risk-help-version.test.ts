import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../core/seeded-random.ts';
import { extractFeatures } from '../../policies/observation-features.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import type { RolloutTrace } from '../../policies/rollout-calibration.ts';
import { runTrainingJob, type TrainingJobSpec } from '../../policies/training-job.ts';
import { HelpMonitor } from '../../server/control/help-monitor.ts';
import { createSimLoop } from '../../server/control/sim-loop.ts';
import { recordExpertDemos } from '../../server/cli/train-command.ts';

const spec: TrainingJobSpec = { episodes: 'kind=demo,task=reach', weighting: 'none', epochs: 1, hidden: [8], seed: 0, helpScore: 'risk', version: 'risky' };

describe('a version trained with a failure-risk help score', () => {
  let root: string;
  const builtinDir = () => path.join(root, 'none');
  const calls: string[] = [];
  let observed: { dim: number; sample: Float32Array } | null = null;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-risk-'));
    await recordExpertDemos(root, 'reach', 4, 0, 20);
  }, 120_000);
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('is refused without rollouts to learn from', async () => {
    await expect(runTrainingJob(spec, { dataDir: root, builtinDir: builtinDir() })).rejects.toThrow(/helpScore 'risk' needs rollouts of the candidate/);
    await expect(runTrainingJob({ ...spec, helpScore: 'risk-or-ensemble' }, { dataDir: root, builtinDir: builtinDir() })).rejects.toThrow(/helpScore 'risk-or-ensemble' needs rollouts of the candidate/);
  });

  it('learns the risk from the rollouts, stores it with the version, and the version loads, scores and raises on it', async () => {
    // a real observation's features, to build rollouts around and to score at the end
    const { bridge } = await createSimLoop({ robotId: 'probe', task: 'reach', controlHz: 20, policy: null });
    const obs = bridge.observe();
    const { manifest } = await runTrainingJob(spec, {
      dataDir: root, builtinDir: builtinDir(),
      helpRollouts: {
        episodeRate: 0.1, minTicks: 3, task: 'reach', seedBase: 20000,
        // TEST DOUBLE rollouts (the real ones, server/cli/help-rollouts.ts, are tested against the simulator there):
        // 60 episodes of a real observation whose first feature is moved by x; an episode fails when x > 0
        run: async (draft, _w, help, score) => {
          calls.push(`${score} ${draft.help?.raise} ${help.helpHeads ? 'heads' : 'no heads'}`);
          const dim = draft.observation.dim;
          const base = extractFeatures(draft.observation, obs);
          observed = { dim, sample: base };
          const rng = new SeededRandom(7);
          const rollout = (corrected: boolean): RolloutTrace => {
            const x = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.2, 1);
            const features = new Float32Array(10 * dim);
            for (let t = 0; t < 10; t++) {
              features.set(base, t * dim);
              features[t * dim] = base[0] + x * Math.max(1e-2, draft.normalization.inputStd[0]) * 3;
            }
            // a corrected rollout: nothing before its hand-back at tick 4
            if (corrected) features.fill(Number.NaN, 0, 4 * dim);
            return { failed: x > 0, scores: new Float64Array(10).fill(0.1), features, ...(corrected ? { corrected } : {}) };
          };
          // and 12 corrected ones, which train the risk only
          return [...Array.from({ length: 60 }, () => rollout(false)), ...Array.from({ length: 12 }, () => rollout(true))];
        },
      },
    });
    expect(calls).toEqual(['ensemble ensemble heads']);
    const help = manifest.help!;
    expect(help.raise).toBe('risk');
    expect(help.risk).toMatchObject({ method: 'failure-risk', file: 'help-risk.bin', dim: observed!.dim, rollouts: { episodes: 60, minTicks: 3, stepThreshold: 0.5 }, training: { episodes: 60, folds: 3 } });
    expect(help.ensemble?.rollouts).toMatchObject({ episodes: 60 });
    expect(help.risk?.training.corrected).toMatchObject({ episodes: 12 });
    expect(help.risk?.training.steps).toBe(60 * 10 + 12 * 6);
    expect(fs.existsSync(path.join(root, 'policies', 'risky', 'help-risk.bin'))).toBe(true);

    const registry = new PolicyRegistry({ dataDir: root, builtinDir: builtinDir() });
    const lp = await registry.load('risky');
    expect(lp.manifest.help).toEqual(help);
    expect(lp.helpRisk?.length).toBeGreaterThan(0);

    const rt = new PolicyRuntime({ source: registry, engine: 'js' });
    try {
      await rt.assign('r', 'risky');
      const out = new Float32Array(7);
      rt.propose('r', obs, out);
      const u = rt.uncertaintyOf('r')!;
      expect(u.raises).toBe(false);
      expect(u.ensemble?.raises).toBe(false);
      expect(u.risk).toMatchObject({ method: 'failure-risk', threshold: help.risk!.threshold, raises: true });
      expect(u.risk!.score).toBeGreaterThanOrEqual(0);
      expect(u.risk!.score).toBeLessThanOrEqual(1);

      // the monitor raises on the risk alone, naming it; the novelty and ensemble far over their thresholds do not raise
      const monitor = new HelpMonitor({ minTicks: 3 });
      const tick = { ...u, score: 99, ensemble: { ...u.ensemble!, score: 99 }, risk: { ...u.risk!, score: Math.min(1, help.risk!.threshold + 0.2) } };
      const quiet = { ...tick, risk: { ...tick.risk, score: help.risk!.threshold } };
      expect([0, 1, 2].map((i) => monitor.tick(quiet, i, i, true))).toEqual([null, null, null]);
      expect([3, 4, 5].map((i) => monitor.tick(tick, i, i, true))).toEqual([null, null, 'raised']);
      expect(monitor.open!.reason).toMatch(/^failure risk \d\.\d{3} > \d\.\d{3} for 3 ticks$/);
    } finally {
      rt.dispose();
      bridge.dispose();
    }
  }, 120_000);

  it("with 'risk-or-ensemble' both raise, each set at half the episode rate", async () => {
    const { bridge } = await createSimLoop({ robotId: 'probe2', task: 'reach', controlHz: 20, policy: null });
    const obs = bridge.observe();
    try {
      const { manifest } = await runTrainingJob({ ...spec, helpScore: 'risk-or-ensemble', version: 'risky-or' }, {
        dataDir: root, builtinDir: builtinDir(),
        helpRollouts: {
          episodeRate: 0.2, minTicks: 3, task: 'reach', seedBase: 20000,
          // TEST DOUBLE rollouts, as above: a real observation, its first feature moved by x; x > 0 fails
          run: async (draft) => {
            const dim = draft.observation.dim;
            const base = extractFeatures(draft.observation, obs);
            const rng = new SeededRandom(8);
            return Array.from({ length: 60 }, (_, i): RolloutTrace => {
              const x = (rng.next() < 0.5 ? -1 : 1) * rng.uniform(0.2, 1);
              const features = new Float32Array(10 * dim);
              for (let t = 0; t < 10; t++) {
                features.set(base, t * dim);
                features[t * dim] = base[0] + x * Math.max(1e-2, draft.normalization.inputStd[0]) * 3;
              }
              return { failed: x > 0, scores: new Float64Array(10).fill(i / 60), features };
            });
          },
        },
      });
      const help = manifest.help!;
      expect(help.raise).toBe('risk-or-ensemble');
      expect(help.risk!.rollouts.episodeRate).toBeCloseTo(0.1);
      expect(help.ensemble!.rollouts!.episodeRate).toBeCloseTo(0.1);
      const rt = new PolicyRuntime({ source: new PolicyRegistry({ dataDir: root, builtinDir: builtinDir() }), engine: 'js' });
      try {
        await rt.assign('r', 'risky-or');
        rt.propose('r', obs, new Float32Array(7));
        const u = rt.uncertaintyOf('r')!;
        expect([u.raises, u.ensemble?.raises, u.risk?.raises]).toEqual([false, true, true]);
      } finally {
        rt.dispose();
      }
    } finally {
      bridge.dispose();
    }
  }, 120_000);

  it('with the clock input and several models: stored, loaded, and scored on the observation\'s clock', async () => {
    const { bridge } = await createSimLoop({ robotId: 'probe3', task: 'reach', controlHz: 20, policy: null });
    const obs = bridge.observe();
    try {
      const { manifest } = await runTrainingJob({ ...spec, version: 'risky-clock' }, {
        dataDir: root, builtinDir: builtinDir(),
        helpRollouts: {
          episodeRate: 0.1, minTicks: 3, task: 'reach', seedBase: 20000, risk: { time: true, members: 2 },
          // TEST DOUBLE rollouts: every tick a real observation's features; successes end by 2 s, failures run to 6 s
          run: async (draft) => {
            const base = extractFeatures(draft.observation, obs);
            const rng = new SeededRandom(9);
            return Array.from({ length: 60 }, (): RolloutTrace => {
              const failed = rng.next() < 0.4;
              const ticks = failed ? 30 : 6 + Math.floor(rng.next() * 5);
              const features = new Float32Array(ticks * base.length);
              for (let t = 0; t < ticks; t++) features.set(base, t * base.length);
              return { failed, scores: new Float64Array(ticks).fill(0.1), features, times: Float64Array.from({ length: ticks }, (_, i) => i * 0.2) };
            });
          },
        },
      });
      const risk = manifest.help!.risk!;
      expect(risk.members).toBe(2);
      expect(risk.time!.mean).toBeGreaterThan(0);
      const lp = await new PolicyRegistry({ dataDir: root, builtinDir: builtinDir() }).load('risky-clock');
      expect(lp.manifest.help!.risk).toEqual(risk);
      const rt = new PolicyRuntime({ source: new PolicyRegistry({ dataDir: root, builtinDir: builtinDir() }), engine: 'js' });
      try {
        await rt.assign('r', 'risky-clock');
        const riskAt = (t: number) => {
          rt.propose('r', { ...obs, t }, new Float32Array(7));
          return rt.uncertaintyOf('r')!.risk!.score;
        };
        // the same state: safe at the start, over the threshold once it has run past every success
        expect(riskAt(0)).toBeLessThan(risk.threshold);
        expect(riskAt(5)).toBeGreaterThan(risk.threshold);
      } finally {
        rt.dispose();
      }
    } finally {
      bridge.dispose();
    }
  }, 120_000);

  it('refuses a risk file of the wrong size when the version loads', async () => {
    const dir = path.join(root, 'policies', 'risky');
    const copy = path.join(root, 'policies', 'risky-cut');
    fs.cpSync(dir, copy, { recursive: true });
    const pj = JSON.parse(fs.readFileSync(path.join(copy, 'policy.json'), 'utf8'));
    fs.writeFileSync(path.join(copy, 'policy.json'), JSON.stringify({ ...pj, version: 'risky-cut' }));
    fs.writeFileSync(path.join(copy, 'help-risk.bin'), new Uint8Array(8));
    await expect(new PolicyRegistry({ dataDir: root, builtinDir: builtinDir() }).load('risky-cut')).rejects.toThrow(/help-risk\.bin: 8 bytes, the failure-risk model of hidden 32,32 needs/);
  });
});
