import type { Step } from '../../core/step.ts';
import { observationToRecord } from '../../core/observation.ts';
import type { Catalog } from '../../recordings/catalog.ts';
import { Recorder } from '../../recordings/recorder.ts';
import { sampleObservation } from './policy-test-fixtures.ts';

/** Records `n` short 'place' episodes (demos, and policy episodes with an intervention) into `dataDir` through `catalog`. */
export async function recordEpisodes(dataDir: string, catalog: Catalog, n: number, prefix = 'ep'): Promise<void> {
  const rec = new Recorder({ dataDir, catalog });
  for (let e = 0; e < n; e++) {
    const id = `${prefix}-${e}`;
    const kind = e % 2 ? 'policy' : 'demo';
    rec.beginEpisode({ episodeId: id, robotId: 'sim-1', task: 'place', seed: e, policyVersion: null, kind, startedAt: 1000 + e });
    for (let i = 0; i < 30; i++) {
      const obs = observationToRecord(sampleObservation(i + e) as never);
      const operator = kind === 'policy' && i >= 20 && i < 25;
      const a = [Math.sin(i / 5), Math.cos(i / 5), 0.1 * e, 0, 0, 0, i > 15 ? 1 : -1].map((v) => Math.max(-1, Math.min(1, v)));
      const step: Step = {
        episodeId: id, step: i, t: i * 0.05, obs, proposed: a, executed: a, jointTargets: Array.from(obs.q), clamped: [],
        source: operator ? 'operator' : 'policy', mode: operator ? 'INTERVENING' : 'AUTONOMOUS', operatorId: operator ? 'ana' : null, policyVersion: null,
      };
      rec.appendStep(step);
    }
    rec.endEpisode(id, 'success');
  }
  await rec.close();
}
