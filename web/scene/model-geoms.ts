import type { ModelDescription } from '../../protocol/model-description.ts';

export type GeomType = 'plane' | 'sphere' | 'capsule' | 'ellipsoid' | 'cylinder' | 'box' | 'mesh';

/** One drawable geom in its body's frame (MuJoCo conventions: size is geom_size, quat is w x y z). */
export interface FlatGeom {
  type: GeomType;
  body: number;
  size: [number, number, number];
  pos: number[];
  quat: number[];
  rgba: number[];
  vertices?: number[];
  faces?: number[];
}

/** A `geoms` model description reduced to what the renderer needs. */
export interface FlatModel {
  bodies: string[];
  geoms: FlatGeom[];
}

const TYPES = new Set<GeomType>(['plane', 'sphere', 'capsule', 'ellipsoid', 'cylinder', 'box', 'mesh']);

function vec(v: unknown, n: number, fallback: number[], what: string): number[] {
  if (v === undefined) return fallback;
  if (!Array.isArray(v) || v.length < n || !v.slice(0, n).every((x) => typeof x === 'number' && Number.isFinite(x))) {
    throw new Error(`model description: ${what} must be ${n} finite numbers`);
  }
  return v.slice(0, n) as number[];
}

function geom(g: Record<string, unknown>, body: number, where: string): FlatGeom {
  if (!TYPES.has(g.type as GeomType)) throw new Error(`model description: ${where}: unknown geom type ${JSON.stringify(g.type)}`);
  const raw = Array.isArray(g.size) ? g.size : [];
  if (!raw.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`model description: ${where}.size must be finite numbers`);
  const out: FlatGeom = {
    type: g.type as GeomType,
    body,
    size: [raw[0] ?? 0, raw[1] ?? 0, raw[2] ?? 0],
    pos: vec(g.pos, 3, [0, 0, 0], `${where}.pos`),
    quat: vec(g.quat, 4, [1, 0, 0, 0], `${where}.quat`),
    rgba: vec(g.rgba, 4, [0.7, 0.7, 0.7, 1], `${where}.rgba`),
  };
  if (out.type === 'mesh') {
    if (!Array.isArray(g.vertices) || !Array.isArray(g.faces)) throw new Error(`model description: ${where}: a mesh geom needs vertices and faces`);
    const nv = g.vertices.length / 3;
    if (!(g.faces as number[]).every((f) => Number.isInteger(f) && f >= 0 && f < nv)) throw new Error(`model description: ${where}.faces index past the vertices`);
    out.vertices = g.vertices as number[];
    out.faces = g.faces as number[];
  }
  return out;
}

/** Flattens the protocol's `geoms` description (bodies each with their geoms); throws naming the bad field. */
export function flattenModel(desc: ModelDescription): FlatModel {
  const d = desc as unknown as Record<string, unknown>;
  if (d.format !== 'geoms') throw new Error(`model description: format ${JSON.stringify(d.format)} is not 'geoms'`);
  if (!Array.isArray(d.bodies)) throw new Error('model description: bodies must be an array');
  const bodies = d.bodies as Array<{ name?: unknown; geoms?: unknown }>;
  const geoms: FlatGeom[] = [];
  bodies.forEach((b, i) => {
    if (!Array.isArray(b.geoms)) throw new Error(`model description: bodies[${i}].geoms must be an array`);
    b.geoms.forEach((g, j) => geoms.push(geom(g as Record<string, unknown>, i, `bodies[${i}].geoms[${j}]`)));
  });
  return { bodies: bodies.map((b, i) => (typeof b.name === 'string' ? b.name : `body${i}`)), geoms };
}
