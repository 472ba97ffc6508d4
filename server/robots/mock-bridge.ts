import type { Observation } from '../../core/observation.ts';
import { SeededRandom } from '../../core/seeded-random.ts';
import { TakeoverError } from '../errors.ts';
import type { ModelDescription } from '../../protocol/model-description.ts';
import type { DescribedBridge, EpisodicBridge, SteppedBridge } from './bridge-extras.ts';
import { MockArmKinematics, MOCK_HOME, MOCK_JOINT_NAMES, MOCK_LOWER, MOCK_UPPER, MOCK_VELOCITY, quatFromEuler } from './mock-arm-kinematics.ts';
import type { JointCommand, RobotCapabilities, RobotFeatures } from './robot-bridge.ts';

const SUBSTEP = 0.002;
const GOAL_TOLERANCE = 0.02;

/** Deterministic uniform [0, 1) stream from a seed. */
function rng(seed: number): () => number {
  const r = new SeededRandom(seed);
  return () => r.next();
}

/**
 * TEST DOUBLE: a first-order joint-space arm (each joint moves towards its target with time
 * constant `tau`, capped at its velocity limit) on the mock gantry kinematics, with a `reach`
 * task (EE within 2 cm of a seeded goal). Registered as kind "mock" like a real device, so tests
 * and benches exercise the whole server without MuJoCo.
 */
export class MockBridge implements SteppedBridge, EpisodicBridge, DescribedBridge {
  readonly id: string;
  readonly kind = 'mock';
  readonly kinematics = new MockArmKinematics();
  readonly features: RobotFeatures = {
    jointNames: [...MOCK_JOINT_NAMES],
    lower: MOCK_LOWER,
    upper: MOCK_UPPER,
    velocityLimit: MOCK_VELOCITY,
    eeName: 'tool',
    gripperRange: [0, 0.08],
  };
  readonly capabilities: RobotCapabilities = { restoreState: false, gripper: true, simulated: true };
  readonly tau: number;
  /** every command handed to the bridge, counted (tests and benches read it) */
  commands = 0;
  holds = 0;
  /** optional hook called with each applied command (benches timestamp it) */
  onCommand: ((cmd: JointCommand) => void) | null = null;
  #connected = false;
  #t = NaN;
  #q = Float64Array.from(MOCK_HOME);
  #qd = new Float64Array(6);
  #target = Float64Array.from(MOCK_HOME);
  #gripperCmd = -1;
  #gripper = 0.08;
  #goal = new Float64Array([0.55, 0.1, 0.2]);
  #obs: Observation = { t: 0, q: new Float64Array(6), qd: new Float64Array(6), eePos: new Float64Array(3), eeQuat: new Float64Array(4), gripper: 0.08, objects: [] };
  #t0 = 0;

