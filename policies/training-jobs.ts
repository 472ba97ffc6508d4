import { randomUUID } from 'node:crypto';
import type { ObjectStoreConfig } from '../server/config/config-schema.ts';
import { startTsWorker } from './ts-worker.ts';
import type { JobProgress, TrainingJobResult, TrainingJobSpec } from './training-job.ts';
import type { TrainingWorkerInput } from './training-worker.ts';

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** A training job as the API reports it. */
export interface TrainingJob {
  id: string;
  status: JobStatus;
  spec: TrainingJobSpec;
  progress: JobProgress | null;
  /** the version written, once succeeded */
  version: string | null;
  result: TrainingJobResult | null;
  error: string | null;
  createdAt: number;
  finishedAt: number | null;
}

/** Something that behaves like a worker thread running training-worker.ts (real, or a test double). */
export interface WorkerLike {
  on(event: 'message', fn: (m: unknown) => void): unknown;
  on(event: 'error', fn: (e: Error) => void): unknown;
  on(event: 'exit', fn: (code: number) => void): unknown;
  postMessage(m: unknown): void;
  terminate(): Promise<number>;
}
export type WorkerFactory = (input: TrainingWorkerInput) => WorkerLike;

/** Starts training-worker.ts in a worker thread. */
export const threadWorkerFactory: WorkerFactory = (input) => startTsWorker(new URL('./training-worker.ts', import.meta.url), { workerData: input });

export interface TrainingJobManagerOptions {
  dataDir: string;
  builtinDir?: string;
  /** jobs run one at a time by default: the machine's cores belong to the control loops first */
  maxConcurrent?: number;
  workerFactory?: WorkerFactory;
  /** the server's object store: training reads uploaded journals gone from `dataDir` there */
  objectStore?: ObjectStoreConfig;
}

/** Queues training jobs, runs each in its own worker, and reports progress to listeners. */
export class TrainingJobManager {
  #o: Required<Omit<TrainingJobManagerOptions, 'builtinDir' | 'objectStore'>> & Pick<TrainingJobManagerOptions, 'builtinDir' | 'objectStore'>;
  #jobs = new Map<string, TrainingJob>();
  #workers = new Map<string, WorkerLike>();
  #queue: string[] = [];
  #listeners = new Set<(job: TrainingJob) => void>();
  #waiters = new Map<string, Array<(job: TrainingJob) => void>>();

  constructor({ dataDir, builtinDir, maxConcurrent = 1, workerFactory = threadWorkerFactory, objectStore }: TrainingJobManagerOptions) {
    this.#o = { dataDir, builtinDir, maxConcurrent, workerFactory, objectStore };
  }

  /** Queues a job and returns it (status queued or running). */
  start(spec: TrainingJobSpec): TrainingJob {
    const job: TrainingJob = { id: randomUUID(), status: 'queued', spec, progress: null, version: null, result: null, error: null, createdAt: Date.now(), finishedAt: null };
    this.#jobs.set(job.id, job);
    this.#queue.push(job.id);
    this.#pump();
    return job;
  }

  get(id: string): TrainingJob | null {
    return this.#jobs.get(id) ?? null;
  }

  list(): TrainingJob[] {
    return [...this.#jobs.values()];
  }

  /** Calls `fn` on every status or progress change; returns the unsubscribe function. */
  subscribe(fn: (job: TrainingJob) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Resolves when the job has finished (any final status). */
  whenDone(id: string): Promise<TrainingJob> {
    const job = this.#jobs.get(id);
    if (!job) return Promise.reject(new Error(`no training job '${id}'`));
    if (isFinal(job.status)) return Promise.resolve(job);
    return new Promise((resolve) => this.#waiters.set(id, [...(this.#waiters.get(id) ?? []), resolve]));
  }

  /** Cancels a queued or running job; false if it had already finished. */
  cancel(id: string): boolean {
    const job = this.#jobs.get(id);
    if (!job || isFinal(job.status)) return false;
    const w = this.#workers.get(id);
    if (w) {
      w.postMessage({ type: 'cancel' });
      void w.terminate();
    }
    this.#queue = this.#queue.filter((q) => q !== id);
    this.#finish(job, 'cancelled', null, 'cancelled');
    return true;
  }

  /** Terminates running workers (server shutdown). */
  async close(): Promise<void> {
    for (const id of [...this.#workers.keys(), ...this.#queue]) this.cancel(id);
  }

  #pump(): void {
    while (this.#workers.size < this.#o.maxConcurrent && this.#queue.length) {
      const id = this.#queue.shift()!;
      const job = this.#jobs.get(id)!;
      let worker: WorkerLike;
      try {
        worker = this.#o.workerFactory({ spec: job.spec, dataDir: this.#o.dataDir, builtinDir: this.#o.builtinDir, ...(this.#o.objectStore && { objectStore: this.#o.objectStore }) });
      } catch (err) {
        this.#finish(job, 'failed', null, `could not start a training worker: ${(err as Error).message}`);
        continue;
      }
      this.#workers.set(id, worker);
      job.status = 'running';
      this.#emit(job);
      worker.on('message', (m) => this.#onMessage(job, m as WorkerMessage));
      worker.on('error', (e) => this.#finish(job, 'failed', null, e.message));
      worker.on('exit', (code) => {
        if (!isFinal(job.status)) this.#finish(job, 'failed', null, `training worker exited with code ${code} before finishing`);
      });
    }
  }

  #onMessage(job: TrainingJob, m: WorkerMessage): void {
    if (isFinal(job.status)) return;
    if (m.type === 'progress') {
      job.progress = m.progress;
      this.#emit(job);
    } else if (m.type === 'done') this.#finish(job, 'succeeded', m.result, null);
    else if (m.type === 'error') this.#finish(job, 'failed', null, m.message);
  }

  #finish(job: TrainingJob, status: JobStatus, result: TrainingJobResult | null, error: string | null): void {
    if (isFinal(job.status)) return;
    job.status = status;
    job.result = result;
    job.version = result?.manifest.version ?? null;
    job.error = error;
    job.finishedAt = Date.now();
    this.#workers.delete(job.id);
    this.#emit(job);
    for (const w of this.#waiters.get(job.id) ?? []) w(job);
    this.#waiters.delete(job.id);
    this.#pump();
  }

  #emit(job: TrainingJob): void {
    for (const fn of this.#listeners) {
      try {
        fn(job);
      } catch {
        // a listener's failure (a closed socket) must not stop the job
      }
    }
  }
}

type WorkerMessage = { type: 'progress'; progress: JobProgress } | { type: 'done'; result: TrainingJobResult } | { type: 'error'; message: string };

function isFinal(s: JobStatus): boolean {
  return s === 'succeeded' || s === 'failed' || s === 'cancelled';
}
