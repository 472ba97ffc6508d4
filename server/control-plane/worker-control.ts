import type { MessagePort, Worker } from 'node:worker_threads';
import type { TakeoverConfig } from '../config/config-schema.ts';
import type { Actor } from '../control/arbiter.ts';
import type { LoopEvent, Refusal } from '../control/control-loop.ts';
import type { RecorderPort } from '../control/recorder-port.ts';
import type { RobotCommand } from '../control/robot-command.ts';
import { TakeoverError } from '../errors.ts';
import { isErrorCode } from '../../protocol/error-codes.ts';
import type { RobotInfo } from '../../protocol/messages.ts';
import { startTsWorker } from '../../policies/ts-worker.ts';
import type { ControlSamples, ControlStatus } from './control-host.ts';
import type { ControlPlane } from './control-plane.ts';
import { Doorbell } from './doorbell.ts';
import type { EncodedFrame } from './frame-collector.ts';
import type { PolicyRuntimeStats } from './policy-host.ts';
import { applyRecorderOps } from './recorder-relay.ts';
import { SignalThrottle } from './signal-throttle.ts';
import type { ControlWorkerData, FromControl, ThreadError, ToControl } from './thread-messages.ts';
import type { ThreadPriority } from './thread-priority.ts';

export interface WorkerControlOptions {
  recorder: RecorderPort | null;
  policies: boolean;
  spinMs?: number;
  coalesceMs?: number;
  /** robots some client watches (frames of the others are not built) */
  watched: () => string[];
  log: (level: 'error' | 'warn' | 'info', msg: string, extra: Record<string, unknown>) => void;
  /** every robot starts PAUSED with this reason */
  startPaused?: string;
  /** the control thread's doorbell, shared with the other threads that post it messages (with controlDoorbell; one is made when absent) */
  bell?: Doorbell;
}

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

function fromThreadError(e: ThreadError): Error {
  return e.code && isErrorCode(e.code) ? new TakeoverError(e.code, e.message) : new Error(e.message);
}

/**
 * The control host on its own worker thread (server/control-plane/control-worker.ts), as the
 * network thread sees it. Commands and signs of life are posted at once; the worker answers
 * commands in batches; frames, events and recorder calls stream back. Nothing here waits on a loop.
 */
export class WorkerControl implements ControlPlane {
  readonly robotIds: readonly string[];
  #worker: Worker;
  /** null: controlDoorbell off, nothing to ring */
  #bell: Doorbell | null;
  #infos: Map<string, RobotInfo>;
  #pending = new Map<number, Pending>();
  #nextId = 1;
  #frames: Array<(f: EncodedFrame[]) => void> = [];
  #events: Array<(e: LoopEvent) => void> = [];
  #o: WorkerControlOptions;
  #watchTimer: NodeJS.Timeout | null = null;
  #lastWatch = '';
  #exited = false;
  #stopping = false;
  /** the control thread's last status snapshot (published every 0.5 s) */
  #status: ControlStatus | null = null;
  /** the policy runtime's figures of the same snapshot; undefined until one arrives or after a swap */
  #policies: PolicyRuntimeStats | null | undefined = undefined;
  // at most one sign of life / bad-frame notice per operator per 20 ms crosses (watchdogs are 300 ms)
  #alive = new SignalThrottle(20, (operatorId) => this.#post({ t: 'alive', operatorId }));
  #badInput = new SignalThrottle(20, (operatorId) => this.#post({ t: 'bad_input', operatorId }));

  /** the niceness the control thread got */
  readonly priority: ThreadPriority;

