import * as THREE from 'three';
import { describe, expect, it } from 'vitest';
import type { FlatModel } from '../../web/scene/model-geoms.ts';
import { RobotModel } from '../../web/scene/robot-model.ts';

// each robot's description arrives as its own arrays, as from two robots' robot_info
const arm = (): FlatModel => ({
  bodies: ['link0', 'link1'],
  geoms: [
    { type: 'mesh', body: 0, size: [0, 0, 0], pos: [0, 0, 0], quat: [1, 0, 0, 0], rgba: [1, 1, 1, 1], vertices: [0, 0, 0, 1, 0, 0, 0, 1, 0], faces: [0, 1, 2] },
    { type: 'capsule', body: 1, size: [0.05, 0.1, 0], pos: [0, 0, 0.2], quat: [1, 0, 0, 0], rgba: [1, 1, 1, 1] },
  ],
});
const meshes = (m: RobotModel) => m.bodies.flatMap((b) => b.children as THREE.Mesh[]);

describe('RobotModel', () => {
  it('two arms share every geometry and material, meshes included', () => {
    const [a, b] = [new RobotModel(arm()), new RobotModel(arm())];
    meshes(a).forEach((m, i) => {
      expect(meshes(b)[i].geometry).toBe(m.geometry);
      expect(meshes(b)[i].material).toBe(m.material);
    });
  });
  it('a different mesh gets its own geometry', () => {
    const other = arm();
    other.geoms[0].vertices = [0, 0, 0, 2, 0, 0, 0, 2, 0];
    expect(meshes(new RobotModel(other))[0].geometry).not.toBe(meshes(new RobotModel(arm()))[0].geometry);
  });
  it('a ghost material replaces every geom material', () => {
    const ghost = new THREE.MeshBasicMaterial();
    expect(meshes(new RobotModel(arm(), { material: ghost })).every((m) => m.material === ghost)).toBe(true);
  });
});
