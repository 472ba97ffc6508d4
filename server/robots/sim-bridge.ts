import type { Observation } from '../../core/observation.ts';
import { ArmSim, type SimSnapshot } from '../../sim/arm-sim.ts';
import type { ArmKinematics } from '../../sim/kinematics.ts';
import type { GeomsDescription } from '../../sim/model-description.ts';
import type { TaskName } from '../../sim/tasks/task.ts';
import type { JointCommand, RobotBridge, RobotCapabilities, RobotFeatures } from './robot-bridge.ts';

export interface SimBridgeOptions {
  id: string;
  task?: TaskName;
  seed?: number;
}

// Physics may fall behind the loop clock after a stall (GC, debugger); never replay more than this.
const MAX_CATCH_UP_S = 0.25;

/**
 * A MuJoCo-simulated Panda as a RobotBridge. The control loop drives its clock with `stepTo`
 * (wall clock live, simulated time in evaluation); `snapshot`/`restore` give exact rewinds.
 */
export class SimBridge implements RobotBridge {
  readonly id: string;
  readonly kind = 'sim';
  readonly features: RobotFeatures;
  readonly capabilities: RobotCapabilities = { restoreState: true, gripper: true, simulated: true };
  readonly sim: ArmSim;
  #connected = false;
  #base: number | null = null;
  #gripperCmd = -1;
  readonly #hold = new Float64Array(7);

  private constructor(id: string, sim: ArmSim) {
    this.id = id;
    this.sim = sim;
    this.features = { ...sim.features };
  }

  /** Builds the simulator for a task and seed. */
  static async create({ id, task = 'place', seed = 0 }: SimBridgeOptions): Promise<SimBridge> {
    return new SimBridge(id, await ArmSim.create({ task, seed }));
  }

  get isConnected(): boolean {
    return this.#connected;
  }

  get kinematics(): ArmKinematics {
    return this.sim.kinematics;
  }

  async connect(): Promise<void> {
    this.#connected = true;
  }

  async disconnect(): Promise<void> {
    this.#connected = false;
  }

  /** Disconnects and frees the simulator (sim/arm-sim.ts `dispose`): for code that builds many and drops them. */
  dispose(): void {
    this.#connected = false;
    this.sim.dispose();
  }

  observe(): Observation {
    return this.sim.observe();
  }

  /** Applies joint targets (clamped to the joint limits) and the gripper; returns what was applied. */
  command(cmd: JointCommand): JointCommand {
    this.#gripperCmd = Number.isFinite(cmd.gripper) ? Math.max(-1, Math.min(1, cmd.gripper)) : this.#gripperCmd;
    this.sim.setCommand(cmd.q, this.#gripperCmd);
    return { q: this.sim.commandedJoints(), gripper: this.#gripperCmd };
  }

  /** Holds the measured joint positions and the current gripper command. */
  hold(): void {
    this.sim.jointPositions(this.#hold);
    this.sim.setCommand(this.#hold, this.#gripperCmd);
  }

  /**
   * Advances physics to loop time t (seconds on the loop's clock), by at most `maxSteps` steps;
   * returns the steps taken. A bounded call (between ticks) never anchors the clock after a reset
   * or a restore: the next tick does, so it observes the restored state exactly.
   */
  stepTo(t: number, maxSteps = Infinity): number {
    if (this.#base === null) {
      if (maxSteps !== Infinity) return 0;
      this.#base = t - this.sim.time;
    }
    let behind = t - this.#base - this.sim.time;
    if (behind > MAX_CATCH_UP_S) {
      this.#base += behind - MAX_CATCH_UP_S;
      behind = MAX_CATCH_UP_S;
    }
    const n = Math.min(maxSteps, Math.floor(behind / this.sim.physicsDt + 1e-9));
    if (n > 0) this.sim.step(n);
    return Math.max(0, n);
  }

  /** New episode: scene from the seed, arm at the ready pose. */
  resetEpisode(seed: number): void {
    this.sim.reset(seed);
    this.#gripperCmd = -1;
    this.#base = null;
  }

  taskSuccess(): boolean {
    return this.sim.success();
  }

  /** Episode length limit of the task, s. */
  get maxEpisodeSeconds(): number {
    return this.sim.task.maxSeconds;
  }

  snapshot(reuse?: SimSnapshot | null): SimSnapshot {
    return this.sim.snapshot(reuse);
  }

  /** Restores an exact earlier state; the loop clock keeps running, so re-base it. */
  restore(s: SimSnapshot): void {
    this.sim.restore(s);
    this.#base = null;
    // finger target = (1 - g) / 2 * travel, so g = 1 - 2 * target / travel
    this.#gripperCmd = 1 - (2 * (this.sim.data.ctrl as Float64Array)[7]) / (this.features.gripperRange[1] / 2);
  }

  /** The whole MuJoCo state now (time since the reset first), recorded with each step. */
  physicsState(): number[] {
    return this.sim.physicsState();
  }

  modelDescription(): GeomsDescription {
    return this.sim.modelDescription();
  }

  bodyPoses(out: number[]): number[] {
    return this.sim.bodyPoses(out);
  }
}
