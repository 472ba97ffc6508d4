import { ACTION_DIM } from '../core/action.ts';
import { initBackend } from './backend.ts';
import type { Observation } from '../core/observation.ts';
import { extractFeatures, type ObservationLike } from './observation-features.ts';
import { JsMlpForward } from './js-mlp-forward.ts';
import { MlpPolicy, type PolicyModel } from './mlp-policy.ts';
import type { PolicyManifest } from './policy-manifest.ts';
import type { LoadedPolicy } from './policy-registry.ts';
import { VersionHelpScorer, type PolicyUncertainty } from './version-help-scorer.ts';

export type { PolicyUncertainty } from './version-help-scorer.ts';

/**
 * How a loaded version computes: tfjs on the chosen backend, plain Float32Array loops, or `auto`:
 * the plain loops for a single robot (no allocation, so no garbage-collector tail: measured on-CPU
 * p99 ~0.14 ms against ~0.9 ms for tfjs at batch 1) and tfjs for batches (10x faster at 16).
 */
export type InferenceEngine = 'tfjs' | 'js' | 'auto';

/** Where versions come from (PolicyRegistry, or a test double). */
export interface PolicySource {
  load(version: string): Promise<LoadedPolicy>;
}

/** The policy slot shape of the server's control loop (server/control/action-source.ts). */
export interface RobotPolicySlot {
  readonly name: string;
  readonly version: string | null;
  propose(obs: Observation, deadline: number): ArrayLike<number> | null;
  /** how unsure the last proposal was; null when the version has no help model */
  uncertainty(): PolicyUncertainty | null;
}

interface Loaded {
  manifest: PolicyManifest;
  model: PolicyModel;
  help: VersionHelpScorer | null;
  features: Float32Array;
  actions: Float32Array;
}

export interface PolicyRuntimeOptions {
  source: PolicySource;
  engine?: InferenceEngine;
  /** forward passes run at load so the first real tick is not the slow one */
  warmupCalls?: number;
  /** largest batch warmed up (and preallocated) */
  maxBatch?: number;
}

/**
 * Runs policy versions for many robots. Inference is synchronous and allocation-light so it fits
 * in a control tick; `proposeBatch` runs one forward pass per version for all robots on it.
 * Loading (file reads, weight upload, warm-up) is async and happens beside the loop; the switch to
 * a new version happens between two ticks, so no tick goes without an answer.
 */
export class PolicyRuntime {
  readonly engine: InferenceEngine;
  #source: PolicySource;
  #warmup: number;
  #maxBatch: number;
  #loaded = new Map<string, Loaded>();
  #loading = new Map<string, Promise<Loaded>>();
  #assigned = new Map<string, string>();
  #requests = new Map<string, number>();
  #swaps = 0;
  // scratch for batching: robots grouped by version, reused across ticks
  #groups = new Map<string, number[]>();
  // each robot's last score (reused objects: read after the call, not kept)
  #uncertainty = new Map<string, PolicyUncertainty>();

  constructor({ source, engine = 'auto', warmupCalls = 5, maxBatch = 16 }: PolicyRuntimeOptions) {
    this.#source = source;
    this.engine = engine;
    this.#warmup = warmupCalls;
    this.#maxBatch = maxBatch;
  }

