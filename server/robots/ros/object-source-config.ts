import { Type, type Static } from '@sinclair/typebox';
import { TakeoverError } from '../../errors.ts';
import { rpyToQuat } from './urdf-arm-model.ts';

const Vec3 = Type.Array(Type.Number(), { minItems: 3, maxItems: 3 });
const TopicName = Type.String({ pattern: '^/?[A-Za-z~][A-Za-z0-9_/~]*$' });
const FrameId = Type.String({ minLength: 1, pattern: '^[^\\s]+$' });

const common = {
  /** the object's name in observations: what a policy asks for ('cube', 'target') */
  name: Type.String({ minLength: 1, maxLength: 64 }),
  /** the frame the pose is expressed in (header.frame_id); default the robot's base frame */
  frame: Type.Optional(FrameId),
  /** where `frame` sits in the robot's base frame (a fixed mount: camera extrinsics, mocap origin); needed when `frame` is not the base frame */
  frameInBase: Type.Optional(Type.Object({ xyz: Type.Optional(Vec3), rpy: Type.Optional(Vec3) }, { additionalProperties: false })),
  /** no pose for this long -> the policy holds like on a stale arm, s (default 0.5) */
  staleAfter: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 60 })),
};

/**
 * Where one object's pose comes from: a geometry_msgs/PoseStamped topic, or a frame on a
 * tf2_msgs/TFMessage topic (/tf, as an AprilTag detector or a mocap system publishes it).
 */
export const ObjectSourceSchema = Type.Union([
  Type.Object({
    type: Type.Literal('pose'),
    /** geometry_msgs/PoseStamped */
    topic: TopicName,
    ...common,
  }, { additionalProperties: false }),
  Type.Object({
    type: Type.Literal('tf'),
    /** tf2_msgs/TFMessage topic (default /tf) */
    topic: Type.Optional(TopicName),
    /** the transform's child_frame_id that is the object (e.g. 'tag_3', 'cube') */
    childFrame: FrameId,
    ...common,
  }, { additionalProperties: false }),
]);
export type ObjectSourceConfig = Static<typeof ObjectSourceSchema>;

/** An object source with every default filled in and its frame's offset resolved. */
export interface ResolvedObjectSource {
  name: string;
  type: 'pose' | 'tf';
  topic: string;
  messageType: 'geometry_msgs/PoseStamped' | 'tf2_msgs/TFMessage';
  /** tf only: the child frame that is the object */
  childFrame: string | null;
  frame: string;
  staleAfter: number;
  /** pose of `frame` in the base frame: position and quaternion (w, x, y, z) */
  offset: { pos: [number, number, number]; quat: [number, number, number, number] };
}

/** Default staleness limit of an object pose, s: perception runs slower than joint states. */
export const DEFAULT_OBJECT_STALE_AFTER = 0.5;

/**
 * Checks a robot's object sources and fills in defaults: names unique, a frame other than the
 * base frame only with its `frameInBase`, a tf frame mapped to one object. Errors name the robot,
 * the source and the problem.
 */
export function resolveObjectSources(robotId: string, baseFrame: string, sources: readonly ObjectSourceConfig[]): ResolvedObjectSource[] {
  const seen = new Set<string>();
  const tfFrames = new Map<string, string>();
  return sources.map((s, i) => {
    const where = `robot '${robotId}': ros.objects[${i}] ('${s.name}')`;
    if (seen.has(s.name)) throw new TakeoverError('TKO_ERR_CONFIG', `${where}: object '${s.name}' has two sources; each object needs exactly one`);
    seen.add(s.name);
    const frame = s.frame ?? baseFrame;
    if (frame !== baseFrame && !s.frameInBase) {
      throw new TakeoverError('TKO_ERR_CONFIG', `${where}: frame '${frame}' is not the base frame '${baseFrame}'; give frameInBase (where '${frame}' sits in '${baseFrame}')`);
    }
    const topic = s.type === 'tf' ? (s.topic ?? '/tf') : s.topic;
    if (s.type === 'tf') {
      const key = `${topic} ${s.childFrame}`;
      if (tfFrames.has(key)) throw new TakeoverError('TKO_ERR_CONFIG', `${where}: frame '${s.childFrame}' on ${topic} is already the object '${tfFrames.get(key)}'`);
      tfFrames.set(key, s.name);
    }
    const xyz = s.frameInBase?.xyz ?? [0, 0, 0];
    return {
      name: s.name, type: s.type, topic,
      messageType: s.type === 'tf' ? 'tf2_msgs/TFMessage' : 'geometry_msgs/PoseStamped',
      childFrame: s.type === 'tf' ? s.childFrame : null,
      frame, staleAfter: s.staleAfter ?? DEFAULT_OBJECT_STALE_AFTER,
      offset: { pos: [xyz[0], xyz[1], xyz[2]], quat: rpyToQuat(...((s.frameInBase?.rpy ?? [0, 0, 0]) as [number, number, number])) as ResolvedObjectSource['offset']['quat'] },
    };
  });
}