  private constructor(worker: Worker, infos: RobotInfo[], priority: ThreadPriority, o: WorkerControlOptions, bell: Doorbell | null) {
    this.#worker = worker;
    this.#bell = bell;
    this.priority = priority;
    this.#infos = new Map(infos.map((i) => [i.id, i]));
    this.robotIds = infos.map((i) => i.id);
    this.#o = o;
    worker.on('message', (m: FromControl) => this.#onMessage(m));
    worker.on("error", (err) => o.log("error", `control thread failed: ${err instanceof Error ? err.stack : JSON.stringify(err)}`, {}));
    worker.on('exit', (code) => {
      this.#exited = true;
      for (const p of this.#pending.values()) p.reject(new TakeoverError('TKO_ERR_INTERNAL', `control thread exited (${code})`));
      this.#pending.clear();
      if (!this.#stopping) o.log('error', 'control thread exited: the robots are no longer controlled by this server', { code });
    });
  }

  /** Starts the worker and waits until its robots are built (bridges not yet connected). */
  static async create(config: TakeoverConfig, o: WorkerControlOptions): Promise<WorkerControl> {
    const bell = config.controlDoorbell ? (o.bell ?? new Doorbell()) : null;
    const worker = startTsWorker(new URL('./control-worker.ts', import.meta.url), {
      workerData: {
        config, record: o.recorder !== null, policies: o.policies, spinMs: o.spinMs, coalesceMs: o.coalesceMs, startPaused: o.startPaused,
        singleThreadedGc: process.execArgv.includes('--single-threaded-gc'), bell: bell?.buffer,
      } satisfies ControlWorkerData,
    });
    const ready = await new Promise<Extract<FromControl, { t: 'ready' }>>((resolve, reject) => {
      const onMsg = (m: FromControl) => {
        if (m.t === 'ready') { off(); resolve(m); }
        else if (m.t === 'failed') { off(); reject(fromThreadError(m.error)); }
      };
      const onErr = (err: Error) => { off(); reject(err); };
      const onExit = (code: number) => { off(); reject(new Error(`control thread exited (${code}) before it was ready`)); };
      const off = () => { worker.off('message', onMsg); worker.off('error', onErr); worker.off('exit', onExit); };
      worker.on('message', onMsg);
      worker.on('error', onErr);
      worker.on('exit', onExit);
    }).catch(async (err) => {
      await worker.terminate();
      throw err;
    });
    if (ready.priority.error) o.log('warn', `control thread priority: ${ready.priority.error}`, {});
    if (ready.priority.realtime && !ready.priority.realtime.ok) o.log('warn', `control thread real-time scheduling: ${ready.priority.realtime.error}`, {});
    if (ready.priority.helpers && !ready.priority.helpers.ok) o.log('warn', `helper threads real-time scheduling: ${ready.priority.helpers.error}`, {});
    return new WorkerControl(worker, ready.robots, ready.priority, o, bell);
  }

  #post(m: ToControl): void {
    if (this.#exited) return;
    this.#worker.postMessage(m);
    this.#bell?.ring();
  }

  #request<T>(m: ToControl & { id: number }): Promise<T> {
    if (this.#exited) return Promise.reject(new TakeoverError('TKO_ERR_INTERNAL', 'control thread is not running'));
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(m.id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage(m);
      this.#bell?.ring();
    });
  }

  #onMessage(m: FromControl): void {
    switch (m.t) {
      case 'frames':
        for (const fn of this.#frames) fn(m.frames);
        return;
      case 'refusals':
        for (const r of m.replies) {
          const p = this.#pending.get(r.id);
          this.#pending.delete(r.id);
          p?.resolve(r.refusal);
        }
        return;
      case 'reply': {
        const p = this.#pending.get(m.id);
        this.#pending.delete(m.id);
        if (m.error) p?.reject(fromThreadError(m.error));
        else p?.resolve(m.value);
        return;
      }
      case 'event':
        for (const fn of this.#events) fn(m.e);
        return;
      case 'status':
        this.#status = m.status;
        this.#policies = m.policies;
        return;
      case 'rec':
        if (this.#o.recorder) {
          try { applyRecorderOps(this.#o.recorder, m.ops); } catch (err) { this.#o.log('error', 'recorder refused a relayed call', { err }); }
        }
        return;
      case 'log':
        this.#o.log(m.level, m.msg, { robot: m.robot, err: m.err });
        return;
      default:
        return;
    }
  }

  get running(): boolean { return !this.#exited; }

  has(robot: string): boolean { return this.#infos.has(robot); }

  info(robot: string): RobotInfo {
    const i = this.#infos.get(robot);
    if (!i) throw new TakeoverError('TKO_ERR_UNKNOWN_ROBOT', `no robot '${robot}'`);
    return i;
  }

  command(robot: string, actor: Actor, cmd: RobotCommand, receivedAtMs: number): Promise<Refusal | null> {
    return this.#request<Refusal | null>({ t: 'cmd', id: this.#nextId++, robot, actor, cmd, at: receivedAtMs, posted: performance.now() });
  }

  alive(operatorId: string): void { this.#alive.signal(operatorId); }
  badInput(operatorId: string): void { this.#badInput.signal(operatorId); }
  gone(operatorId: string): void { this.#post({ t: 'gone', operatorId }); }
  /** The last snapshot (at most 0.5 s old; requests never reach the loops), or a fresh one when asked or before the first. */
  status(fresh = false): Promise<ControlStatus> {
    if (this.#status && !fresh) return Promise.resolve(this.#status);
    return this.#request({ t: 'status', id: this.#nextId++ });
  }
  samples(reset: boolean): Promise<ControlSamples> { return this.#request({ t: 'samples', id: this.#nextId++, reset }); }
  resetFigures(): Promise<void> { return this.#request({ t: 'reset_figures', id: this.#nextId++ }); }
  /** From the last snapshot (a status page asks on every request); asks the control side before the first and after a swap. */
  policyStats(): Promise<PolicyRuntimeStats | null> {
    if (this.#policies !== undefined) return Promise.resolve(this.#policies);
    return this.#request({ t: 'policy_stats', id: this.#nextId++ });
  }

  async assignPolicy(robot: string, version: string): Promise<{ previous: string | null }> {
    const r = await this.#request<{ previous: string | null; info: RobotInfo }>({ t: 'assign', id: this.#nextId++, robot, version });
    this.#infos.set(robot, r.info);
    this.#policies = undefined;
    return { previous: r.previous };
  }

  /** Hands the control thread its end of the safety socket's channel (server/safety/): e-stops from there skip this thread. */
  connectSafety(port: MessagePort): void {
    if (!this.#exited) this.#worker.postMessage({ t: 'safety_port', port } satisfies ToControl, [port]);
  }

  onFrames(fn: (frames: EncodedFrame[]) => void): void { this.#frames.push(fn); }
  onEvent(fn: (e: LoopEvent) => void): void { this.#events.push(fn); }

  /** Tells the worker which robots are watched, if that changed (called on subscription changes, and every 200 ms for closed sockets). */
  updateWatch(): void {
    const ids = this.#o.watched();
    const key = ids.join('\u0000');
    if (key === this.#lastWatch) return;
    this.#lastWatch = key;
    this.#post({ t: 'watch', robots: ids });
  }

  async start(): Promise<void> {
    this.updateWatch();
    this.#watchTimer = setInterval(() => this.updateWatch(), 200);
    this.#watchTimer.unref();
    await this.#request({ t: 'start', id: this.#nextId++ });
  }

  /** Stops the loops (arms hold and disconnect), takes the last recorder calls, ends the thread. */
  async stop(): Promise<void> {
    if (this.#watchTimer) clearInterval(this.#watchTimer);
    this.#alive.clear();
    this.#badInput.clear();
    if (this.#exited) return;
    this.#stopping = true;
    try {
      await this.#request({ t: 'stop', id: this.#nextId++ });
    } finally {
      await this.#worker.terminate();
    }
  }
}
