import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../core/seeded-random.ts';
import { initBackend } from '../../policies/backend.ts';
import { calibrateEnsemble, calibrateHelp, DisagreementScorer, HelpModelSchema, NoveltyScorer, raisingScores } from '../../policies/help-model.ts';
import { Value } from '@sinclair/typebox/value';
import { computeNormalization } from '../../policies/normalization.ts';
import { extractFeatures } from '../../policies/observation-features.ts';
import { PolicyRegistry } from '../../policies/policy-registry.ts';
import { PolicyRuntime } from '../../policies/policy-runtime.ts';
import { sampleObservation, smallPolicy } from './policy-test-fixtures.ts';

const D = 12;

/**
 * Demo-like states: per episode a start and a goal drawn from a box, then a smooth path from one to
 * the other with a little noise (what a scripted expert's trajectories look like to the features).
 */
function trajectories(seed: number, episodes: number, steps = 60): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(episodes * steps * D);
  for (let e = 0; e < episodes; e++) {
    const a = Array.from({ length: D }, () => rng.uniform(-1, 1));
    const b = Array.from({ length: D }, () => rng.uniform(-1, 1));
    for (let s = 0; s < steps; s++) {
      const u = s / (steps - 1);
      for (let j = 0; j < D; j++) out[(e * steps + s) * D + j] = a[j] + (b[j] - a[j]) * u + rng.uniform(-0.02, 0.02);
    }
  }
  return out;
}

function rateAbove(scorer: NoveltyScorer | DisagreementScorer, rows: Float32Array): number {
  const n = rows.length / D;
  let above = 0;
  for (let i = 0; i < n; i++) if (scorer.score(rows, i * D) > scorer.threshold) above++;
  return above / n;
}

const identityOutputs = (n: number) => ({ y: new Float32Array(n * 7), w: new Float32Array(n).fill(1) });

describe('help calibration (nearest training state)', () => {
  const train = trajectories(1, 60);
  const heldOut = trajectories(2, 8);
  const { y, w } = identityOutputs(train.length / D);
  const norm = computeNormalization(train, y, w, D, 7);
  const { model, states } = calibrateHelp(train, heldOut, norm, { rate: 0.02, seed: 3 });
  const scorer = new NoveltyScorer(model, states, norm);

  it('raises help on at most the configured share of held-out training states', () => {
    expect(model.heldOutSteps).toBe(heldOut.length / D);
    expect(model.heldOutAbove).toBeLessThanOrEqual(Math.floor(0.02 * model.heldOutSteps));
    expect(rateAbove(scorer, heldOut)).toBeLessThanOrEqual(0.02);
    expect(model.threshold).toBeGreaterThan(0);
  });

  it('stays near the configured rate on fresh episodes of the same distribution', () => {
    expect(rateAbove(scorer, trajectories(4, 8))).toBeLessThanOrEqual(0.06);
  });

  it('raises help on most states perturbed off the demo distribution', () => {
    const off = Float32Array.from(heldOut);
    // three inputs pushed outwards, out of the demos' box [-1, 1] (the cube where no demo put it)
    for (let i = 0; i < off.length / D; i++) for (const j of [0, 4, 8]) off[i * D + j] += Math.sign(off[i * D + j]) * 1.5;
    expect(rateAbove(scorer, off)).toBeGreaterThan(0.9);
  });

  it('keeps at most maxStates states and refuses a calibration without held-out steps', () => {
    expect(calibrateHelp(train, heldOut, norm, { maxStates: 100 }).model.states).toBe(100);
    expect(() => calibrateHelp(train, new Float32Array(0), norm)).toThrow(/held-out/);
    expect(() => calibrateHelp(train, heldOut, norm, { rate: 1 })).toThrow(/help rate/);
  });
});