  constructor({ id, tau = 0.01 }: { id: string; tau?: number }) {
    this.id = id;
    this.tau = tau;
    this.#refresh();
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  async connect(): Promise<void> {
    if (this.#connected) throw new TakeoverError('TKO_ERR_ALREADY_CONNECTED', `MockBridge#connect: '${this.id}' is already connected`);
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
  }

  #guard(method: string): void {
    if (!this.#connected) throw new TakeoverError('TKO_ERR_NOT_CONNECTED', `MockBridge#${method}: '${this.id}' is not connected`);
  }

  /** Integrates to loop time t; its integration is cheap, so it leaves nothing to work between ticks (`maxSteps`: takes none). */
  stepTo(t: number, maxSteps = Infinity): number {
    if (maxSteps !== Infinity) return 0;
    this.#guard('stepTo');
    if (!Number.isFinite(this.#t)) this.#t = t;
    let dt = Math.min(1, t - this.#t);
    while (dt > 1e-12) {
      const h = Math.min(SUBSTEP, dt);
      for (let i = 0; i < 6; i++) {
        const v = Math.max(-MOCK_VELOCITY[i], Math.min(MOCK_VELOCITY[i], (this.#target[i] - this.#q[i]) / this.tau));
        this.#qd[i] = v;
        this.#q[i] += v * h;
      }
      const want = ((1 - this.#gripperCmd) / 2) * 0.08;
      this.#gripper += Math.max(-0.1 * h, Math.min(0.1 * h, want - this.#gripper));
      dt -= h;
    }
    this.#t = t;
    this.#refresh();
    return 0;
  }

  #refresh(): void {
    const o = this.#obs;
    o.t = Number.isFinite(this.#t) ? this.#t - this.#t0 : 0;
    o.q.set(this.#q);
    o.qd.set(this.#qd);
    this.kinematics.fk(this.#q, o.eePos as Float64Array, o.eeQuat as Float64Array);
    o.gripper = this.#gripper;
    o.objects = [{ name: 'goal', pos: Array.from(this.#goal), quat: [1, 0, 0, 0] }];
  }

  observe(): Observation {
    this.#guard('observe');
    return this.#obs;
  }

  command(cmd: JointCommand): JointCommand {
    this.#guard('command');
    for (let i = 0; i < 6; i++) this.#target[i] = Math.max(MOCK_LOWER[i], Math.min(MOCK_UPPER[i], cmd.q[i]));
    this.#gripperCmd = Number.isFinite(cmd.gripper) ? Math.max(-1, Math.min(1, cmd.gripper)) : this.#gripperCmd;
    this.commands++;
    this.onCommand?.(cmd);
    return { q: this.#target, gripper: this.#gripperCmd };
  }

  hold(): void {
    this.#target.set(this.#q);
    this.holds++;
  }

  /** last joint targets handed to the arm (tests check them against the limits) */
  get target(): Float64Array {
    return this.#target;
  }

  resetEpisode(seed: number): void {
    const r = rng(seed);
    this.#q.set(MOCK_HOME);
    this.#target.set(MOCK_HOME);
    this.#qd.fill(0);
    this.#gripperCmd = -1;
    this.#gripper = 0.08;
    this.#goal[0] = 0.35 + 0.3 * r();
    this.#goal[1] = -0.2 + 0.4 * r();
    this.#goal[2] = 0.15 + 0.2 * r();
    this.#t0 = Number.isFinite(this.#t) ? this.#t : 0;
    this.#refresh();
  }

  taskSuccess(): boolean {
    const p = this.#obs.eePos;
    return Math.hypot(p[0] - this.#goal[0], p[1] - this.#goal[1], p[2] - this.#goal[2]) < GOAL_TOLERANCE;
  }

  modelDescription(): ModelDescription {
    const geom = (type: 'box' | 'sphere' | 'cylinder', size: number[], pos: number[], rgba: number[]) => ({ type, size, pos, quat: [1, 0, 0, 0], rgba });
    return {
      format: 'geoms',
      bodies: [
        { name: 'world', geoms: [geom('box', [0.6, 0.6, 0.01], [0.5, 0, -0.01], [0.6, 0.6, 0.6, 1])] },
        { name: 'carriage', geoms: [geom('box', [0.03, 0.03, 0.03], [0, 0, 0], [0.2, 0.4, 0.8, 1])] },
        { name: 'wrist', geoms: [geom('cylinder', [0.01, 0.05, 0], [0, 0, -0.05], [0.9, 0.5, 0.1, 1])] },
        { name: 'goal', geoms: [geom('sphere', [0.02, 0, 0], [0, 0, 0], [0.1, 0.8, 0.1, 0.5])] },
      ],
    };
  }

  #quat = new Float64Array(4);
  bodyPoses(out: number[]): number[] {
    out.length = 28;
    const put = (b: number, p: ArrayLike<number>, q: ArrayLike<number>) => {
      for (let i = 0; i < 3; i++) out[7 * b + i] = p[i];
      for (let i = 0; i < 4; i++) out[7 * b + 3 + i] = q[i];
    };
    put(0, [0, 0, 0], [1, 0, 0, 0]);
    put(1, this.#q, [1, 0, 0, 0]);
    put(2, this.#q, quatFromEuler(this.#q[3], this.#q[4], this.#q[5], this.#quat));
    put(3, this.#goal, [1, 0, 0, 0]);
    return out;
  }
}
