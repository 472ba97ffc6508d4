import { childrenNamed, parseXml, type XmlElement } from './xml-tree.ts';

/** One URDF joint with the limits the bridge needs (URDF units: rad, m, rad/s, m/s). */
export interface UrdfJoint {
  name: string;
  type: 'revolute' | 'continuous' | 'prismatic' | 'fixed' | 'floating' | 'planar';
  parent: string;
  child: string;
  /** NaN when the URDF gives no position limit (continuous joints) */
  lower: number;
  upper: number;
  /** NaN when absent */
  velocity: number;
  mimic: string | null;
}

/** The parts of a URDF the bridge uses, plus the parsed tree for rewriting. */
export interface UrdfRobot {
  name: string;
  links: string[];
  joints: UrdfJoint[];
  tree: XmlElement;
}

/** A URDF that cannot drive an arm; the message names the problem. */
export class UrdfError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrdfError';
  }
}

const JOINT_TYPES = new Set(['revolute', 'continuous', 'prismatic', 'fixed', 'floating', 'planar']);

function num(s: string | undefined): number {
  if (s === undefined || s.trim() === '') return NaN;
  const v = Number(s);
  return Number.isFinite(v) ? v : NaN;
}

/** Parses a URDF document (robot_description text) into links and joints, checking its structure. */
export function parseUrdf(text: string): UrdfRobot {
  if (typeof text !== 'string' || !text.trim()) throw new UrdfError('URDF: the robot description is empty');
  let tree: XmlElement;
  try {
    tree = parseXml(text);
  } catch (err) {
    throw new UrdfError(`URDF: not well-formed XML: ${(err as Error).message}`);
  }
  if (tree.name !== 'robot') throw new UrdfError(`URDF: the root element is <${tree.name}>, expected <robot>`);
  const links = childrenNamed(tree, 'link').map((l, i) => {
    if (!l.attrs.name) throw new UrdfError(`URDF: link #${i + 1} has no name`);
    return l.attrs.name;
  });
  const linkSet = new Set(links);
  const joints: UrdfJoint[] = childrenNamed(tree, 'joint').map((j, i) => {
    const name = j.attrs.name;
    if (!name) throw new UrdfError(`URDF: joint #${i + 1} has no name`);
    const type = j.attrs.type;
    if (!JOINT_TYPES.has(type)) throw new UrdfError(`URDF: joint '${name}' has unknown type '${type}'`);
    const parent = childrenNamed(j, 'parent')[0]?.attrs.link;
    const child = childrenNamed(j, 'child')[0]?.attrs.link;
    if (!parent || !linkSet.has(parent)) throw new UrdfError(`URDF: joint '${name}' names parent link '${parent ?? ''}', which is not defined`);
    if (!child || !linkSet.has(child)) throw new UrdfError(`URDF: joint '${name}' names child link '${child ?? ''}', which is not defined`);
    const limit = childrenNamed(j, 'limit')[0]?.attrs ?? {};
    const bounded = type === 'revolute' || type === 'prismatic';
    return {
      name, type: type as UrdfJoint['type'], parent, child,
      lower: bounded ? num(limit.lower ?? '0') : NaN,
      upper: bounded ? num(limit.upper ?? '0') : NaN,
      velocity: num(limit.velocity),
      mimic: childrenNamed(j, 'mimic')[0]?.attrs.joint ?? null,
    };
  });
  const seen = new Set<string>();
  for (const j of joints) {
    if (seen.has(j.child)) throw new UrdfError(`URDF: link '${j.child}' has more than one parent joint`);
    seen.add(j.child);
  }
  return { name: tree.attrs.name ?? 'robot', links, joints, tree };
}
