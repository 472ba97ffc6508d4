import { loadConfig } from '../config/load-config.ts';
import { JobWorker } from '../jobs/job-worker.ts';
import { intFlag, UsageError, type CliCommand } from './cli-command.ts';
import { printJson } from './json-output.ts';

/** `takeover worker`: runs jobs (training, evaluation, export, loop) from the shared queue until SIGINT/SIGTERM. */
export const workerCommand: CliCommand = {
  name: 'worker',
  summary: 'run jobs (training, evaluation, export, loop) from the shared PostgreSQL queue; several may run, on any machine',
  usage: 'takeover worker --database postgres://... [--config FILE] [--data-dir DIR] [--worker-id NAME] [--heartbeat-ms N] [--stale-ms N] [--json]',
  options: {
    'worker-id': { type: 'string' },
    'heartbeat-ms': { type: 'string' },
    'stale-ms': { type: 'string' },
  },
  async run(flags, values) {
    const config = loadConfig({
      config: flags.config, database: flags.database,
      dataDir: values['data-dir'] !== undefined || process.env.TAKEOVER_DATA_DIR ? flags.dataDir : undefined,
    });
    if (!config.database) throw new UsageError('takeover worker needs the shared database: --database postgres://... (or TAKEOVER_DATABASE_URL, or `database` in the config file)');
    const heartbeatMs = intFlag(values, 'heartbeat-ms', config.jobs?.heartbeatMs);
    const staleMs = intFlag(values, 'stale-ms', config.jobs?.staleMs);
    if (heartbeatMs !== undefined && heartbeatMs < 100) throw new UsageError(`--heartbeat-ms must be at least 100, got ${heartbeatMs}`);
    if (staleMs !== undefined && staleMs < 3 * (heartbeatMs ?? 2000)) throw new UsageError(`--stale-ms must be at least three heartbeats (${3 * (heartbeatMs ?? 2000)} ms), got ${staleMs}`);
    const log = (line: string) => process.stderr.write(`takeover worker: ${line}\n`);
    const worker = await JobWorker.start({
      database: config.database, dataDir: config.dataDir, objectStore: config.objectStore, workerId: values['worker-id'] as string | undefined,
      heartbeatMs, staleMs, retries: config.jobs?.retries, timeoutSeconds: config.jobs?.timeoutSeconds, log,
    });
    await new Promise<void>((done) => {
      const stop = (sig: string) => {
        log(`${sig}, stopping (a running job is retried by another worker)`);
        worker.stop().then(done, (err: Error) => {
          log(`error while stopping: ${err.message}`);
          done();
        });
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
      // announced once a signal stops it cleanly
      if (flags.json) printJson({ workerId: worker.workerId, dataDir: config.dataDir });
      log(`${worker.workerId} taking jobs (data dir ${config.dataDir}; journals not there: ${config.objectStore ? `from s3://${config.objectStore.bucket}/${config.objectStore.prefix ?? ''}` : 'none, no objectStore configured'})`);
    });
    return 0;
  },
};
