import type { LearningLoopOptions } from './learning-loop.ts';

/** What a loop run is set up with, apart from where it writes and how it reports. */
export type LoopSettings = Omit<LearningLoopOptions, 'dataDir' | 'log' | 'runId' | 'signal' | 'onProgress'>;

export const LOOP_SCENARIOS = ['standard', 'discriminating'] as const;
export type LoopScenario = (typeof LOOP_SCENARIOS)[number];

/** A scenario's settings for one seed, and the seeds it runs by default. */
export interface ScenarioPreset {
  settings: LoopSettings;
  seeds: number[];
}

/**
 * The named loop setups (docs/training.md "Loop scenarios"). `standard` starts from the shipped
 * policy with its 140 demos and a careful operator who rewinds. `discriminating` is built to tell
 * weightings apart: a weak start trained on 40 demos of its own per seed, no rewind (so failing
 * autonomous steps stay in every weighting's data), an imperfect operator (late reactions, a
 * quarter of corrections sloppy), 60 episodes a round, 11 seeds, and 300 fresh evaluation seeds.
 */
export function loopScenario(name: LoopScenario, seed: number): ScenarioPreset {
  if (name === 'standard') {
    return {
      seeds: [seed],
      settings: {
        task: 'place', rounds: 3, episodesPerRound: 30, weightings: ['sirius', 'iwr', 'none'], seed,
        startVersion: 'default', demos: 140, demoSeedBase: 0, epochs: 40,
        evalEpisodes: 100, evalSeedBase: 10000, evalRounds: 'all', rewind: true,
        operator: { finishTask: false }, warmStart: false, preInterventionAfterRewind: 'kept',
      },
    };
  }
  return {
    seeds: Array.from({ length: 11 }, (_, i) => i + 1),
    settings: {
      task: 'place', rounds: 3, episodesPerRound: 60, weightings: ['sirius', 'iwr', 'none'], seed,
      startVersion: null, startEpochs: 40, demos: 40, demoSeedBase: 60000 + 100 * seed, epochs: 15,
      evalEpisodes: 300, evalSeedBase: 50000, evalRounds: 'last', rewind: false,
      operator: { finishTask: false, reactionSpread: 0.6, suboptimalRate: 0.25, suboptimalNoise: 0.5 },
      warmStart: true, preInterventionAfterRewind: 'kept',
    },
  };
}

/** Parses a scenario name, naming the known ones when it is not. */
export function parseLoopScenario(name: string): LoopScenario {
  if ((LOOP_SCENARIOS as readonly string[]).includes(name)) return name as LoopScenario;
  throw new Error(`unknown loop scenario '${name}' (known: ${LOOP_SCENARIOS.join(', ')})`);
}