/** The demonstrated action of a state: smooth, inside [-1, 1] (what an expert's commands look like). */
function actionsOf(states: Float32Array): Float32Array {
  const n = states.length / D;
  const y = new Float32Array(n * 7);
  for (let i = 0; i < n; i++) for (let j = 0; j < 7; j++) y[i * 7 + j] = 0.6 * Math.tanh(states[i * D + j] - 0.5 * states[i * D + j + 5]);
  return y;
}

describe('help calibration (ensemble disagreement)', () => {
  const train = trajectories(1, 60);
  const heldOut = trajectories(2, 8);
  const trainY = actionsOf(train);
  const norm = computeNormalization(train, trainY, new Float32Array(train.length / D).fill(1), D, 7);
  const { model, weights } = calibrateEnsemble(train, trainY, heldOut, norm, { rate: 0.02, seed: 3 });
  const scorer = new DisagreementScorer(model, weights, norm);

  it('raises help on at most the configured share of held-out training states', () => {
    expect(model).toMatchObject({ method: 'ensemble-disagreement', file: 'help-heads.bin', heads: 5, hidden: 32, dim: D, outputDim: 7, heldOutSteps: heldOut.length / D });
    expect(model.heldOutAbove).toBeLessThanOrEqual(Math.floor(0.02 * model.heldOutSteps));
    expect(rateAbove(scorer, heldOut)).toBeLessThanOrEqual(0.02);
    expect(model.threshold).toBeGreaterThan(0);
  });

  it('stays near the configured rate on fresh episodes of the same distribution', () => {
    expect(rateAbove(scorer, trajectories(4, 8))).toBeLessThanOrEqual(0.06);
  });

  it('raises help on most states perturbed off the demo distribution', () => {
    const off = Float32Array.from(heldOut);
    for (let i = 0; i < off.length / D; i++) for (const j of [0, 4, 8]) off[i * D + j] += Math.sign(off[i * D + j]) * 1.5;
    expect(rateAbove(scorer, off)).toBeGreaterThan(0.9);
  });

  it('is stored beside the novelty model; a help model without it (older versions) still validates', () => {
    const novelty = calibrateHelp(train, heldOut, norm, { seed: 3 }).model;
    expect(Value.Check(HelpModelSchema, novelty)).toBe(true);
    expect(Value.Check(HelpModelSchema, { ...novelty, ensemble: model })).toBe(true);
    expect(Value.Check(HelpModelSchema, { ...novelty, ensemble: { ...model, heads: 1 } })).toBe(false);
  });

  it('validates a failure-risk model beside them, and not one whose threshold is no probability', () => {
    const novelty = calibrateHelp(train, heldOut, norm, { seed: 3 }).model;
    const rollouts = { episodeRate: 0.1, minTicks: 3, task: 'place', seedBase: 20000, episodes: 10, successes: 8, flaggedSuccesses: 0, failures: 2, flaggedFailures: 2, stepThreshold: 0.5, stepFlaggedSuccesses: 1, stepFlaggedFailures: 2 };
    const risk = { method: 'failure-risk', file: 'help-risk.bin', dim: D, hidden: [32, 32], threshold: 0.6, training: { episodes: 20, failures: 4, steps: 400, epochs: 20, seed: 0, folds: 3, heldOutBrier: 0.1 }, rollouts };
    const withRisk = { ...novelty, ensemble: model, risk, raise: 'risk' };
    expect(Value.Check(HelpModelSchema, withRisk)).toBe(true);
    expect(raisingScores(withRisk as typeof novelty)).toEqual({ novelty: false, ensemble: false, risk: true });
    expect(raisingScores({ ...withRisk, raise: 'risk-or-ensemble' } as typeof novelty)).toEqual({ novelty: false, ensemble: true, risk: true });
    expect(() => raisingScores({ ...novelty, risk, raise: 'risk-or-ensemble' } as typeof novelty)).toThrow(/raises on 'risk-or-ensemble' but has no ensemble/);
    expect(Value.Check(HelpModelSchema, { ...withRisk, risk: { ...risk, threshold: 1.5 } })).toBe(false);
    expect(Value.Check(HelpModelSchema, { ...withRisk, risk: { ...risk, method: 'risk' } })).toBe(false);
  });

  it('raises on the scores policy.json names; without `raise`, on both with an ensemble and on novelty without', () => {
    const novelty = calibrateHelp(train, heldOut, norm, { seed: 3 }).model;
    expect(raisingScores(novelty)).toEqual({ novelty: true, ensemble: false, risk: false });
    expect(raisingScores({ ...novelty, ensemble: model })).toEqual({ novelty: true, ensemble: true, risk: false });
    expect(raisingScores({ ...novelty, ensemble: model, raise: 'ensemble' })).toEqual({ novelty: false, ensemble: true, risk: false });
    expect(() => raisingScores({ ...novelty, raise: 'both' })).toThrow(/raises on 'both' but has no ensemble/);
    expect(() => raisingScores({ ...novelty, ensemble: model, raise: 'risk' })).toThrow(/raises on 'risk' but has no failure-risk model/);
  });

  it('refuses actions that do not match the rows, no held-out steps, and a bad rate', () => {
    expect(() => calibrateEnsemble(train, trainY.subarray(7), heldOut, norm)).toThrow(/not whole rows of 12 and 7/);
    expect(() => calibrateEnsemble(train, trainY, new Float32Array(0), norm)).toThrow(/held-out/);
    expect(() => calibrateEnsemble(train, trainY, heldOut, norm, { rate: 1 })).toThrow(/help rate/);
  });
});

