import type { KinematicBody, ModelDescription } from '../../protocol/model-description.ts';
import type { FlatGeom, FlatModel } from './model-geoms.ts';

type V3 = [number, number, number];

/** v rotated by the unit quaternion q (w x y z). */
function rotate(v: readonly number[], q: readonly number[]): V3 {
  const [w, x, y, z] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [v[0] + w * tx + (y * tz - z * ty), v[1] + w * ty + (z * tx - x * tz), v[2] + w * tz + (x * ty - y * tx)];
}

/** Radius of a sphere around a geom's centre that holds it (its reach, for the coverage check). */
function reach(g: FlatGeom): number {
  const [a, b, c] = g.size;
  switch (g.type) {
    case 'sphere':
      return a;
    case 'capsule':
      return a + b;
    case 'cylinder':
      return Math.hypot(a, b);
    case 'box':
    case 'ellipsoid':
      return Math.hypot(a, b, c);
    default:
      return 0;
  }
}

/** The shortest rotation (w x y z) taking +z onto the unit vector d. */
function zTo(d: V3): number[] {
  const w = 1 + d[2];
  if (w < 1e-9) return [0, 1, 0, 0]; // pointing straight down
  const n = Math.hypot(w, -d[1], d[0]);
  return [w / n, -d[1] / n, d[0] / n, 0];
}

const MIN_GAP = 0.05; // m: shorter gaps between a base and its first joint are not worth a column

/**
 * Columns for fixed bases that stop short of the arm's first joint: a base drawn as a plate
 * (MuJoCo's link0 here) leaves the arm floating above it. For each body fixed to the world, with
 * geoms, whose jointed child sits more than 5 cm away with neither body's geoms covering the
 * space between, a cylinder of the base's colour joins them (radius of the child's first round
 * geom). Drawing only: the physics model is not touched. Descriptions without kinematics are
 * returned unchanged.
 */
export function withBaseColumns(model: FlatModel, desc: ModelDescription | null): FlatModel {
  const kin: readonly KinematicBody[] | undefined = desc?.format === 'geoms' ? desc.kinematics : undefined;
  if (!kin || kin.length !== model.bodies.length) return model;
  const geomsOf = (b: number) => model.geoms.filter((g) => g.body === b);
  const extra: FlatGeom[] = [];
  kin.forEach((base, b) => {
    if (b === 0 || base.parent !== 0 || base.joint || base.mocap) return;
    const own = geomsOf(b);
    if (own.length === 0) return;
    kin.forEach((child, c) => {
      if (child.parent !== b || !child.joint || child.joint.type === 'free') return;
      const p = child.pos;
      const len = Math.hypot(p[0], p[1], p[2]);
      if (len < MIN_GAP) return;
      // geoms of both bodies, in the base's frame (the child at its reference pose)
      const around = [
        ...own.map((g) => ({ at: g.pos, r: reach(g) })),
        ...geomsOf(c).map((g) => {
          const o = rotate(g.pos, child.quat);
          return { at: [p[0] + o[0], p[1] + o[1], p[2] + o[2]], r: reach(g) };
        }),
      ];
      const covered = (f: number) => around.some(({ at, r }) => Math.hypot(at[0] - f * p[0], at[1] - f * p[1], at[2] - f * p[2]) <= r);
      if ([0.25, 0.5, 0.75].every(covered)) return;
      const round = geomsOf(c).find((g) => g.type === 'sphere' || g.type === 'capsule' || g.type === 'cylinder');
      const radius = round ? round.size[0] : 0.05;
      const d: V3 = [p[0] / len, p[1] / len, p[2] / len];
      extra.push({ type: 'cylinder', body: b, size: [radius, len / 2, 0], pos: [p[0] / 2, p[1] / 2, p[2] / 2], quat: zTo(d), rgba: [...own[0].rgba] });
    });
  });
  return extra.length ? { bodies: model.bodies, geoms: [...model.geoms, ...extra] } : model;
}
