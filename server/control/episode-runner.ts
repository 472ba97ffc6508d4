import { randomUUID } from 'node:crypto';
import type { Outcome } from '../../core/step.ts';
import type { EpisodeEvent, RecorderPort } from './recorder-port.ts';

/** The episode a robot is in. */
export interface EpisodeInfo {
  id: string;
  /** how many episodes this robot has started, from 0 */
  index: number;
  seed: number;
  task: string;
  /** index of the next step */
  step: number;
  /** of those steps, the ones held in PAUSED (waiting for someone): the step limit does not count them */
  heldSteps: number;
  /** loop time of the reset, s */
  startT: number;
  outcome: Outcome | null;
}

export interface EpisodeRunnerOptions {
  robotId: string;
  task: string;
  /** seed of the first episode; each reset without an explicit seed takes the next one */
  seed: number;
  /** steps after which an episode ends as a timeout, not counting steps held in PAUSED (0 = never) */
  stepLimit: number;
  recorder: RecorderPort | null;
  policyVersion: () => string | null;
  newId?: () => string;
  wallNow?: () => number;
}

/** Episode bookkeeping of one robot: ids, seeds, step counts, outcomes, and the recorder calls that go with them. */
export class EpisodeRunner {
  readonly stepLimit: number;
  #o: EpisodeRunnerOptions;
  #newId: () => string;
  #wallNow: () => number;
  #nextSeed: number;
  #ep: EpisodeInfo | null = null;
  #count = 0;
  /** outcomes of finished episodes, most recent last (bounded) */
  readonly recent: Array<{ id: string; outcome: Outcome }> = [];

  constructor(o: EpisodeRunnerOptions) {
    this.#o = o;
    this.stepLimit = o.stepLimit;
    this.#nextSeed = o.seed;
    this.#newId = o.newId ?? randomUUID;
    this.#wallNow = o.wallNow ?? Date.now;
  }

  get current(): EpisodeInfo | null {
    return this.#ep;
  }

  /** Starts an episode at loop time t; returns it. The caller resets the robot with its seed. */
  begin(t: number, seed?: number): EpisodeInfo {
    const s = seed ?? this.#nextSeed;
    this.#nextSeed = s + 1;
    const ep: EpisodeInfo = { id: this.#newId(), index: this.#count++, seed: s, task: this.#o.task, step: 0, heldSteps: 0, startT: t, outcome: null };
    this.#ep = ep;
    this.#o.recorder?.beginEpisode({
      episodeId: ep.id, robotId: this.#o.robotId, task: ep.task, seed: s,
      policyVersion: this.#o.policyVersion(), kind: 'policy', startedAt: this.#wallNow(),
    });
    this.event({ type: 'reset', t: 0, step: -1, seed: s });
    return ep;
  }

  /** Ends the current episode with an outcome (no-op without one). */
  end(outcome: Outcome, t: number, by: string | null = null): EpisodeInfo | null {
    const ep = this.#ep;
    if (!ep || ep.outcome) return null;
    ep.outcome = outcome;
    this.event({ type: 'outcome', t: t - ep.startT, step: ep.step - 1, outcome, by });
    this.#o.recorder?.endEpisode(ep.id, outcome);
    this.recent.push({ id: ep.id, outcome });
    if (this.recent.length > 20) this.recent.shift();
    return ep;
  }

  /**
   * Why the episode should end after the step just taken, or null. Steps held in PAUSED do not
   * count toward the limit: a robot waiting for a person (a help request, a lost heartbeat, an
   * operator's pause) does not run out of episode time while nobody drives it.
   */
  verdict(success: boolean): Outcome | null {
    const ep = this.#ep;
    if (!ep || ep.outcome) return null;
    if (success) return 'success';
    if (this.stepLimit > 0 && ep.step - ep.heldSteps >= this.stepLimit) return 'timeout';
    return null;
  }

  /** Records a timeline event on the current episode. */
  event(e: EpisodeEvent): void {
    if (this.#ep) this.#o.recorder?.appendEvent(this.#ep.id, e);
  }
}

/** What `runEpisodes` needs of a control loop (ControlLoop has it). */
export interface SteppedLoop {
  readonly dt: number;
  readonly episode: EpisodeInfo | null;
  readonly episodes: { readonly stepLimit: number };
  start(seed?: number): void;
  resetEpisode(seed?: number): EpisodeInfo;
  tick(): void;
}

/** One finished headless episode. */
export interface EpisodeResult {
  seed: number;
  id: string;
  outcome: Outcome;
  /** control ticks the episode took */
  steps: number;
}

export interface RunEpisodesHooks {
  /** after each episode (awaited, so a recorder can drain before the next one) */
  onEpisode?(i: number, r: EpisodeResult): Promise<void> | void;
}

/**
 * Runs a loop headless on a manual clock, one episode per seed, each until its outcome (success
 * or the step limit), as fast as the machine goes: the deployed tick, on simulated time. This is
 * the only way evaluation, demos, `takeover sim`, the learning loop and the sim bench drive an arm.
 */
export async function runEpisodes(loop: SteppedLoop, clock: { advance(dt: number): void }, seeds: readonly number[], hooks: RunEpisodesHooks = {}): Promise<EpisodeResult[]> {
  // a loop without a step limit would never end an episode that does not succeed
  if (!(loop.episodes.stepLimit > 0)) throw new Error('runEpisodes: the loop needs a step limit (stepLimit > 0)');
  const out: EpisodeResult[] = [];
  for (let i = 0; i < seeds.length; i++) {
    if (loop.episode === null) loop.start(seeds[i]);
    else loop.resetEpisode(seeds[i]);
    const ep = loop.episode!;
    while (!ep.outcome) {
      clock.advance(loop.dt);
      loop.tick();
    }
    const r: EpisodeResult = { seed: ep.seed, id: ep.id, outcome: ep.outcome, steps: ep.step };
    out.push(r);
    await hooks.onEpisode?.(i, r);
  }
  return out;
}
