import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '../../core/observation.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import { runTrainingJob } from '../../policies/training-job.ts';
import type { PolicyManifest } from '../../policies/policy-manifest.ts';
import type { ActionSource } from '../../server/control/action-source.ts';
import type { LoopEvent } from '../../server/control/control-loop.ts';
import { runEpisodes } from '../../server/control/episode-runner.ts';
import { createSimLoop } from '../../server/control/sim-loop.ts';
import { recordExpertDemos } from '../../server/cli/train-command.ts';
import { ScriptedExpert } from '../../sim/scripted-expert.ts';
import { MemoryRecorder } from '../server/support/memory-recorder.ts';

const RATE = 0.02;

/**
 * A trained version scoring a sim robot's observations in its control loop. The scripted expert
 * drives (so the states are the demos' distribution); `perturb` moves what the policy sees off it.
 */
async function runScored(rt: PolicyRuntime, seeds: number[], perturb: ((o: Observation) => Observation) | null) {
  const expert = new ScriptedExpert('place', { controlHz: 20 });
  const buf = new Float32Array(7);
  const slot: ActionSource = {
    name: 'scored-expert',
    get version() {
      return rt.versionOf('sim');
    },
    propose(obs) {
      rt.propose('sim', perturb ? perturb(obs) : obs, buf);
      return expert.act(obs);
    },
    reset: () => expert.reset(),
    uncertainty: () => rt.uncertaintyOf('sim'),
  };
  const recorder = new MemoryRecorder();
  const { loop, clock } = await createSimLoop({ robotId: 'sim', task: 'place', policy: slot, recorder, help: { minTicks: 5 } });
  const events: LoopEvent[] = [];
  loop.on('event', (e) => events.push(e));
  const results = await runEpisodes(loop, clock, seeds);
  const raised = events.filter((e) => e.type === 'help' && e.state === 'raised') as Array<LoopEvent & { reason: string }>;
  return { recorder, raised, results };
}

describe('a trained version with a help ensemble, in a sim control loop', () => {
  let root: string;
  let manifest: PolicyManifest;
  let rt: PolicyRuntime;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-help-loop-'));
    await recordExpertDemos(root, 'place', 48, 0, 20);
    ({ manifest } = await runTrainingJob(
      { episodes: 'kind=demo,task=place', weighting: 'none', epochs: 5, hidden: [32], seed: 0, helpRate: RATE, helpScore: 'ensemble' },
      { dataDir: root, builtinDir: path.join(root, 'none') },
    ));
    rt = new PolicyRuntime({ source: new PolicyRegistry({ dataDir: root, builtinDir: path.join(root, 'none') }), engine: 'js' });
    await rt.assign('sim', manifest.version);
  }, 240_000);
  afterAll(() => {
    rt?.dispose();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('with helpRollouts, sets the ensemble threshold on the candidate\'s rollouts and records how', async () => {
    const calls: string[] = [];
    // TEST DOUBLE rollouts: sustained peaks 0.1 .. 0.9 on nine successes, 2.0 on one failure
    const traces = [...Array.from({ length: 9 }, (_, i) => ({ failed: false, scores: [0, (i + 1) / 10, (i + 1) / 10, (i + 1) / 10, 0] })), { failed: true, scores: [2, 2, 2] }];
    const { manifest: m } = await runTrainingJob(
      { episodes: 'kind=demo,task=place', weighting: 'none', epochs: 1, hidden: [8], seed: 0, helpRate: RATE, helpScore: 'ensemble', version: 'rollout-cal' },
      { dataDir: root, builtinDir: path.join(root, 'none'), helpRollouts: { episodeRate: 0.2, minTicks: 3, task: 'place', seedBase: 20000, run: async (_d, _w, help, score) => {
        calls.push(`${score} ${help.helpHeads ? 'heads' : 'no heads'}`);
        return traces;
      } } },
    );
    expect(calls).toEqual(['ensemble heads']);
    const e = m.help!.ensemble!;
    // at most 20% of 9 successes (1) may raise: the threshold is the second-highest peak, 0.8
    expect(e.threshold).toBeCloseTo(0.8);
    expect(e.rollouts).toMatchObject({ episodes: 10, successes: 9, flaggedSuccesses: 1, failures: 1, flaggedFailures: 1, episodeRate: 0.2, minTicks: 3, seedBase: 20000 });
    expect(e.rollouts!.stepThreshold).toBeGreaterThan(0);
    expect(m.help!.threshold).not.toBeCloseTo(0.8); // the novelty, which does not raise, keeps its own
  }, 120_000);

  it('training stores the ensemble with the version; it loads and scores every tick, recorded per step', async () => {
    expect(manifest.help).toMatchObject({ raise: 'ensemble', rate: RATE, ensemble: { method: 'ensemble-disagreement', file: 'help-heads.bin', rate: RATE } });
    expect(fs.existsSync(path.join(root, 'policies', manifest.version, 'help-heads.bin'))).toBe(true);
    const { recorder } = await runScored(rt, [90_000], null);
    expect(recorder.steps.length).toBeGreaterThan(10);
    // the novelty is still scored and recorded (it only does not raise requests)
    expect(recorder.steps.every((s) => typeof s.helpScore === 'number' && typeof s.helpEnsembleScore === 'number')).toBe(true);
  }, 60_000);

  it('on fresh demo states asks on no more than the calibrated rate of ticks', async () => {
    const { recorder, raised } = await runScored(rt, [90_001, 90_002, 90_003, 90_004, 90_005, 90_006], null);
    expect(recorder.steps.every((s) => typeof s.helpEnsembleScore === 'number')).toBe(true);
    const threshold = manifest.help!.ensemble!.threshold;
    const above = recorder.steps.filter((s) => s.helpEnsembleScore! > threshold).length;
    expect(above / recorder.steps.length).toBeLessThanOrEqual(RATE);
    // a request needs 5 ticks above in a row: at most one per 5 ticks above
    expect(raised.length).toBeLessThanOrEqual(above / 5);
  }, 60_000);

  it('on states with the cube moved off its spawn box asks for help, naming the ensemble', async () => {
    const moved = (o: Observation): Observation => ({ ...o, objects: o.objects.map((b, i) => (i === 0 ? { ...b, pos: [b.pos[0] - 0.25, b.pos[1], b.pos[2]] } : b)) });
    const { recorder, raised } = await runScored(rt, [90_001, 90_002, 90_003], moved);
    const threshold = manifest.help!.ensemble!.threshold;
    const above = recorder.steps.filter((s) => s.helpEnsembleScore! > threshold).length;
    expect(above / recorder.steps.length).toBeGreaterThan(0.5);
    expect(raised.length).toBeGreaterThanOrEqual(1);
    expect(raised[0].reason).toMatch(/^ensemble disagreement \d+\.\d{3} > \d+\.\d{3} for 5 ticks$/);
  }, 60_000);
});
