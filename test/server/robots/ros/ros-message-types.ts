/**
 * TEST DOUBLE support: field tables of the ROS message types the rosbridge test server speaks, and
 * a checker that rejects what rosbridge's message_conversion rejects (a field the type lacks, a
 * value of the wrong JSON type). ROS 1 and ROS 2 differ in time and header fields.
 */
type Field = 'float64' | 'int32' | 'uint32' | 'string' | 'float64[]' | 'string[]' | 'uint8[]' | { msg: string } | { msgArray: string };

export type RosVersion = 1 | 2;

function types(v: RosVersion): Record<string, Record<string, Field>> {
  const time = v === 1 ? { secs: 'int32', nsecs: 'int32' } : { sec: 'int32', nanosec: 'uint32' };
  const header: Record<string, Field> = v === 1 ? { seq: 'uint32', stamp: { msg: 'time' }, frame_id: 'string' } : { stamp: { msg: 'time' }, frame_id: 'string' };
  return {
    time: time as unknown as Record<string, Field>,
    duration: time as unknown as Record<string, Field>,
    'std_msgs/Header': header,
    'std_msgs/Float64': { data: 'float64' },
    'std_msgs/MultiArrayDimension': { label: 'string', size: 'uint32', stride: 'uint32' },
    'std_msgs/MultiArrayLayout': { dim: { msgArray: 'std_msgs/MultiArrayDimension' }, data_offset: 'uint32' },
    'std_msgs/Float64MultiArray': { layout: { msg: 'std_msgs/MultiArrayLayout' }, data: 'float64[]' },
    'sensor_msgs/JointState': { header: { msg: 'std_msgs/Header' }, name: 'string[]', position: 'float64[]', velocity: 'float64[]', effort: 'float64[]' },
    'trajectory_msgs/JointTrajectoryPoint': {
      positions: 'float64[]', velocities: 'float64[]', accelerations: 'float64[]', effort: 'float64[]', time_from_start: { msg: 'duration' },
    },
    'trajectory_msgs/JointTrajectory': { header: { msg: 'std_msgs/Header' }, joint_names: 'string[]', points: { msgArray: 'trajectory_msgs/JointTrajectoryPoint' } },
    'geometry_msgs/Point': { x: 'float64', y: 'float64', z: 'float64' },
    'geometry_msgs/Vector3': { x: 'float64', y: 'float64', z: 'float64' },
    'geometry_msgs/Quaternion': { x: 'float64', y: 'float64', z: 'float64', w: 'float64' },
    'geometry_msgs/Pose': { position: { msg: 'geometry_msgs/Point' }, orientation: { msg: 'geometry_msgs/Quaternion' } },
    'geometry_msgs/PoseStamped': { header: { msg: 'std_msgs/Header' }, pose: { msg: 'geometry_msgs/Pose' } },
    'geometry_msgs/Transform': { translation: { msg: 'geometry_msgs/Vector3' }, rotation: { msg: 'geometry_msgs/Quaternion' } },
    'geometry_msgs/TransformStamped': { header: { msg: 'std_msgs/Header' }, child_frame_id: 'string', transform: { msg: 'geometry_msgs/Transform' } },
    'tf2_msgs/TFMessage': { transforms: { msgArray: 'geometry_msgs/TransformStamped' } },
    'sensor_msgs/CompressedImage': { header: { msg: 'std_msgs/Header' }, format: 'string', data: 'uint8[]' },
  };
}

/** 'std_msgs/msg/Float64' (ROS 2 form) -> 'std_msgs/Float64'. */
export function normalizeType(t: string): string {
  return t.replace('/msg/', '/');
}

/** Whether the double knows the type. */
export function knownType(t: string, v: RosVersion): boolean {
  return normalizeType(t) in types(v);
}

/** Checks a message against its type; returns the first problem (rosbridge's wording), or null. */
export function checkMessage(type: string, msg: unknown, v: RosVersion, path = 'msg'): string | null {
  const table = types(v)[normalizeType(type)];
  if (!table) return `${path}: unknown message type ${type}`;
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return `${path}: expected a JSON object for ${type}, got ${JSON.stringify(msg)}`;
  for (const [k, val] of Object.entries(msg)) {
    const f = table[k];
    if (!f) return `Message type ${type} does not have a field ${k}`;
    const p = `${path}.${k}`;
    if (f === 'float64' || f === 'int32' || f === 'uint32') {
      if (typeof val !== 'number') return `${p}: expected a number for ${f}, got ${JSON.stringify(val)}`;
      if (f !== 'float64' && !Number.isInteger(val)) return `${p}: expected an integer for ${f}, got ${val}`;
    } else if (f === 'uint8[]') {
      // rosbridge's JSON carries uint8[] as a base64 string
      if (typeof val !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(val)) return `${p}: expected a base64 string for uint8[], got ${JSON.stringify(val).slice(0, 40)}`;
    } else if (f === 'string') {
      if (typeof val !== 'string') return `${p}: expected a string, got ${JSON.stringify(val)}`;
    } else if (f === 'float64[]' || f === 'string[]') {
      if (!Array.isArray(val)) return `${p}: expected a JSON array for ${f}, got ${JSON.stringify(val)}`;
      const want = f === 'float64[]' ? 'number' : 'string';
      if (val.some((x) => typeof x !== want)) return `${p}: every element of ${f} must be a ${want}`;
    } else if ('msg' in f) {
      const e = checkMessage(f.msg, val, v, p);
      if (e) return e;
    } else {
      if (!Array.isArray(val)) return `${p}: expected a JSON array of ${f.msgArray}`;
      for (let i = 0; i < val.length; i++) {
        const e = checkMessage(f.msgArray, val[i], v, `${p}[${i}]`);
        if (e) return e;
      }
    }
  }
  return null;
}
