import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { RosbridgeTestServer, type RosbridgeTestServerOptions } from './rosbridge-test-server.ts';

type Command = 'startPublishing' | 'stopPublishing' | 'dropClients' | 'close';
const ROLE = 'threaded-rosbridge';

/**
 * TEST HARNESS: the rosbridge test double on its own thread, as rosbridge runs in its own process
 * on the robot PC: its joint states keep coming, and wait in the socket, while this thread is
 * blocked. Commands go to the double by message; each resolves once the double has carried it out.
 */
export class ThreadedRosbridge {
  readonly url: string;
  #worker: Worker;

  private constructor(worker: Worker, url: string) {
    this.#worker = worker;
    this.url = url;
  }

  /** Starts the double on a worker thread (TypeScript through tsx, as `npm run bench` does). */
  static async start(opts: RosbridgeTestServerOptions): Promise<ThreadedRosbridge> {
    const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(entry, { eval: true, workerData: { role: ROLE, opts } });
    const url = await new Promise<string>((resolve, reject) => {
      worker.once('message', (m: { url: string }) => resolve(m.url));
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the rosbridge thread exited (${code}) before listening`)));
    });
    return new ThreadedRosbridge(worker, url);
  }

  /** JointState at 100 Hz from the double's thread. */
  startPublishing(): Promise<void> {
    return this.#send('startPublishing');
  }
  stopPublishing(): Promise<void> {
    return this.#send('stopPublishing');
  }
  /** Cuts every client connection, as a crashed rosbridge would. */
  dropClients(): Promise<void> {
    return this.#send('dropClients');
  }

  async close(): Promise<void> {
    await this.#send('close');
    await this.#worker.terminate();
  }

  #send(type: Command): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (m: { done?: Command }) => {
        if (m.done !== type) return;
        this.#worker.off('message', done).off('error', reject);
        resolve();
      };
      this.#worker.on('message', done).on('error', reject);
      this.#worker.postMessage({ type });
    });
  }
}

/** Worker side: runs the double and carries out the commands. */
async function serve(opts: RosbridgeTestServerOptions): Promise<void> {
  const server = await RosbridgeTestServer.start(opts);
  parentPort!.on('message', async ({ type }: { type: Command }) => {
    if (type === 'startPublishing') server.startPublishing(100);
    if (type === 'stopPublishing') server.stopPublishing();
    if (type === 'dropClients') server.dropClients();
    if (type === 'close') await server.close();
    parentPort!.postMessage({ done: type });
  });
  parentPort!.postMessage({ url: server.url });
}

if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) void serve((workerData as { opts: RosbridgeTestServerOptions }).opts);