describe('help model stored with a version', () => {
  let dataDir: string;
  let registry: PolicyRegistry;

  beforeAll(async () => {
    await initBackend({ force: '' });
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-help-'));
    registry = new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'none') });
  });
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('loads with its states, scores each proposal, and a version without one never reports a score', async () => {
    const { manifest, weights } = smallPolicy(1);
    const rows = (from: number, to: number) => {
      const out = new Float32Array((to - from) * manifest.observation.dim);
      for (let k = from; k < to; k++) extractFeatures(manifest.observation, sampleObservation(k), out, (k - from) * manifest.observation.dim);
      return out;
    };
    const help = calibrateHelp(rows(0, 40), rows(40, 60), manifest.normalization, { rate: 0.05 });
    const withHelp = await registry.create({ ...manifest, help: help.model }, weights, 'with-help', help.states);
    const without = await registry.create(manifest, weights, 'without-help');
    expect(registry.manifest(withHelp.version).help).toMatchObject({ method: 'nearest-training-state', rate: 0.05 });
    expect(registry.manifest(without.version).help).toBeUndefined();

    const rt = new PolicyRuntime({ source: registry, engine: 'js' });
    await rt.assign('a', 'with-help');
    await rt.assign('b', 'without-help');
    const out = new Float32Array(7);
    rt.propose('a', sampleObservation(45), out);
    const inside = rt.uncertaintyOf('a')!;
    expect(inside.score).toBeLessThanOrEqual(inside.threshold);
    const far = sampleObservation(45);
    far.objects[0].pos = [0.2, -0.4, 0.025];
    rt.propose('a', far, out);
    expect(rt.uncertaintyOf('a')!.score).toBeGreaterThan(inside.threshold);
    // a help model written before the ensemble (no `help.ensemble`, no `help.raise`): novelty only, raising as before
    expect(Object.keys(registry.manifest('with-help').help!)).not.toContain('raise');
    expect(fs.existsSync(path.join(registry.dirOf('with-help'), 'help-heads.bin'))).toBe(false);
    expect(rt.uncertaintyOf('a')).toEqual({ score: expect.any(Number), threshold: inside.threshold, method: 'nearest-training-state', raises: true });
    rt.propose('b', far, out);
    expect(rt.uncertaintyOf('b')).toBeNull();
    expect(rt.slotFor('b').uncertainty()).toBeNull();
    rt.dispose();
  });

  it('stores the ensemble heads in help-heads.bin; the runtime scores both each tick', async () => {
    const { manifest, weights } = smallPolicy(3);
    const d = manifest.observation.dim;
    const rows = (from: number, to: number) => {
      const out = new Float32Array((to - from) * d);
      for (let k = from; k < to; k++) extractFeatures(manifest.observation, sampleObservation(k), out, (k - from) * d);
      return out;
    };
    const y = new Float32Array(40 * 7).map((_, i) => Math.sin(i));
    const novelty = calibrateHelp(rows(0, 40), rows(40, 60), manifest.normalization, { rate: 0.05 });
    const ens = calibrateEnsemble(rows(0, 40), y, rows(40, 60), manifest.normalization, { rate: 0.05, heads: 3, hidden: 8 });
    await registry.create({ ...manifest, help: { ...novelty.model, ensemble: ens.model, raise: 'both' } }, weights, 'with-heads', novelty.states, ens.weights);
    const loaded = await new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'none') }).load('with-heads');
    expect(loaded.helpHeads).toEqual(ens.weights);
    await expect(registry.create({ ...manifest, help: { ...novelty.model, ensemble: ens.model } }, weights, 'no-heads', novelty.states)).rejects.toThrow(/help ensemble of 3 heads x 8 units needs \d+ weights, got none/);

    const rt = new PolicyRuntime({ source: registry, engine: 'js' });
    await rt.assign('a', 'with-heads');
    const out = new Float32Array(7);
    const far = sampleObservation(45);
    far.objects[0].pos = [0.2, -0.4, 0.025];
    rt.propose('a', far, out);
    const u = rt.uncertaintyOf('a')!;
    const z = rows(0, 1);
    extractFeatures(manifest.observation, far, z, 0);
    expect(u.ensemble).toEqual({ score: new DisagreementScorer(ens.model, ens.weights, manifest.normalization).score(z), threshold: ens.model.threshold, method: 'ensemble-disagreement', raises: true });
    expect(u.raises).toBe(true);
    rt.dispose();
  });

  it('names a missing or short heads file', async () => {
    const { manifest, weights } = smallPolicy(4);
    const d = manifest.observation.dim;
    const rows = new Float32Array(3 * d);
    for (let k = 0; k < 3; k++) extractFeatures(manifest.observation, sampleObservation(k), rows, k * d);
    const novelty = calibrateHelp(rows, rows, manifest.normalization);
    const ens = calibrateEnsemble(rows, new Float32Array(3 * 7), rows, manifest.normalization, { heads: 2, hidden: 4 });
    await registry.create({ ...manifest, help: { ...novelty.model, ensemble: ens.model } }, weights, 'short-heads', novelty.states, ens.weights);
    const file = path.join(registry.dirOf('short-heads'), 'help-heads.bin');
    const fresh = () => new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'none') });
    fs.truncateSync(file, 8);
    await expect(fresh().load('short-heads')).rejects.toThrow(/help-heads\.bin: 8 bytes, the help ensemble of 2 heads x 4 units needs \d+/);
    fs.rmSync(file);
    await expect(fresh().load('short-heads')).rejects.toThrow(/help-heads\.bin: missing \(policy\.json has a help ensemble\)/);
  });

  it('names the missing states file', async () => {
    const { manifest, weights } = smallPolicy(2);
    const rows = new Float32Array(3 * manifest.observation.dim);
    for (let k = 0; k < 3; k++) extractFeatures(manifest.observation, sampleObservation(k), rows, k * manifest.observation.dim);
    const help = calibrateHelp(rows, rows, manifest.normalization);
    await registry.create({ ...manifest, help: help.model }, weights, 'lost-states', help.states);
    fs.rmSync(path.join(registry.dirOf('lost-states'), help.model.file));
    await expect(new PolicyRegistry({ dataDir, builtinDir: path.join(dataDir, 'none') }).load('lost-states')).rejects.toThrow(/help-states\.bin: missing/);
  });
});