  /** Loads and warms a version (once; concurrent calls share the work). */
  async load(version: string): Promise<PolicyManifest> {
    const hit = this.#loaded.get(version);
    if (hit) return hit.manifest;
    let p = this.#loading.get(version);
    if (!p) {
      // tfjs models need the chosen backend (wasm over tfjs's pure-JS default) before their first tensor
      const backend = this.engine === 'js' ? Promise.resolve() : initBackend().then(() => {});
      p = backend.then(() => this.#source.load(version)).then((lp) => this.#instantiate(lp));
      this.#loading.set(version, p);
    }
    try {
      const l = await p;
      this.#loaded.set(version, l);
      return l.manifest;
    } finally {
      this.#loading.delete(version);
    }
  }

  /**
   * Makes `robotId` run `version`: loads and warms it first (the old version keeps answering
   * meanwhile), then switches. Ticks and batch calls are synchronous, so the switch, made when the
   * load resolves, always falls between two of the robot's ticks: no tick mixes versions or goes
   * without an answer, and `versionOf` / the slot's `version` name the new version from then on.
   */
  async assign(robotId: string, version: string): Promise<PolicyManifest> {
    const ticket = (this.#requests.get(robotId) ?? 0) + 1;
    this.#requests.set(robotId, ticket);
    const m = await this.load(version);
    // a later request for the same robot that finished loading first wins
    if (this.#requests.get(robotId) !== ticket) return m;
    const previous = this.#assigned.get(robotId);
    if (previous !== undefined && previous !== version) this.#swaps++;
    this.#assigned.set(robotId, version);
    return m;
  }

  /** The version a robot runs now. */
  versionOf(robotId: string): string | null {
    return this.#assigned.get(robotId) ?? null;
  }

  /** Stops running a policy for the robot. */
  release(robotId: string): void {
    this.#assigned.delete(robotId);
    this.#uncertainty.delete(robotId);
  }

  /** Versions loaded, robots per version, swaps done. */
  stats(): { engine: InferenceEngine; loaded: string[]; robots: Record<string, string>; swaps: number } {
    return { engine: this.engine, loaded: [...this.#loaded.keys()], robots: Object.fromEntries(this.#assigned), swaps: this.#swaps };
  }

  /**
   * One robot's action for this tick into `out` (7 numbers in [-1, 1]); returns the version that
   * produced it, or null when the robot has no policy.
   */
  propose(robotId: string, obs: ObservationLike & { t: number }, out: Float32Array): string | null {
    const version = this.#tickBoundary(robotId);
    if (!version) return null;
    const l = this.#loaded.get(version)!;
    extractFeatures(l.manifest.observation, obs, l.features, 0);
    l.model.predictInto(l.features, 1, l.actions);
    out.set(l.actions.subarray(0, ACTION_DIM));
    this.#score(robotId, l, 0, obs.t);
    return version;
  }

  /** The help scores of the robot's last proposal's observation (null: no help model, or no proposal yet). */
  uncertaintyOf(robotId: string): PolicyUncertainty | null {
    const v = this.#tickBoundary(robotId);
    if (!v || !this.#loaded.get(v)?.help) return null;
    return this.#uncertainty.get(robotId) ?? null;
  }

  #score(robotId: string, l: Loaded, offset: number, t: number): void {
    if (!l.help) return;
    let u = this.#uncertainty.get(robotId);
    if (!u) this.#uncertainty.set(robotId, (u = { score: 0, threshold: 0, method: '', raises: false }));
    l.help.scoreInto(l.features, offset, t, u);
  }

  /**
   * Actions for many robots at once: one forward pass per version. `out` holds ACTION_DIM numbers
   * per robot in the order given; `versions[i]` receives the version used (null: no policy).
   */
  proposeBatch(robotIds: readonly string[], observations: readonly (ObservationLike & { t: number })[], out: Float32Array, versions: (string | null)[] = []): (string | null)[] {
    if (robotIds.length !== observations.length) throw new Error(`proposeBatch: ${robotIds.length} robots, ${observations.length} observations`);
    if (out.length < robotIds.length * ACTION_DIM) throw new Error(`proposeBatch: output holds ${out.length / ACTION_DIM} actions, need ${robotIds.length}`);
    for (const g of this.#groups.values()) g.length = 0;
    for (let i = 0; i < robotIds.length; i++) {
      const v = this.#tickBoundary(robotIds[i]);
      versions[i] = v;
      if (!v) continue;
      let g = this.#groups.get(v);
      if (!g) this.#groups.set(v, (g = []));
      g.push(i);
    }
    for (const [v, idx] of this.#groups) {
      if (idx.length === 0) continue;
      const l = this.#loaded.get(v)!;
      const d = l.manifest.observation.dim;
      if (l.features.length < idx.length * d) {
        l.features = new Float32Array(idx.length * d);
        l.actions = new Float32Array(idx.length * ACTION_DIM);
      }
      for (let k = 0; k < idx.length; k++) extractFeatures(l.manifest.observation, observations[idx[k]], l.features, k * d);
      l.model.predictInto(l.features, idx.length, l.actions);
      for (let k = 0; k < idx.length; k++) {
        out.set(l.actions.subarray(k * ACTION_DIM, (k + 1) * ACTION_DIM), idx[k] * ACTION_DIM);
        this.#score(robotIds[idx[k]], l, k * d, observations[idx[k]].t);
      }
    }
    return versions;
  }

  /** The robot's policy slot for the server's control loop. */
  slotFor(robotId: string): RobotPolicySlot {
    const out = new Float32Array(ACTION_DIM);
    const rt = this;
    return {
      name: `policy:${robotId}`,
      get version() {
        return rt.versionOf(robotId);
      },
      propose(obs: Observation): ArrayLike<number> | null {
        return rt.propose(robotId, obs, out) ? out : null;
      },
      uncertainty: () => rt.uncertaintyOf(robotId),
    };
  }

  /** Frees versions no robot runs (their tensors included). */
  unloadUnused(): string[] {
    const used = new Set(this.#assigned.values());
    const freed: string[] = [];
    for (const [v, l] of this.#loaded) {
      if (used.has(v)) continue;
      l.model.dispose();
      this.#loaded.delete(v);
      freed.push(v);
    }
    return freed;
  }

  dispose(): void {
    for (const l of this.#loaded.values()) l.model.dispose();
    this.#loaded.clear();
    this.#assigned.clear();
  }

  /** The version a robot runs this tick (the one place a tick reads it). */
  #tickBoundary(robotId: string): string | null {
    return this.#assigned.get(robotId) ?? null;
  }

  #instantiate(lp: LoadedPolicy): Loaded {
    const m = lp.manifest;
    const js = () => new JsMlpForward(m.architecture, m.normalization, lp.weights);
    const tfjs = () => MlpPolicy.fromWeights(m.architecture, m.normalization, lp.weights);
    const model: PolicyModel = this.engine === 'js' ? js() : this.engine === 'tfjs' ? tfjs() : new SplitByBatch(js(), tfjs());
    const features = new Float32Array(this.#maxBatch * m.observation.dim);
    const actions = new Float32Array(this.#maxBatch * ACTION_DIM);
    const help = m.help ? new VersionHelpScorer(lp, m.help) : null;
    // warm-up: compile kernels and let V8 optimize at batch 1 and the largest batch
    for (let i = 0; i < this.#warmup; i++) {
      model.predictInto(features, 1, actions);
      model.predictInto(features, this.#maxBatch, actions);
    }
    if (help) for (let i = 0; i < this.#warmup; i++) help.warm(features);
    return { manifest: m, model, features, actions, help };
  }
}

/** Single rows to one model, batches to the other (the `auto` engine). */
class SplitByBatch implements PolicyModel {
  constructor(
    readonly single: PolicyModel,
    readonly batched: PolicyModel,
  ) {}

  get inputDim(): number {
    return this.single.inputDim;
  }

  get outputDim(): number {
    return this.single.outputDim;
  }

  predictInto(features: Float32Array, count: number, out: Float32Array): void {
    (count <= 1 ? this.single : this.batched).predictInto(features, count, out);
  }

  dispose(): void {
    this.single.dispose();
    this.batched.dispose();
  }
}
