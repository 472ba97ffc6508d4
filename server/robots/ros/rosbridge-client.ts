import { backoffDelay, realScheduler, type BackoffOptions, type Scheduler } from './backoff.ts';
import { consoleRosLogger, type RosLogger } from './ros-logger.ts';
import { ROSLIB, type RosbridgeOp, type RoslibRos, type TransportFactory } from './roslib-module.ts';

/** Link state of a rosbridge connection. */
export type LinkState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface RosbridgeClientOptions {
  url: string;
  /** roslib's transport seam; default: roslib's WebSocket factory (the `ws` package under Node) */
  transportFactory?: TransportFactory;
  log?: RosLogger;
  backoff?: BackoffOptions;
  scheduler?: Scheduler;
}

/** A publisher that never queues: while the link is down a publish is dropped and reported. */
export interface RosPublisher {
  /** true when the message went out on an open link */
  publish(msg: unknown): boolean;
}

const STATUS_LEVELS = new Set(['error', 'warning']);

/**
 * A roslib `Ros` with what a robot bridge needs around it: reconnection with exponential backoff,
 * publishers that drop rather than queue motion while disconnected (roslib queues everything),
 * service calls with a local timeout, and logging of rosbridge status messages and of malformed
 * frames, which roslib reports as transport errors.
 */
