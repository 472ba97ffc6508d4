import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { checkMessage, knownType, normalizeType, type RosVersion } from './ros-message-types.ts';

/** One object pose as perception publishes it: position, and quaternion in ROS order (x, y, z, w). */
export interface PerceivedPose {
  frame: string;
  pos: readonly [number, number, number];
  /** x, y, z, w (ROS order); default identity */
  quat?: readonly [number, number, number, number];
}

/** A fake controller: a command topic and the joints its message addresses. */
export interface FakeController {
  topic: string;
  type: 'std_msgs/Float64MultiArray' | 'trajectory_msgs/JointTrajectory' | 'sensor_msgs/JointState' | 'std_msgs/Float64';
  /** Float64MultiArray: the controller's joint order; Float64: the joints that each take data / n */
  joints: string[];
}

export interface RosbridgeTestServerOptions {
  /** every joint of the fake arm */
  joints: string[];
  /** order of `name` in published JointState (default: `joints` reversed, as no controller promises an order) */
  publishOrder?: string[];
  initial?: Record<string, number>;
  controllers: FakeController[];
  /** parameters served by rosapi's get_param, e.g. { robot_description: urdfText } */
  params?: Record<string, unknown>;
  jointStateTopic?: string;
  /** the fake arm's joint speed, rad/s (or m/s) */
  maxVelocity?: number;
  rosVersion?: RosVersion;
  /** perception topics the double serves, topic -> message type (PoseStamped topics, /tf) */
  topics?: Record<string, 'geometry_msgs/PoseStamped' | 'tf2_msgs/TFMessage' | 'sensor_msgs/CompressedImage'>;
}

/** One op the double received, parsed, with its arrival time (performance.now(), ms). */
export interface ReceivedOp {
  client: number;
  at: number;
  op: Record<string, unknown> & { op: string };
}

interface Client {
  id: number;
  ws: WebSocket;
  level: number;
  advertised: Map<string, string>;
  /** subscription id -> topic */
  subs: Map<string, string>;
}

const LEVELS: Record<string, number> = { none: 0, error: 1, warning: 2, info: 3 };

/**
 * TEST DOUBLE of a rosbridge v2 server (rosbridge_suite's JSON protocol: advertise, unadvertise,
 * publish, subscribe, unsubscribe, call_service with rosapi's get_param, set_level, status
 * messages). It owns a fake arm: it publishes JointState at 100 Hz (`startPublishing`) or on
 * `step(dt)`, moves joints towards the positions its fake controllers were commanded, and
 * records every op it receives.
 */
export class RosbridgeTestServer {
  readonly received: ReceivedOp[] = [];
  readonly positions = new Map<string, number>();
  readonly velocities = new Map<string, number>();
  readonly targets = new Map<string, number>();
  /** called for each valid publish from a client (benches timestamp it) */
  onPublish: ((topic: string, msg: unknown, at: number) => void) | null = null;
  accepting = true;
  jointStatesPaused = false;
  published = 0;
  #wss: WebSocketServer;
  #clients = new Set<Client>();
  #nextClient = 1;
  #o: Required<RosbridgeTestServerOptions>;
  #timer: NodeJS.Timeout | null = null;
  #t = 0;
  #seq = 0;

