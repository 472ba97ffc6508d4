import type { Observation } from '../../core/observation.ts';
import type { GeomsDescription } from '../../sim/model-description.ts';
import type { MujocoKinematics } from '../../sim/kinematics.ts';
import { wallClock, type Clock } from '../control/clock.ts';
import { TakeoverError } from '../errors.ts';
import type { Scheduler } from './ros/backoff.ts';
import { CommandEncoder, encodeGripper } from './ros/command-encoder.ts';
import { JointStateDecoder } from './ros/joint-state-decoder.ts';
import { ObjectPoseSources } from './ros/object-pose-sources.ts';
import { resolveObjectSources } from './ros/object-source-config.ts';
import { resolveRosConfig, type ResolvedRosConfig } from './ros/ros-config.ts';
import type { RosHealth } from './ros/ros-health.ts';
import { RosHealthWatch } from './ros/ros-health-watch.ts';
import { consoleRosLogger, type RosLogger } from './ros/ros-logger.ts';
import { RosbridgeClient, type RosPublisher } from './ros/rosbridge-client.ts';
import type { TransportFactory } from './ros/roslib-module.ts';
import { ArmBodyPoses, describeUrdfArm } from './ros/urdf-arm-description.ts';
import { loadUrdfArm, type UrdfArmModel } from './ros/urdf-arm-model.ts';
import { loadRobotDescription, withTimeout } from './ros/robot-description-source.ts';
import { UrdfError } from './ros/urdf-robot.ts';
import type { DescribedBridge, MonitoredBridge } from './bridge-extras.ts';
import type { ObservationSupply } from './observation-supply.ts';
import type { JointCommand, RobotCapabilities, RobotFeatures } from './robot-bridge.ts';

/** What a RosBridge takes from its surroundings; everything has a live default. */
export interface RosBridgeDeps {
  /** the control loop's clock: staleness is measured on it, up to when the input was last read */
  clock?: Clock;
  log?: RosLogger;
  transportFactory?: TransportFactory;
  scheduler?: Scheduler;
  readTextFile?: (path: string) => Promise<string>;
}

/**
 * A ROS arm behind rosbridge (ROS 1 or ROS 2) as a RobotBridge. Joint states arrive on a topic and
 * are reordered by name; joint targets leave as the configured controller's message. The URDF
 * (from a file or the robot_description parameter) loads into MuJoCo for FK, IK, the safety
 * filter and the console. Object poses come from perception topics (ros.objects), expressed in
 * the base frame. No joint state for `staleAfter` (up to the time the input was last read: a
 * stall of the server is not a stale arm) -> hold and refuse commands; a stale object pose holds
 * the policy (`health().policyInputs`); a lost link reconnects with backoff and then holds until
 * an operator calls `resume()`. No `restoreState`: rewinds drive back along the recorded joint path.
 */
export class RosBridge implements DescribedBridge, MonitoredBridge {
  readonly id: string;
  readonly kind = 'ros';
  readonly features: RobotFeatures;
  readonly capabilities: RobotCapabilities;
  readonly config: ResolvedRosConfig;
  readonly arm: UrdfArmModel;
  readonly client: RosbridgeClient;
  readonly urdf: string;
  /** the frame observations are expressed in: ros.baseFrame, or the URDF's root link */
  readonly baseFrame: string;
  readonly objectSources: ObjectPoseSources;
  /** arm joint states accepted, and messages on the joint-state topic rejected (logged, never fatal) */
  statesReceived = 0;
  rejectedStates = 0;
  /** joint commands published, and refused because the arm was not ready */
  published = 0;
  refused = 0;
  /** why the last refused command was refused */
  lastRefusal: TakeoverError | null = null;
  #clock: Clock;
  #log: RosLogger;
  #decoder: JointStateDecoder;
  #encoder: CommandEncoder;
  #cmdPub: (RosPublisher & { unadvertise(): void }) | null = null;
  #gripPub: (RosPublisher & { unadvertise(): void }) | null = null;
  #unsubscribe: (() => void) | null = null;
  #wanted = false;
  #watch: RosHealthWatch;
  #awaitingResume = false;
  #firstState: (() => void) | null = null;
  #dirty = true;
  #holding = false;
  /** the hold target was measured while the state was fresh (a stale measurement is re-taken) */
  #holdLatched = false;
  #holdQ: Float64Array;
  #gripperCmd = -1;
  #lastGripperSent = NaN;
  #applied: JointCommand;
  #obs: Observation;
  #t0: number;
  #poses: ArmBodyPoses;

