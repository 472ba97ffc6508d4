import { ACTION_DIM } from '../core/action.ts';
import type { Observation } from '../core/observation.ts';
import { SeededRandom } from '../core/seeded-random.ts';
import type { ActionSource } from './action-source.ts';

/** Action dimensions that get noise: the six motion ones; the gripper command stays clean. */
const NOISY_DIMS = 6;

/**
 * DART-style noise injection: runs `inner` and returns its action plus Gaussian noise (sigma, in
 * normalized action units, on dx..dyaw), while `clean` holds the inner source's own action for the
 * same observation, the label to train on. The arm drifts into states the clean source never
 * visits and the recording says how the source would have recovered. Seeded, so a rerun is
 * identical. The gripper is left clean because a noisy gripper command drops the object, which
 * teaches nothing about recovering the pose.
 */
export class NoisyActionSource implements ActionSource {
  readonly name: string;
  /** the inner source's action at the last `act`, clipped to [-1, 1] */
  readonly clean = new Float64Array(ACTION_DIM);
  readonly #noisy = new Float64Array(ACTION_DIM);
  readonly #inner: ActionSource;
  readonly #sigma: number;
  readonly #rng: SeededRandom;

  constructor(inner: ActionSource, sigma: number, seed: number) {
    if (!(sigma >= 0) || !Number.isFinite(sigma)) throw new Error(`noise sigma must be a finite number >= 0, got ${sigma}`);
    this.#inner = inner;
    this.#sigma = sigma;
    this.#rng = new SeededRandom(seed);
    this.name = inner.name;
  }

  reset(obs: Observation): void {
    this.#inner.reset?.(obs);
  }

  act(obs: Observation): Float64Array {
    const a = this.#inner.act(obs);
    for (let i = 0; i < ACTION_DIM; i++) {
      const v = Number.isFinite(a[i]) ? Math.max(-1, Math.min(1, a[i])) : 0;
      this.clean[i] = v;
      this.#noisy[i] = i < NOISY_DIMS ? Math.max(-1, Math.min(1, v + this.#sigma * this.#rng.gaussian())) : v;
    }
    return this.#noisy;
  }
}
