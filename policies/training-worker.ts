import { parentPort, workerData } from 'node:worker_threads';
import type { ObjectStoreConfig } from '../server/config/config-schema.ts';
import { openEpisodeJournals } from '../recordings/open-episode-journals.ts';
import { runTrainingJob, type TrainingJobSpec } from './training-job.ts';
import type { EpisodeSteps } from './training-set.ts';

/** What the job manager hands a training worker. */
export interface TrainingWorkerInput {
  spec: TrainingJobSpec;
  dataDir: string;
  builtinDir?: string;
  episodes?: EpisodeSteps[];
  source?: string;
  /** the server's object store: uploaded journals no longer in `dataDir` are read from it */
  objectStore?: ObjectStoreConfig;
}

// Worker entry: runs one training job off the server's main thread and reports over postMessage.
if (parentPort) {
  const port = parentPort;
  const input = workerData as TrainingWorkerInput;
  const abort = new AbortController();
  port.on('message', (m: { type?: string }) => {
    if (m?.type === 'cancel') abort.abort();
  });
  const run = async () => {
    const opened = await openEpisodeJournals(input.dataDir, input.objectStore);
    try {
      return await runTrainingJob(input.spec, {
        dataDir: input.dataDir,
        builtinDir: input.builtinDir,
        episodes: input.episodes,
        source: input.source,
        journals: opened.journals,
        signal: abort.signal,
        onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
      });
    } finally {
      opened.close();
    }
  };
  run().then(
    (result) => port.postMessage({ type: 'done', result }),
    (err: Error) => port.postMessage({ type: 'error', message: err?.message ?? String(err) }),
  ).finally(() => port.close());
}