  private constructor(id: string, config: ResolvedRosConfig, arm: UrdfArmModel, urdf: string, client: RosbridgeClient, deps: RosBridgeDeps) {
    this.id = id;
    this.config = config;
    this.arm = arm;
    this.urdf = urdf;
    this.client = client;
    this.#clock = deps.clock ?? wallClock;
    this.#log = deps.log ?? consoleRosLogger;
    const n = config.jointNames.length;
    const g = config.gripper;
    const gripperMax = g?.joints
      ? g.joints.reduce((s, j) => s + Math.max(0, arm.robot.joints.find((x) => x.name === j)?.upper ?? 0), 0)
      : Math.abs((g?.openPosition ?? 0) - (g?.closedPosition ?? 0));
    this.features = {
      jointNames: [...config.jointNames], lower: arm.lower, upper: arm.upper, velocityLimit: arm.velocityLimit,
      eeName: config.eeLink, gripperRange: [0, gripperMax],
    };
    this.capabilities = { restoreState: false, gripper: Boolean(g), simulated: false };
    this.#decoder = new JointStateDecoder(config.jointNames, g?.joints ?? []);
    this.#encoder = new CommandEncoder(config.command, config.jointNames, config.rosVersion);
    this.#holdQ = new Float64Array(n);
    this.#applied = { q: this.#holdQ, gripper: -1 };
    this.#obs = { t: 0, q: this.#decoder.q, qd: this.#decoder.qd, eePos: new Float64Array(3), eeQuat: new Float64Array([1, 0, 0, 0]), gripper: gripperMax, objects: [] };
    this.#t0 = this.#clock.now();
    this.baseFrame = config.baseFrame ?? arm.robot.links.find((l) => !arm.robot.joints.some((j) => j.child === l)) ?? arm.robot.links[0];
    this.objectSources = new ObjectPoseSources(id, resolveObjectSources(id, this.baseFrame, config.objects ?? []), this.#clock, this.#log);
    this.#obs.objects = this.objectSources.objects;
    this.#watch = new RosHealthWatch(this.#clock, config.staleAfter, config.jointStateTopic, this.objectSources);
    this.#watch.onChange((h) => this.#healthChanged(h)); // before onHealth listeners: the hold starts first
    this.#poses = new ArmBodyPoses(arm.mujoco, arm.model, config.jointNames);
    client.onState(() => this.#onLink());
    for (const w of arm.warnings) this.#log.warn(`robot '${id}': ${w}`);
  }

  /** Validates the config, loads the URDF (file, or the parameter through rosapi) and builds the arm model. */
  static async create(id: string, rawConfig: unknown, deps: RosBridgeDeps = {}): Promise<RosBridge> {
    const config = resolveRosConfig(id, rawConfig);
    const client = new RosbridgeClient({
      url: config.url, transportFactory: deps.transportFactory, log: deps.log, backoff: config.reconnect, scheduler: deps.scheduler,
    });
    try {
      const urdf = await loadRobotDescription(id, config, client, deps.readTextFile);
      const arm = await loadUrdfArm({
        urdf, jointNames: config.jointNames, eeLink: config.eeLink, eeOffset: config.eeOffset, limits: config.jointLimits,
      });
      return new RosBridge(id, config, arm, urdf, client, deps);
    } catch (err) {
      client.close();
      if (err instanceof UrdfError) throw new TakeoverError('TKO_ERR_CONFIG', `robot '${id}': ${err.message}`);
      throw err;
    }
  }

  get kinematics(): MujocoKinematics {
    return this.arm.kinematics;
  }

  get isConnected(): boolean {
    return this.#wanted && this.client.isOpen;
  }

  /** Subscribes to joint states, advertises the command topics and waits for the first joint state. */
  async connect(): Promise<void> {
    if (this.#wanted) throw new TakeoverError('TKO_ERR_ALREADY_CONNECTED', `RosBridge#connect: '${this.id}' is already connected`);
    this.#wanted = true;
    const c = this.config;
    const first = new Promise<void>((res) => (this.#firstState = res));
    this.#unsubscribe = this.client.subscribe(c.jointStateTopic, 'sensor_msgs/JointState', (m) => this.#onJointState(m));
    this.#cmdPub = this.client.publisher(c.command.topic, this.#encoder.messageType);
    if (c.gripper) this.#gripPub = this.client.publisher(c.gripper.topic, c.gripper.messageType);
    this.objectSources.subscribe(this.client);
    try {
      await withTimeout(Promise.all([this.client.open(), first]), c.connectTimeout,
        `RosBridge#connect: '${this.id}': no sensor_msgs/JointState with ${c.jointNames.join(', ')} on ${c.jointStateTopic} within ${c.connectTimeout} s`);
    } catch (err) {
      await this.disconnect();
      throw err;
    }
    this.#awaitingResume = false;
    this.#evaluate();
  }

  /** Closes the link for good; idempotent. */
  async disconnect(): Promise<void> {
    this.#wanted = false;
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.objectSources.unsubscribe();
    this.#cmdPub?.unadvertise();
    this.#gripPub?.unadvertise();
    this.#cmdPub = this.#gripPub = null;
    this.client.close();
    this.#evaluate();
    this.#watch.stop();
  }

  /** Readiness now: link, staleness on the loop clock up to the last read of the input, reconnect latch. */
  health(): RosHealth {
    return this.#evaluate();
  }

  /** Called when readiness or its reason changes (the alert to operators). */
  onHealth(fn: (h: RosHealth) => void): void {
    this.#watch.onChange(fn);
  }

  /**
   * An operator's resume after a reconnection: refused (with the reason) unless the link is open,
   * the state fresh and the object poses a policy reads fresh.
   */
  resume(): TakeoverError | null {
    if (!this.#wanted || !this.client.isOpen) return new TakeoverError('TKO_ERR_NOT_CONNECTED', `RosBridge#resume: '${this.id}': ${this.#evaluate().reason}`);
    this.#awaitingResume = false;
    const h = this.#evaluate();
    if (!h.ready) return new TakeoverError('TKO_ERR_NOT_CONNECTED', `RosBridge#resume: '${this.id}': ${h.reason}`);
    return h.policyInputs.ready ? null : new TakeoverError('TKO_ERR_NOT_CONNECTED', `RosBridge#resume: '${this.id}': ${h.policyInputs.reason}`);
  }

  /** What this arm's observations hold: joints and object names (one per configured source), all in its base frame. */
  observationSupply(): ObservationSupply {
    return { jointCount: this.config.jointNames.length, objects: this.objectSources.names, frame: 'base' };
  }

  /** The newest joint state (never waits); EE pose by FK of the measured joints. */
  observe(): Observation {
    this.#evaluate();
    if (this.#dirty) {
      this.arm.kinematics.fk(this.#decoder.q, this.#obs.eePos as Float64Array, this.#obs.eeQuat as Float64Array);
      this.#dirty = false;
    }
    this.#obs.t = this.#clock.now() - this.#t0;
    const g = this.#decoder.gripper;
    this.#obs.gripper = Number.isFinite(g) ? g : ((1 - this.#gripperCmd) / 2) * this.features.gripperRange[1];
    return this.#obs;
  }

  /**
   * Publishes joint targets (clamped to the joint limits) and the gripper. When the arm is not
   * ready the command is refused: nothing is published, `lastRefusal` says why, and the hold
   * target is returned as what was applied.
   */
  command(cmd: JointCommand): JointCommand {
    const h = this.#evaluate();
    if (!h.ready || !this.#cmdPub) return this.#refuse(h.reason || 'not connected');
    const q = this.#holdQ;
    const { lower, upper } = this.features;
    for (let i = 0; i < q.length; i++) {
      const v = cmd.q[i];
      q[i] = Number.isFinite(v) ? Math.min(upper[i], Math.max(lower[i], v)) : this.#decoder.q[i];
    }
    if (Number.isFinite(cmd.gripper)) this.#gripperCmd = Math.max(-1, Math.min(1, cmd.gripper));
    this.#holding = false;
    this.#send();
    return this.#applied;
  }

  /**
   * Holds: commands the joints measured when the hold began, latched so that a sagging arm does
   * not creep, at the loop rate. Stale or offline: publishes nothing (the controllers keep their
   * last setpoint) and latches afresh once the state is fresh again, so the arm stops where it
   * really is. The same after a stale recovery and after a reconnection awaiting an operator's
   * resume: link open and state fresh is enough to hold actively.
   */
  hold(): void {
    const h = this.#evaluate();
    this.#startHold();
    if (h.link !== 'open' || h.stale || !this.#cmdPub) return;
    if (!this.#holdLatched) {
      this.#holdQ.set(this.#decoder.q);
      this.#holdLatched = true;
    }
    this.#send();
  }

  #startHold(): void {
    if (this.#holding) return;
    this.#holding = true;
    this.#holdLatched = false;
    this.#holdQ.set(this.#decoder.q);
  }

  /** E-stop: hold (the robot's own e-stop chain stays the real safety device). */
  estop(): void {
    this.hold();
  }

  /**
   * A conservative default safety box when the config sets none: within the arm's reach around
   * the base, never below 2 cm over the base plane; 2 cm EE step per tick. Set your cell's box.
   */
  defaultLimits(): { workspaceMin: [number, number, number]; workspaceMax: [number, number, number]; maxEeStep: number } {
    const r = this.arm.reach;
    return { workspaceMin: [-r, -r, 0.02], workspaceMax: [r, r, r], maxEeStep: 0.02 };
  }

  modelDescription(): GeomsDescription {
    return describeUrdfArm(this.arm.mujoco, this.arm.model, this.arm.eeSite);
  }

  bodyPoses(out: number[]): number[] {
    return this.#poses.compute(this.#decoder.q, out);
  }

  #send(): void {
    if (this.#cmdPub!.publish(this.#encoder.encode(this.#holdQ))) this.published++;
    this.#applied.gripper = this.#gripperCmd;
    const g = this.config.gripper;
    if (g && this.#gripPub && this.#gripperCmd !== this.#lastGripperSent) {
      if (this.#gripPub.publish(encodeGripper(this.#gripperCmd, g))) this.#lastGripperSent = this.#gripperCmd;
    }
  }

  #refuse(reason: string): JointCommand {
    this.refused++;
    this.lastRefusal = new TakeoverError('TKO_ERR_NOT_CONNECTED', `RosBridge#command: '${this.id}' refused the command: ${reason}`);
    this.#startHold();
    return this.#applied;
  }

  #onJointState(msg: unknown): void {
    const r = this.#decoder.decode(msg);
    if (r.startsWith('rejected')) {
      this.rejectedStates++;
      if (this.rejectedStates <= 10 || this.rejectedStates % 1000 === 0) {
        this.#log.warn(`robot '${this.id}': ${this.config.jointStateTopic} message ${r} (${this.rejectedStates} so far)`);
      }
      return;
    }
    if (r !== 'arm') return;
    this.statesReceived++;
    this.#watch.stateRead();
    this.#dirty = true;
    this.#firstState?.();
    this.#firstState = null;
  }

  #onLink(): void {
    const s = this.client.state;
    if (this.#wanted && s === 'reconnecting') this.#awaitingResume = true;
    this.#evaluate();
  }

  #evaluate(): RosHealth {
    return this.#watch.judge(this.#wanted ? this.client.state : 'closed', this.#awaitingResume);
  }

  #healthChanged(h: RosHealth): void {
    if (!h.ready) {
      this.#startHold();
      this.#holdLatched = false;
      if (this.#wanted) this.#log.warn(`robot '${this.id}': holding: ${h.reason}`);
    } else if (!h.policyInputs.ready) this.#log.warn(`robot '${this.id}': policy holds: ${h.policyInputs.reason}`);
    else this.#log.info(`robot '${this.id}': ready`);
  }
}
