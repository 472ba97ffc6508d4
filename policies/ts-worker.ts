import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a TypeScript module on a worker thread. The sources run through tsx, and a worker does
 * not inherit the parent's loader hooks, so a small bootstrap registers tsx first; a module that
 * fails to load reports `{ type: 'error', t: 'failed', message }` to the parent.
 */
export function startTsWorker(entry: URL, options: WorkerOptions = {}): Worker {
  // tsx's ESM entry, found from its package folder (require.resolve would pick the CJS build)
  const tsxDir = path.dirname(createRequire(import.meta.url).resolve('tsx/package.json'));
  const tsxApi = pathToFileURL(path.join(tsxDir, 'dist', 'esm', 'api', 'index.mjs')).href;
  const boot =
    `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })` +
    `.catch((e) => { const message = 'worker failed to start: ' + (e && e.message || e); require('node:worker_threads').parentPort.postMessage({ type: 'error', t: 'failed', message, error: { message } }); });`;
  return new Worker(boot, { ...options, eval: true });
}
