import { parentPort, workerData } from 'node:worker_threads';
import { runTrainingJob, type TrainingJobSpec } from './training-job.ts';
import type { EpisodeSteps } from './training-set.ts';

/** What the job manager hands a training worker. */
export interface TrainingWorkerInput {
  spec: TrainingJobSpec;
  dataDir: string;
  builtinDir?: string;
  episodes?: EpisodeSteps[];
  source?: string;
}

// Worker entry: runs one training job off the server's main thread and reports over postMessage.
if (parentPort) {
  const port = parentPort;
  const input = workerData as TrainingWorkerInput;
  const abort = new AbortController();
  port.on('message', (m: { type?: string }) => {
    if (m?.type === 'cancel') abort.abort();
  });
  runTrainingJob(input.spec, {
    dataDir: input.dataDir,
    builtinDir: input.builtinDir,
    episodes: input.episodes,
    source: input.source,
    signal: abort.signal,
    onProgress: (progress) => port.postMessage({ type: 'progress', progress }),
  }).then(
    (result) => port.postMessage({ type: 'done', result }),
    (err: Error) => port.postMessage({ type: 'error', message: err?.message ?? String(err) }),
  ).finally(() => port.close());
}
