import type { TrainingJob, TrainingJobManager } from '../../policies/training-jobs.ts';
import { JobRefusedError, type JobQueue, type JobSpec, type JobView } from './job-spec.ts';

/** A training job of the in-process manager as a JobView. */
function viewOf(j: TrainingJob, serverId: string): JobView {
  return {
    id: j.id, kind: 'training', status: j.status, spec: { kind: 'training', training: j.spec },
    progress: j.progress as JobView['progress'], version: j.version, result: j.result ? { summary: j.result.summary } : null,
    error: j.error, attempts: j.status === 'queued' ? 0 : 1, serverId, runner: 'in-process',
    createdAt: j.createdAt, startedAt: null, finishedAt: j.finishedAt,
  };
}

/**
 * The embedded runner: training jobs run in a worker thread of this server (policies/training-jobs.ts),
 * as without a database. Evaluations, exports and loops need a `takeover worker` (evaluations and
 * loops drive a simulator for minutes; without a database exports and loops run from the CLI).
 */
export class InProcessJobs implements JobQueue {
  readonly runner = 'in-process' as const;
  #m: TrainingJobManager;
  #serverId: string;

  constructor(manager: TrainingJobManager, serverId: string) {
    this.#m = manager;
    this.#serverId = serverId;
  }

  async submit(spec: JobSpec): Promise<JobView> {
    if (spec.kind !== 'training') throw new JobRefusedError(`${spec.kind} jobs run on a job worker: start the server with --database and run \`takeover worker\` (docs/deployment.md)${spec.kind === 'export' || spec.kind === 'loop' ? `; without a database, \`takeover ${spec.kind}\` runs it on this machine` : ''}`);
    return viewOf(this.#m.start(spec.training), this.#serverId);
  }
  async get(id: string): Promise<JobView | null> {
    const j = this.#m.get(id);
    return j ? viewOf(j, this.#serverId) : null;
  }
  async list(limit = 100): Promise<JobView[]> {
    return this.#m.list().reverse().slice(0, limit).map((j) => viewOf(j, this.#serverId));
  }
  async cancel(id: string): Promise<JobView | null> {
    if (!this.#m.get(id)) return null;
    this.#m.cancel(id);
    return this.get(id);
  }
  async close(): Promise<void> {
    // the manager is the policies API's: it closes it
  }
}
