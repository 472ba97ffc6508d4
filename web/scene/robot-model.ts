import * as THREE from 'three';
import type { FlatGeom, FlatModel } from './model-geoms.ts';
import { isSoftwareGl } from './software-gl.ts';

const geometryCache = new Map<string, THREE.BufferGeometry>();
const materialCache = new Map<string, THREE.Material>();
const INFINITE_PLANE = 2; // half-extent, m, for MuJoCo's size-0 (infinite) planes

/** Shared geometry for one MuJoCo geom shape (cached: four arms share every buffer). */
function geometryFor(g: FlatGeom): THREE.BufferGeometry | null {
  const [a, b, c] = g.size;
  const key = `${g.type}:${a.toFixed(4)}:${b.toFixed(4)}:${c.toFixed(4)}`;
  let geo = geometryCache.get(key);
  if (geo) return geo;
  switch (g.type) {
    case 'sphere':
      geo = new THREE.SphereGeometry(a, 20, 14);
      break;
    case 'ellipsoid':
      geo = new THREE.SphereGeometry(1, 20, 14).scale(a, b, c);
      break;
    case 'capsule': // three's capsule and cylinder run along y, MuJoCo's along z
      geo = new THREE.CapsuleGeometry(a, 2 * b, 6, 16).rotateX(Math.PI / 2);
      break;
    case 'cylinder':
      geo = new THREE.CylinderGeometry(a, a, 2 * b, 20).rotateX(Math.PI / 2);
      break;
    case 'box':
      geo = new THREE.BoxGeometry(2 * a, 2 * b, 2 * c);
      break;
    case 'plane':
      geo = new THREE.PlaneGeometry(2 * (a || INFINITE_PLANE), 2 * (b || INFINITE_PLANE));
      break;
    case 'mesh': {
      if (!g.vertices || !g.faces) return null;
      // each robot's description arrives as its own arrays: key by content so arms share buffers
      const meshKey = `mesh:${contentHash(g.vertices)}:${contentHash(g.faces)}`;
      const shared = geometryCache.get(meshKey);
      if (shared) return shared;
      geo = new THREE.BufferGeometry();
      geo.setAttribute('position', new THREE.Float32BufferAttribute(g.vertices, 3));
      geo.setIndex(g.faces);
      geo.computeVertexNormals();
      geometryCache.set(meshKey, geo);
      return geo;
    }
    default:
      return null;
  }
  geometryCache.set(key, geo);
  return geo;
}

/** A 32-bit FNV-1a hash of the numbers' float32 values, with the length (cache key of a mesh). */
function contentHash(values: ArrayLike<number>): string {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  let h = 0x811c9dc5;
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    h = Math.imul(h ^ u[0], 0x01000193);
  }
  return `${values.length}:${(h >>> 0).toString(16)}`;
}

function materialFor(rgba: number[], plane: boolean): THREE.Material {
  const key = `${rgba.map((v) => v.toFixed(3)).join(',')}:${plane}`;
  let m = materialCache.get(key);
  if (!m) {
    const common = {
      color: new THREE.Color(rgba[0], rgba[1], rgba[2]),
      transparent: rgba[3] < 1,
      opacity: rgba[3],
      side: plane ? THREE.DoubleSide : THREE.FrontSide,
    };
    // Software GL (headless, VMs): Lambert shading costs a fraction of the PBR shader per pixel.
    m = isSoftwareGl()
      ? new THREE.MeshLambertMaterial(common)
      : new THREE.MeshStandardMaterial({ ...common, roughness: plane ? 0.95 : 0.55, metalness: plane ? 0 : 0.1 });
    materialCache.set(key, m);
  }
  return m;
}

/**
 * A robot (and its task objects) as three.js objects in MuJoCo's frame (z up): one group per
 * body, geoms as children in the body frame; `applyBodyPoses` moves the bodies.
 */
export class RobotModel {
  readonly root = new THREE.Group();
  readonly bodies: THREE.Group[];

  /** `material` replaces every geom's own (the translucent rewind ghost). */
  constructor(model: FlatModel, { floor = true, material }: { floor?: boolean; material?: THREE.Material } = {}) {
    this.bodies = model.bodies.map((name) => {
      const g = new THREE.Group();
      g.name = name;
      g.matrixAutoUpdate = true;
      this.root.add(g);
      return g;
    });
    for (const geom of model.geoms) {
      if (geom.type === 'plane' && !floor) continue;
      if (geom.rgba[3] <= 0) continue;
      const geo = geometryFor(geom);
      if (!geo) continue;
      const mesh = new THREE.Mesh(geo, material ?? materialFor(geom.rgba, geom.type === 'plane'));
      mesh.position.set(geom.pos[0], geom.pos[1], geom.pos[2]);
      mesh.quaternion.set(geom.quat[1], geom.quat[2], geom.quat[3], geom.quat[0]);
      mesh.receiveShadow = geom.type === 'plane';
      this.bodies[geom.body].add(mesh);
    }
  }

  /** Sets body world poses from a flat [x y z qw qx qy qz] per body array; short arrays move what they cover. */
  applyBodyPoses(poses: ArrayLike<number>): void {
    const n = Math.min(this.bodies.length, Math.floor(poses.length / 7));
    for (let b = 0; b < n; b++) {
      const o = 7 * b;
      const body = this.bodies[b];
      body.position.set(poses[o], poses[o + 1], poses[o + 2]);
      body.quaternion.set(poses[o + 4], poses[o + 5], poses[o + 6], poses[o + 3]);
    }
  }

  /** Moves a named body directly (replay of recorded object poses). */
  setBodyPose(name: string, pos: ArrayLike<number>, quatWxyz: ArrayLike<number>): boolean {
    const body = this.bodies.find((b) => b.name === name);
    if (!body) return false;
    body.position.set(pos[0], pos[1], pos[2]);
    body.quaternion.set(quatWxyz[1], quatWxyz[2], quatWxyz[3], quatWxyz[0]);
    return true;
  }
}