  private constructor(wss: WebSocketServer, o: Required<RosbridgeTestServerOptions>) {
    this.#wss = wss;
    this.#o = o;
    for (const j of o.joints) {
      this.positions.set(j, o.initial[j] ?? 0);
      this.targets.set(j, o.initial[j] ?? 0);
      this.velocities.set(j, 0);
    }
    wss.on('connection', (ws) => this.#accept(ws));
  }

  /** Listens on 127.0.0.1, an ephemeral port unless `port` is given (a restart reuses its port). */
  static async start(opts: RosbridgeTestServerOptions, port = 0): Promise<RosbridgeTestServer> {
    const o: Required<RosbridgeTestServerOptions> = {
      publishOrder: [...opts.joints].reverse(), initial: {}, params: {}, jointStateTopic: '/joint_states', maxVelocity: 1.5, rosVersion: 2, topics: {}, ...opts,
    };
    let server: RosbridgeTestServer | null = null;
    const wss = new WebSocketServer({ host: '127.0.0.1', port, verifyClient: () => server?.accepting ?? true });
    await new Promise<void>((res, rej) => { wss.once('listening', res); wss.once('error', rej); });
    server = new RosbridgeTestServer(wss, o);
    return server;
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.#wss.address() as AddressInfo).port}`;
  }
  get port(): number {
    return (this.#wss.address() as AddressInfo).port;
  }
  get clientCount(): number {
    return this.#clients.size;
  }

  /** Ops of one kind received so far (for example every publish on a topic). */
  ops(op: string, topic?: string): Array<Record<string, unknown>> {
    return this.received.filter((r) => r.op.op === op && (topic === undefined || r.op.topic === topic || r.op.service === topic)).map((r) => r.op);
  }

  /** Publishes JointState every 10 ms (100 Hz), integrating the arm by the elapsed time. */
  startPublishing(rateHz = 100): void {
    this.stopPublishing();
    let last = performance.now();
    this.#timer = setInterval(() => {
      const now = performance.now();
      this.step(Math.min(0.05, (now - last) / 1000));
      last = now;
    }, 1000 / rateHz);
  }

  stopPublishing(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Moves the arm dt seconds towards its targets, then publishes one JointState (unless paused). */
  step(dt: number): void {
    this.#t += dt;
    for (const j of this.#o.joints) {
      const q = this.positions.get(j)!;
      const maxStep = this.#o.maxVelocity * dt;
      const d = Math.max(-maxStep, Math.min(maxStep, this.targets.get(j)! - q));
      this.positions.set(j, q + d);
      this.velocities.set(j, dt > 0 ? d / dt : 0);
    }
    if (this.jointStatesPaused) return;
    const names = this.#o.publishOrder;
    this.publish(this.#o.jointStateTopic, {
      header: this.#header(''), name: names, position: names.map((n) => this.positions.get(n)!), velocity: names.map((n) => this.velocities.get(n)!), effort: [],
    });
    this.published++;
  }

  /** Publishes a geometry_msgs/PoseStamped, as a pose estimator does (checked against the message type). */
  publishPose(topic: string, p: PerceivedPose): void {
    this.#publishChecked(topic, 'geometry_msgs/PoseStamped', { header: this.#header(p.frame), pose: { position: xyz(p.pos), orientation: xyzw(p.quat) } });
  }

