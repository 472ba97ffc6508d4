import type { Mode } from '../core/mode.ts';
import type { Observation } from '../core/observation.ts';
import { SeededRandom } from '../core/seeded-random.ts';
import { isHeld, ScriptedExpert } from './scripted-expert.ts';
import type { TaskName } from './tasks/task.ts';

/** How a simulated person supervises: how fast they react and what makes them step in. */
export interface OperatorKnobs {
  /** a trigger must hold this long before the person acts, s */
  reactionDelay: number;
  /** no task progress for this long counts as failing, s */
  noProgressTime: number;
  /** mean distance between the policy's and the expert's translation actions that counts as drifting */
  driftThreshold: number;
  /** drifting this long counts as failing, s */
  driftTime: number;
  /** rewind before correcting (RaC's recovery), and by how much */
  rewind: boolean;
  rewindSeconds: number;
  /** stop stepping in after this many interventions in one episode */
  maxInterventions: number;
  /** give control back at the latest after correcting this long, s */
  maxCorrectionTime: number;
  /**
   * RaC's rule 2: once stepping in, correct until the whole task is done (the episode then ends
   * on success) instead of handing back after the current sub-task
   */
  finishTask: boolean;
  /**
   * An imperfect person: each trigger's reaction delay is drawn uniformly from
   * [reactionDelay, reactionDelay + reactionSpread], s
   */
  reactionSpread: number;
  /** share of interventions whose correction is sloppy (the expert's motion plus noise) */
  suboptimalRate: number;
  /** sigma of that noise on the motion dimensions, normalized action units */
  suboptimalNoise: number;
  /**
   * DART-style noise on every correction (sigma on the motion dimensions): the arm runs the noisy
   * action and the clean one is sent along as the step's training label
   */
  correctionNoise: number;
}

export const DEFAULT_OPERATOR_KNOBS: OperatorKnobs = {
  reactionDelay: 0.4,
  noProgressTime: 2.5,
  driftThreshold: 0.9,
  driftTime: 1.0,
  rewind: true,
  rewindSeconds: 2,
  maxInterventions: 3,
  maxCorrectionTime: 10,
  finishTask: false,
  reactionSpread: 0,
  suboptimalRate: 0,
  suboptimalNoise: 0.5,
  correctionNoise: 0,
};

/** Action dimensions a sloppy correction gets wrong: the six motion ones; the gripper stays right. */
const MOTION_DIMS = 6;

export type OperatorDecision =
  | { type: 'watch' }
  | { type: 'take_over'; reason: string; rewindSeconds: number | null }
  | { type: 'correct'; action: Float64Array; label?: Float64Array }
  | { type: 'hand_back'; reason: string };

type SubTask = 'grasp' | 'finish';

/**
 * A careful person supervising policy episodes. It watches for imminent failure (no
 * progress, a missed or dropped cube, drifting away from what the expert would do), reacts after
 * a delay, optionally rewinds, corrects with the scripted expert until the current sub-task is
 * done, and hands back. Pure decision logic: the caller applies the decisions through the same
 * operator interface a person's console uses.
 */
export class SimulatedOperator {
  readonly knobs: OperatorKnobs;
  readonly #task: TaskName;
  readonly #dt: number;
  readonly #expert: ScriptedExpert;
  #bestProgress = -Infinity;
  #lastProgressT = 0;
  #driftSince: number | null = null;
  #triggerSince: number | null = null;
  #trigger = '';
  #wasHeld = false;
  #interventions = 0;
  #correcting: { subTask: SubTask; since: number; sloppy: boolean } | null = null;
  #driftAcc = 0;
  #reaction: number;
  readonly #seed: number;
  #episodes = 0;
  #rng: SeededRandom;

  /** `seed` makes the imperfect person's draws repeatable: episode k of two runs draws the same. */
  constructor(task: TaskName, knobs: Partial<OperatorKnobs> = {}, { controlHz = 20, seed = 0 }: { controlHz?: number; seed?: number } = {}) {
    this.knobs = { ...DEFAULT_OPERATOR_KNOBS, ...knobs };
    for (const k of ['reactionSpread', 'suboptimalNoise', 'correctionNoise'] as const) {
      if (!(this.knobs[k] >= 0)) throw new Error(`simulated operator: ${k} must be >= 0, got ${this.knobs[k]}`);
    }
    if (!(this.knobs.suboptimalRate >= 0 && this.knobs.suboptimalRate <= 1)) throw new Error(`simulated operator: suboptimalRate must be in [0, 1], got ${this.knobs.suboptimalRate}`);
    this.#task = task;
    this.#dt = 1 / controlHz;
    this.#expert = new ScriptedExpert(task, { controlHz });
    this.#seed = seed;
    this.#rng = new SeededRandom(seed);
    this.#reaction = this.knobs.reactionDelay;
  }

