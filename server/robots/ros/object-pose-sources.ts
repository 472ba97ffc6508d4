import type { ObjectPose } from '../../../core/observation.ts';
import type { Clock } from '../../control/clock.ts';
import { decodePoseStamped, decodeTfMessage, type BasePose } from './object-pose-decoder.ts';
import type { ResolvedObjectSource } from './object-source-config.ts';
import type { RosbridgeClient } from './rosbridge-client.ts';
import type { RosLogger } from './ros-logger.ts';

/** Whether every configured object pose is fresh; if not, the first that is not and why. */
export interface ObjectPoseHealth {
  ready: boolean;
  /** '' when ready */
  reason: string;
  /** stable while the cause is the same (a growing age is not a new cause); '' when ready */
  cause: string;
}

/**
 * The object poses of a ROS arm's observation: one subscription per topic (PoseStamped, or
 * TFMessage frames mapped to objects), each pose expressed in the robot's base frame and stamped
 * on the loop clock when read. Staleness is judged per object against its own limit, up to the
 * time the input was last read (a stall of the server is not silent perception).
 */
export class ObjectPoseSources {
  readonly sources: readonly ResolvedObjectSource[];
  /** the objects that have a pose so far, in configuration order (the observation's `objects`) */
  readonly objects: ObjectPose[] = [];
  posesReceived = 0;
  rejectedPoses = 0;
  #clock: Clock;
  #log: RosLogger;
  #robotId: string;
  #lastAt: number[];
  #pose: Array<ObjectPose | null>;
  #unsubscribe: Array<() => void> = [];

  constructor(robotId: string, sources: readonly ResolvedObjectSource[], clock: Clock, log: RosLogger) {
    this.#robotId = robotId;
    this.sources = sources;
    this.#clock = clock;
    this.#log = log;
    this.#lastAt = sources.map(() => -Infinity);
    this.#pose = sources.map(() => null);
  }

  /** The object names these sources supply. */
  get names(): string[] {
    return this.sources.map((s) => s.name);
  }

  /** Subscribes to every source topic (once per topic; roslib re-subscribes after a reconnection). */
  subscribe(client: RosbridgeClient): void {
    const byTopic = new Map<string, ResolvedObjectSource[]>();
    for (const s of this.sources) byTopic.set(s.topic, [...(byTopic.get(s.topic) ?? []), s]);
    for (const [topic, list] of byTopic) {
      if (list[0].type === 'pose') {
        const src = list[0];
        this.#unsubscribe.push(client.subscribe(topic, src.messageType, (m) => this.#onPose(src, m)));
      } else {
        const byChild = new Map(list.map((s) => [s.childFrame!, s]));
        // /tf carries every frame of the cell in bursts: a queue keeps a burst's object frames
        this.#unsubscribe.push(client.subscribe(topic, 'tf2_msgs/TFMessage', (m) => this.#onTf(topic, byChild, m), 100));
      }
    }
  }

  unsubscribe(): void {
    for (const u of this.#unsubscribe) u();
    this.#unsubscribe = [];
  }

  /** Judges freshness up to `judgedAt` (loop clock: the time up to which input was read). */
  judge(judgedAt: number): ObjectPoseHealth {
    for (let i = 0; i < this.sources.length; i++) {
      const s = this.sources[i];
      const what = s.type === 'tf' ? `frame '${s.childFrame}' on ${s.topic}` : `PoseStamped on ${s.topic}`;
      if (!Number.isFinite(this.#lastAt[i])) return { ready: false, reason: `object pose '${s.name}' missing: no ${what} yet`, cause: `missing:${s.name}` };
      const age = Math.max(0, judgedAt - this.#lastAt[i]);
      if (age > s.staleAfter) {
        return { ready: false, reason: `object pose '${s.name}' stale: no ${what} for ${age.toFixed(3)} s (limit ${s.staleAfter} s)`, cause: `stale:${s.name}` };
      }
    }
    return { ready: true, reason: '', cause: '' };
  }

  #onPose(src: ResolvedObjectSource, msg: unknown): void {
    const r = decodePoseStamped(src, msg);
    if (typeof r === 'string') this.#reject(`${src.topic} message ${r}`);
    else this.#accept(src, r);
  }

  #onTf(topic: string, byChild: ReadonlyMap<string, ResolvedObjectSource>, msg: unknown): void {
    const { poses, rejected } = decodeTfMessage(byChild, msg);
    for (const r of rejected) this.#reject(`${topic} message rejected: ${r}`);
    for (const [src, pose] of poses) this.#accept(src, pose);
  }

  #accept(src: ResolvedObjectSource, pose: BasePose): void {
    const i = this.sources.indexOf(src);
    this.posesReceived++;
    this.#lastAt[i] = this.#clock.now();
    const held = this.#pose[i];
    if (held) {
      held.pos = pose.pos;
      held.quat = pose.quat;
      return;
    }
    this.#pose[i] = { name: src.name, pos: pose.pos, quat: pose.quat };
    // keep configuration order whatever order the first poses arrive in
    this.objects.length = 0;
    for (const p of this.#pose) if (p) this.objects.push(p);
  }

  #reject(what: string): void {
    this.rejectedPoses++;
    if (this.rejectedPoses <= 10 || this.rejectedPoses % 1000 === 0) this.#log.warn(`robot '${this.#robotId}': ${what} (${this.rejectedPoses} so far)`);
  }
}