  /** Publishes a tf2_msgs/TFMessage with one transform per child frame, as an AprilTag detector or a mocap system does. */
  publishTf(transforms: Record<string, PerceivedPose>, topic = '/tf'): void {
    this.#publishChecked(topic, 'tf2_msgs/TFMessage', {
      transforms: Object.entries(transforms).map(([child, p]) => ({
        header: this.#header(p.frame), child_frame_id: child, transform: { translation: xyz(p.pos), rotation: xyzw(p.quat) },
      })),
    });
  }

  /** Publishes a sensor_msgs/CompressedImage (bytes base64, as rosbridge's JSON carries uint8[]), as a camera driver's compressed transport does. */
  publishImage(topic: string, img: { frame: string; data: Uint8Array; format?: string }): void {
    this.#publishChecked(topic, 'sensor_msgs/CompressedImage', { header: this.#header(img.frame), format: img.format ?? 'jpeg', data: Buffer.from(img.data).toString('base64') });
  }

  #publishChecked(topic: string, type: string, msg: unknown): void {
    const problem = checkMessage(type, msg, this.#o.rosVersion);
    if (problem) throw new Error(`RosbridgeTestServer: a malformed ${type}: ${problem}`);
    this.publish(topic, msg);
  }

  #header(frame: string) {
    const sec = Math.floor(this.#t);
    const frac = Math.round((this.#t - sec) * 1e9);
    const stamp = this.#o.rosVersion === 1 ? { secs: sec, nsecs: frac } : { sec, nanosec: frac };
    return this.#o.rosVersion === 1 ? { seq: this.#seq++, stamp, frame_id: frame } : { stamp, frame_id: frame };
  }

  /** Sends a message on a topic to every client subscribed to it. */
  publish(topic: string, msg: unknown): void {
    const text = JSON.stringify({ op: 'publish', topic, msg });
    for (const c of this.#clients) if ([...c.subs.values()].includes(topic)) c.ws.send(text);
  }

  /** Sends raw text to every client (malformed-input tests). */
  sendRaw(text: string): void {
    for (const c of this.#clients) c.ws.send(text);
  }

  /** Cuts every client connection at once, as a crashed rosbridge or a pulled cable would. */
  dropClients(): void {
    for (const c of this.#clients) c.ws.terminate();
  }

  async close(): Promise<void> {
    this.stopPublishing();
    this.dropClients();
    await new Promise<void>((res) => this.#wss.close(() => res()));
  }

  #accept(ws: WebSocket): void {
    const c: Client = { id: this.#nextClient++, ws, level: LEVELS.error, advertised: new Map(), subs: new Map() };
    this.#clients.add(c);
    ws.on('close', () => this.#clients.delete(c));
    ws.on('message', (data, isBinary) => this.#handle(c, isBinary ? '' : data.toString()));
  }

  #status(c: Client, level: 'error' | 'warning' | 'info', msg: string, id?: unknown): void {
    if (LEVELS[level] > c.level) return;
    c.ws.send(JSON.stringify({ op: 'status', level, msg, ...(typeof id === 'string' ? { id } : {}) }));
  }

  #typeOf(topic: string): string | null {
    if (topic === this.#o.jointStateTopic) return 'sensor_msgs/JointState';
    if (this.#o.topics[topic]) return this.#o.topics[topic];
    const ctl = this.#o.controllers.find((k) => k.topic === topic);
    if (ctl) return ctl.type;
    for (const c of this.#clients) if (c.advertised.has(topic)) return c.advertised.get(topic)!;
    return null;
  }

  #handle(c: Client, text: string): void {
    let op: ReceivedOp['op'];
    try {
      op = JSON.parse(text);
      if (typeof op !== 'object' || op === null || typeof op.op !== 'string') throw new Error('no op field');
    } catch (err) {
      this.#status(c, 'error', `Unable to deserialize message from client: ${(err as Error).message}`);
      return;
    }
    this.received.push({ client: c.id, at: performance.now(), op });
    const str = (k: string) => (typeof op[k] === 'string' ? (op[k] as string) : null);
    const topic = str('topic');
    switch (op.op) {
      case 'advertise': {
        const type = str('type');
        if (!topic || !type) return this.#status(c, 'error', 'advertise: Expected fields topic and type', op.id);
        const have = this.#typeOf(topic);
        if (have && normalizeType(have) !== normalizeType(type)) return this.#status(c, 'error', `advertise: Tried to register topic ${topic} with type ${type} but it is already established with type ${have}`, op.id);
        c.advertised.set(topic, type);
        return;
      }
      case 'unadvertise':
        if (!topic || !c.advertised.delete(topic)) this.#status(c, 'warning', `unadvertise: topic ${topic} is not advertised by this client`, op.id);
        return;
      case 'publish': {
        if (!topic) return this.#status(c, 'error', 'publish: Expected field topic', op.id);
        const type = c.advertised.get(topic) ?? null;
        if (!type) return this.#status(c, 'error', `publish: Cannot infer topic type for topic ${topic} as it is not yet advertised`, op.id);
        const problem = knownType(type, this.#o.rosVersion) ? checkMessage(type, op.msg ?? {}, this.#o.rosVersion) : null;
        if (problem) return this.#status(c, 'error', `publish: ${problem}`, op.id);
        this.#apply(topic, op.msg as Record<string, unknown>);
        this.onPublish?.(topic, op.msg, performance.now());
        return;
      }
      case 'subscribe': {
        const type = str('type');
        if (!topic) return this.#status(c, 'error', 'subscribe: Expected field topic', op.id);
        const have = this.#typeOf(topic);
        if (type && have && normalizeType(have) !== normalizeType(type)) return this.#status(c, 'error', `subscribe: topic ${topic} has type ${have}, not ${type}`, op.id);
        c.subs.set(str('id') ?? `anon:${topic}`, topic);
        return;
      }
      case 'unsubscribe': {
        const id = str('id');
        if (id && c.subs.has(id)) c.subs.delete(id);
        else if (!id && topic) for (const [k, t] of c.subs) { if (t === topic) c.subs.delete(k); }
        else this.#status(c, 'warning', `unsubscribe: no subscription ${id ?? ''} to ${topic}`, op.id);
        return;
      }
      case 'call_service':
        return this.#callService(c, op);
      case 'set_level': {
        const level = str('level');
        if (level && level in LEVELS) c.level = LEVELS[level];
        else this.#status(c, 'error', `set_level: unknown level ${level}`, op.id);
        return;
      }
      default:
        this.#status(c, 'error', `Unknown operation: ${op.op}`, op.id);
    }
  }

  #callService(c: Client, op: ReceivedOp['op']): void {
    const service = typeof op.service === 'string' ? op.service : '';
    const reply = (result: boolean, values: unknown) => c.ws.send(JSON.stringify({ op: 'service_response', service, ...(op.id !== undefined ? { id: op.id } : {}), values, result }));
    if (service.replace(/^\//, '') !== 'rosapi/get_param') {
      this.#status(c, 'error', `call_service: Service ${service} does not exist`, op.id);
      return reply(false, `Service ${service} does not exist`);
    }
    // rosapi/GetParam: ROS 1 {name, default}; ROS 2 {name: 'node:param', default_value}; values JSON-encoded
    const fields = this.#o.rosVersion === 1 ? ['name', 'default'] : ['name', 'default_value'];
    const args = (op.args ?? {}) as Record<string, unknown>;
    const extra = Object.keys(args).find((k) => !fields.includes(k));
    if (extra) {
      this.#status(c, 'error', `call_service: GetParam request does not have a field ${extra}`, op.id);
      return reply(false, `GetParam request does not have a field ${extra}`);
    }
    if (args.name !== undefined && typeof args.name !== 'string') return reply(false, 'call_service: name must be a string');
    const dflt = String(args[fields[1]] ?? '');
    const parse = (d: string) => { try { return JSON.parse(d); } catch { return d; } };
    let name = String(args.name ?? '');
    if (this.#o.rosVersion === 2) {
      const parts = name.split(':');
      if (parts.length !== 2) return reply(true, { value: '' }); // rosapi logs "Malformed parameter name" and answers empty
      name = parts[1];
    }
    name = name.replace(/^\//, '');
    const found = Object.prototype.hasOwnProperty.call(this.#o.params, name);
    reply(true, { value: JSON.stringify(found ? this.#o.params[name] : dflt === '' ? (this.#o.rosVersion === 1 ? null : '') : parse(dflt)) });
  }

  /** What a ros2_control controller does with a command: new position targets for its joints. */
  #apply(topic: string, msg: Record<string, unknown>): void {
    const ctl = this.#o.controllers.find((k) => k.topic === topic);
    if (!ctl || !msg) return;
    const set = (names: readonly unknown[], values: readonly unknown[]) => names.forEach((n, i) => {
      if (typeof n === 'string' && this.targets.has(n) && typeof values[i] === 'number') this.targets.set(n, values[i] as number);
    });
    if (ctl.type === 'std_msgs/Float64MultiArray') set(ctl.joints, (msg.data as number[]) ?? []);
    else if (ctl.type === 'std_msgs/Float64') set(ctl.joints, ctl.joints.map(() => (msg.data as number) / ctl.joints.length));
    else if (ctl.type === 'sensor_msgs/JointState') set((msg.name as string[]) ?? [], (msg.position as number[]) ?? []);
    else {
      const points = (msg.points as Array<{ positions: number[] }>) ?? [];
      if (points.length) set((msg.joint_names as string[]) ?? [], points[points.length - 1].positions ?? []);
    }
  }
}

const xyz = (v: readonly number[]) => ({ x: v[0], y: v[1], z: v[2] });
const xyzw = (q: readonly number[] = [0, 0, 0, 1]) => ({ x: q[0], y: q[1], z: q[2], w: q[3] });
