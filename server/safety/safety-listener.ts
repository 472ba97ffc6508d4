import type { MessagePort, Worker } from 'node:worker_threads';
import type { TokenStore } from '../auth/token-store.ts';
import { safetySocketPort, type TakeoverConfig } from '../config/config-schema.ts';
import { readTlsFiles } from '../config/tls-files.ts';
import type { ThreadPriority } from '../control-plane/thread-priority.ts';
import { startTsWorker } from '../../policies/ts-worker.ts';
import type { FromSafety, SafetyWorkerData, ToSafety } from './safety-thread-messages.ts';

export interface SafetyListenerOptions {
  config: TakeoverConfig;
  tokens: TokenStore;
  /** the tokens file the store re-reads, or null for configured tokens */
  tokensFile: string | null;
  robots: readonly string[];
  /** the safety end of a channel whose other end the control thread listens on */
  control: MessagePort;
  /** the control thread's doorbell (server/control-plane/doorbell.ts), rung after each message; none: not rung */
  bell?: SharedArrayBuffer;
  log: (level: 'error' | 'warn' | 'info', msg: string) => void;
  /** an e-stop's answer left the safety socket this long after its frame arrived, ms */
  onEstopAck: (ms: number) => void;
}

/**
 * The safety socket as the network thread sees it (docs/protocol.md, "Safety socket"): a thread of
 * its own that listens on its own port and passes e-stops, pauses and heartbeats to the control
 * thread directly, so they never wait behind this thread's work.
 */
export class SafetyListener {
  readonly port: number;
  readonly priority: ThreadPriority;
  #worker: Worker;
  #closed: Promise<void> | null = null;

  private constructor(worker: Worker, port: number, priority: ThreadPriority) {
    this.#worker = worker;
    this.port = port;
    this.priority = priority;
  }

  /** Starts the thread and waits until it listens; rejects naming the port when it cannot. */
  static async start(o: SafetyListenerOptions): Promise<SafetyListener> {
    const c = o.config;
    const data: SafetyWorkerData = {
      host: c.host, port: safetySocketPort(c), tls: c.tls ? readTlsFiles(c.tls) : null,
      tokens: { records: o.tokens.records(), file: o.tokensFile }, robots: [...o.robots],
      limits: c.wsLimits, maxConnections: c.safetySocket.maxConnections, maxBufferBytes: c.maxClientBufferBytes,
      allowedOrigins: c.allowedOrigins, nice: c.threadNice.control, control: o.control, bell: o.bell,
    };
    const worker = startTsWorker(new URL('./safety-worker.ts', import.meta.url), { workerData: data, transferList: [o.control] });
    const ready = await new Promise<Extract<FromSafety, { t: 'listening' }>>((resolve, reject) => {
      const onMsg = (m: FromSafety) => {
        if (m.t === 'listening') { off(); resolve(m); }
        else if (m.t === 'failed') { off(); reject(new Error(`${m.message} (safetySocket in docs/configuration.md)`)); }
      };
      const onErr = (err: Error) => { off(); reject(err); };
      // a thread that ends before it listens must fail the start, not leave it waiting
      const onExit = (code: number) => { off(); reject(new Error(`safety socket thread exited (${code}) before it listened`)); };
      const off = () => { worker.off('message', onMsg); worker.off('error', onErr); worker.off('exit', onExit); };
      worker.on('message', onMsg);
      worker.on('error', onErr);
      worker.on('exit', onExit);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    if (ready.priority.error) o.log('warn', `safety socket thread priority: ${ready.priority.error}`);
    worker.on('message', (m: FromSafety) => {
      if (m.t === 'estop_ack') o.onEstopAck(m.ms);
      else if (m.t === 'log') o.log(m.level, m.msg);
      else if (m.t === 'failed') o.log('error', m.message);
    });
    worker.on('error', (err) => o.log('error', `safety socket thread failed: ${err.stack ?? err.message}`));
    return new SafetyListener(worker, ready.port, ready.priority);
  }

  /** Closes the connections (1001) and the listener, then ends the thread. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      const w = this.#worker;
      const done = () => void w.terminate().then(() => resolve());
      const timer = setTimeout(done, 3000);
      w.on('message', (m: FromSafety) => {
        if (m.t === 'closed') { clearTimeout(timer); done(); }
      });
      w.postMessage({ t: 'close' } satisfies ToSafety);
    });
    return this.#closed;
  }
}