export class RosbridgeClient {
  readonly url: string;
  readonly ros: RoslibRos;
  /** frames roslib could not decode (bad JSON, not a rosbridge op) */
  malformed = 0;
  /** publishes dropped because the link was down */
  dropped = 0;
  /** reconnection attempts since the link was last open */
  attempts = 0;
  #state: LinkState = 'idle';
  #log: RosLogger;
  #backoff: BackoffOptions;
  #sched: Scheduler;
  #timer: unknown = null;
  #listeners: Array<(s: LinkState) => void> = [];
  #firstOpen: { resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(o: RosbridgeClientOptions) {
    this.url = o.url;
    this.#log = o.log ?? consoleRosLogger;
    this.#backoff = o.backoff ?? { initialDelay: 0.25, maxDelay: 5, factor: 2 };
    this.#sched = o.scheduler ?? realScheduler;
    const base = o.transportFactory ?? ROSLIB.WebSocketTransportFactory;
    const factory: TransportFactory = async (url) => {
      const t = await base(url);
      t.on('message', (m) => this.#tap(m));
      t.on('error', (e) => this.#transportError(e));
      return t;
    };
    this.ros = new ROSLIB.Ros({ transportFactory: factory });
    this.ros.on('connection', () => this.#opened());
    this.ros.on('close', () => this.#closed());
  }

  get state(): LinkState {
    return this.#state;
  }
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  /** Called on every link state change. */
  onState(fn: (s: LinkState) => void): void {
    this.#listeners.push(fn);
  }

  /** Connects (retrying with backoff, also after a `close`); resolves when the link opens, rejects if closed first. */
  open(): Promise<void> {
    if (this.#state === 'open') return Promise.resolve();
    this.#firstOpen?.reject(new Error(`RosbridgeClient#open: superseded by another open() of ${this.url}`));
    const p = new Promise<void>((resolve, reject) => (this.#firstOpen = { resolve, reject }));
    if (this.#state === 'closed') this.#set('idle');
    if (this.#state === 'idle') this.#attempt();
    return p;
  }

  /** Stops for good: no more reconnection. Idempotent. */
  close(): void {
    if (this.#state === 'closed') return;
    this.#set('closed');
    if (this.#timer !== null) this.#sched.clearTimeout(this.#timer);
    this.#timer = null;
    this.#firstOpen?.reject(new Error(`RosbridgeClient: closed before ${this.url} answered`));
    this.#firstOpen = null;
    this.ros.close();
  }

  /**
   * Subscribes (re-subscribed by roslib after each reconnection); returns the unsubscribe function.
   * `throttleMs` > 0 asks rosbridge to send at most one message per that many ms (cameras).
   */
  subscribe(topic: string, messageType: string, onMessage: (msg: unknown) => void, queueLength = 1, throttleMs = 0): () => void {
    const t = new ROSLIB.Topic<unknown>({ ros: this.ros, name: topic, messageType, queue_length: queueLength, ...(throttleMs > 0 && { throttle_rate: throttleMs }) });
    const cb = (m: unknown) => {
      try {
        onMessage(m);
      } catch (err) {
        this.#log.error(`rosbridge ${this.url}: handler for ${topic} failed: ${(err as Error).message}`);
      }
    };
    t.subscribe(cb);
    return () => t.unsubscribe();
  }

  /** Advertises a topic (re-advertised after each reconnection until `unadvertise`). */
  publisher(topic: string, messageType: string): RosPublisher & { unadvertise(): void } {
    const t = new ROSLIB.Topic<unknown>({ ros: this.ros, name: topic, messageType, queue_size: 1 });
    t.advertise(); // roslib sends it once connected and again after every reconnection
    return {
      publish: (msg) => {
        if (!this.isOpen || !this.ros.isConnected) {
          this.dropped++;
          return false;
        }
        t.publish(msg);
        return true;
      },
      unadvertise: () => t.unadvertise(),
    };
  }

  /** Calls a service; rejects with the service's error, or after `timeout` seconds. */
  callService<T>(name: string, serviceType: string, args: unknown, timeout = 5): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`service ${name} did not answer within ${timeout} s`)), timeout * 1000);
      const svc = new ROSLIB.Service<unknown, T>({ ros: this.ros, name, serviceType });
      svc.callService(args, (res) => { clearTimeout(timer); resolve(res); }, (err) => { clearTimeout(timer); reject(new Error(`service ${name} failed: ${err}`)); });
    });
  }

  /**
   * Reads a parameter through rosapi (`/rosapi/get_param`). Only `name` is sent: the default's
   * field is `default` in ROS 1 and `default_value` in ROS 2, and rosbridge rejects unknown fields.
   * A missing parameter comes back as JSON null (ROS 1) or "" (ROS 2).
   */
  async getParam(name: string, timeout = 5): Promise<unknown> {
    const res = await this.callService<{ value?: unknown; successful?: boolean; reason?: string }>('/rosapi/get_param', 'rosapi/GetParam', { name }, timeout);
    if (res && res.successful === false) throw new Error(`parameter '${name}': ${res.reason || 'not found'}`);
    let value: unknown;
    try {
      value = typeof res?.value === 'string' && res.value !== '' ? JSON.parse(res.value) : null;
    } catch {
      throw new Error(`parameter '${name}': rosapi returned a value that is not JSON`);
    }
    if (value === null || value === '') throw new Error(`parameter '${name}' is not set (ROS 2 names it node:parameter, e.g. /robot_state_publisher:robot_description)`);
    return value;
  }

  #attempt(): void {
    this.#timer = null;
    if (this.#state === 'closed') return;
    if (this.#state !== 'reconnecting') this.#set('connecting');
    this.ros.connect(this.url).catch((err: Error) => {
      this.#log.warn(`rosbridge ${this.url}: connect failed: ${err.message}`);
      this.#closed();
    });
  }

  #opened(): void {
    if (this.#state === 'closed') {
      this.ros.close();
      return;
    }
    this.attempts = 0;
    this.#set('open');
    this.#log.info(`rosbridge ${this.url}: connected`);
    this.#firstOpen?.resolve();
    this.#firstOpen = null;
  }

  #closed(): void {
    if (this.#state === 'closed' || this.#timer !== null) return;
    if (this.#state === 'open') this.#log.warn(`rosbridge ${this.url}: connection lost; reconnecting`);
    this.#set('reconnecting');
    const delay = backoffDelay(this.attempts++, this.#backoff);
    this.#timer = this.#sched.setTimeout(() => this.#attempt(), delay * 1000);
  }

  #set(s: LinkState): void {
    if (this.#state === s) return;
    this.#state = s;
    for (const fn of this.#listeners) fn(s);
  }

  #tap(m: RosbridgeOp): void {
    if (m.op === 'status' && typeof m.level === 'string' && STATUS_LEVELS.has(m.level)) {
      this.#log.warn(`rosbridge ${this.url}: status ${m.level}: ${String(m.msg)}`);
    }
  }

  #transportError(e: unknown): void {
    if (e instanceof Error) {
      this.malformed++;
      this.#log.warn(`rosbridge ${this.url}: dropped a malformed message: ${e.message}`);
    } else {
      const msg = (e as { message?: string })?.message;
      if (msg) this.#log.warn(`rosbridge ${this.url}: ${msg}`);
    }
  }
}