  /** Interventions so far in this episode. */
  get interventions(): number {
    return this.#interventions;
  }

  /** New episode. */
  reset(obs: Observation): void {
    this.#bestProgress = -Infinity;
    this.#lastProgressT = obs.t;
    this.#driftSince = null;
    this.#triggerSince = null;
    this.#trigger = '';
    this.#wasHeld = false;
    this.#interventions = 0;
    this.#correcting = null;
    this.#driftAcc = 0;
    this.#expert.reset();
    // one stream per episode: a policy that triggers more often does not shift later episodes' draws
    this.#rng = new SeededRandom((Math.imul(this.#seed + 1, 0x9e3779b1) ^ Math.imul(++this.#episodes, 0x85ebca6b)) >>> 0);
    this.#reaction = this.#drawReaction();
  }

  /**
   * One look at the robot per control tick. `proposed` is the policy's action this tick;
   * `holdsLease` whether this operator holds the robot's control lease.
   */
  decide(obs: Observation, ctx: { mode: Mode; proposed: ArrayLike<number> | null; holdsLease?: boolean }): OperatorDecision {
    if (ctx.mode === 'INTERVENING' && this.#correcting) return this.#correct(obs);
    // In control with nothing to correct: an episode ended under the correction and the next one
    // began with our lease (a take-over outlives the episode). Give the new episode to the policy.
    if (ctx.holdsLease && !this.#correcting && (ctx.mode === 'INTERVENING' || ctx.mode === 'PAUSED')) return this.#handBack(obs, 'new episode');
    if (ctx.mode !== 'AUTONOMOUS') return { type: 'watch' };
    this.#correcting = null;
    const sign = this.#watch(obs, ctx.proposed);
    // A drop is a moment, not a state: it stays noticed through the reaction delay.
    if (sign === 'dropped' && this.#trigger !== 'dropped') {
      this.#triggerSince = obs.t;
      this.#trigger = sign;
    }
    const trigger = this.#trigger === 'dropped' && this.#triggerSince !== null ? 'dropped' : sign;
    if (!trigger || this.#interventions >= this.knobs.maxInterventions) {
      this.#triggerSince = null;
      this.#trigger = '';
      return { type: 'watch' };
    }
    if (this.#triggerSince === null || trigger !== this.#trigger) {
      this.#triggerSince = obs.t;
      this.#trigger = trigger;
    }
    if (obs.t - this.#triggerSince < this.#reaction) return { type: 'watch' };
    this.#trigger = '';
    this.#interventions++;
    this.#triggerSince = null;
    this.#reaction = this.#drawReaction();
    this.#correcting = { subTask: this.#subTask(obs), since: obs.t, sloppy: this.#drawSloppy() };
    this.#expert.reset();
    return { type: 'take_over', reason: trigger, rewindSeconds: this.knobs.rewind ? this.knobs.rewindSeconds : null };
  }

  /**
   * Starts a correction the person did not trigger themselves (a fleet operator sent to this
   * robot by a help request): counted as an intervention; `decide` corrects from now on until the
   * current sub-task is done, as after its own take-over.
   */
  attend(obs: Observation): void {
    this.#trigger = '';
    this.#triggerSince = null;
    this.#interventions++;
    this.#correcting = { subTask: this.#subTask(obs), since: obs.t, sloppy: this.#drawSloppy() };
    this.#expert.reset();
  }

  /** After a rewind the state changed: restart the correction clock and re-read the sub-task. */
  rewound(obs: Observation): void {
    if (this.#correcting) this.#correcting = { ...this.#correcting, subTask: this.#subTask(obs), since: obs.t };
    this.#wasHeld = false;
  }

  #correct(obs: Observation): OperatorDecision {
    const c = this.#correcting!;
    if (this.#subTaskDone(obs, c.subTask)) return this.#handBack(obs, `${c.subTask} done`);
    if (obs.t - c.since > this.knobs.maxCorrectionTime * (this.knobs.finishTask ? 2 : 1)) return this.#handBack(obs, 'correction timed out');
    const action = this.#expert.act(obs);
    if (c.sloppy) this.#addNoise(action, this.knobs.suboptimalNoise);
    if (!(this.knobs.correctionNoise > 0)) return { type: 'correct', action };
    // the person's intended (possibly sloppy) action is the label; the arm runs it plus noise
    const label = Float64Array.from(action);
    return { type: 'correct', action: this.#addNoise(action, this.knobs.correctionNoise), label };
  }

  #addNoise(a: Float64Array, sigma: number): Float64Array {
    for (let i = 0; i < MOTION_DIMS; i++) a[i] = Math.max(-1, Math.min(1, a[i] + sigma * this.#rng.gaussian()));
    return a;
  }

  #drawReaction(): number {
    return this.knobs.reactionDelay + (this.knobs.reactionSpread > 0 ? this.knobs.reactionSpread * this.#rng.next() : 0);
  }

  #drawSloppy(): boolean {
    return this.knobs.suboptimalRate > 0 && this.#rng.next() < this.knobs.suboptimalRate;
  }

  #handBack(obs: Observation, reason: string): OperatorDecision {
    this.#correcting = null;
    this.#bestProgress = -Infinity;
    this.#lastProgressT = obs.t;
    this.#driftSince = null;
    this.#driftAcc = 0;
    return { type: 'hand_back', reason };
  }

  /** Returns the name of a failure sign seen now, or null. */
  #watch(obs: Observation, proposed: ArrayLike<number> | null): string | null {
    const cube = obs.objects.find((o) => o.name === 'cube');
    const held = cube ? isHeld(obs, cube.pos) : false;
    const dropped = this.#wasHeld && !held && !!cube && !this.#nearTarget(obs, cube.pos);
    this.#wasHeld = held;
    if (dropped) return 'dropped';
    if (cube && obs.gripper < 0.03 && !held) return 'missed grasp';

    const progress = this.#progress(obs, held);
    if (progress > this.#bestProgress + 0.01) {
      this.#bestProgress = progress;
      this.#lastProgressT = obs.t;
    } else if (obs.t - this.#lastProgressT > this.knobs.noProgressTime) {
      return 'no progress';
    }

    // drift: an exponential average of how far the policy's translation is from the expert's
    const expert = this.#expert.act(obs);
    if (proposed) {
      const d = Math.hypot(proposed[0] - expert[0], proposed[1] - expert[1], proposed[2] - expert[2]);
      const alpha = this.#dt / Math.max(this.#dt, this.knobs.driftTime / 2);
      this.#driftAcc += alpha * (d - this.#driftAcc);
      if (this.#driftAcc > this.knobs.driftThreshold) {
        this.#driftSince ??= obs.t;
        if (obs.t - this.#driftSince >= this.knobs.driftTime) return 'drift';
      } else this.#driftSince = null;
    }
    return null;
  }

  /** A task potential that grows as the episode gets closer to success (m, negative distances). */
  #progress(obs: Observation, held: boolean): number {
    const e = obs.eePos;
    const goal = obs.objects.find((o) => o.name === (this.#task === 'reach' ? 'goal' : 'cube'));
    if (!goal) return 0;
    const g = goal.pos;
    if (this.#task === 'reach' || !held) return -Math.hypot(g[0] - e[0], g[1] - e[1], g[2] - e[2]);
    if (this.#task === 'lift') return 1 + g[2];
    const t = obs.objects.find((o) => o.name === 'target')?.pos ?? g;
    return 1 - Math.hypot(t[0] - g[0], t[1] - g[1]) - 0.5 * Math.abs(g[2] - 0.03);
  }

  #nearTarget(obs: Observation, cubePos: ArrayLike<number>): boolean {
    const t = obs.objects.find((o) => o.name === 'target');
    return !!t && Math.hypot(t.pos[0] - cubePos[0], t.pos[1] - cubePos[1]) < 0.03;
  }

  #subTask(obs: Observation): SubTask {
    if (this.knobs.finishTask) return 'finish';
    const cube = obs.objects.find((o) => o.name === 'cube');
    return cube && isHeld(obs, cube.pos) ? 'finish' : this.#task === 'reach' ? 'finish' : 'grasp';
  }

  #subTaskDone(obs: Observation, sub: SubTask): boolean {
    const cube = obs.objects.find((o) => o.name === 'cube');
    if (sub === 'grasp') return !!cube && isHeld(obs, cube.pos) && cube.pos[2] > 0.08;
    if (this.#task === 'reach') {
      const g = obs.objects.find((o) => o.name === 'goal');
      return !!g && Math.hypot(g.pos[0] - obs.eePos[0], g.pos[1] - obs.eePos[1], g.pos[2] - obs.eePos[2]) < 0.02;
    }
    if (this.#task === 'lift') return !!cube && cube.pos[2] >= 0.125;
    // place: the cube rests on the target, released
    return !!cube && this.#nearTarget(obs, cube.pos) && cube.pos[2] < 0.03 && obs.gripper > 0.07;
  }
}
