import { beforeAll, describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { ArmSim } from '../../../sim/arm-sim.ts';
import { flattenModel } from '../../../web/scene/model-geoms.ts';
import { RobotModel } from '../../../web/scene/robot-model.ts';
import type { ModelDescription } from '../../../protocol/model-description.ts';

let sim: ArmSim;
beforeAll(async () => {
  sim = await ArmSim.create({ task: 'place', seed: 3 });
});

describe('RobotModel from the simulator description', () => {
  it('flattens every geom of every body and builds one group per body', () => {
    const desc = sim.modelDescription() as unknown as ModelDescription;
    const flat = flattenModel(desc);
    const nGeoms = (desc as Extract<ModelDescription, { format: 'geoms' }>).bodies.reduce((n, b) => n + b.geoms.length, 0);
    expect(flat.geoms).toHaveLength(nGeoms);
    expect(flat.bodies).toContain('hand');
    const m = new RobotModel(flat);
    expect(m.bodies).toHaveLength(flat.bodies.length);
    const meshes = m.bodies.reduce((n, b) => n + b.children.length, 0);
    expect(meshes).toBe(flat.geoms.filter((g) => g.rgba[3] > 0).length);
  });

  it('puts each body where the simulator says, and the EE site follows the hand', () => {
    const m = new RobotModel(flattenModel(sim.modelDescription() as unknown as ModelDescription));
    sim.step(50);
    const poses = sim.bodyPoses();
    m.applyBodyPoses(poses);
    m.root.updateMatrixWorld(true);
    const hand = m.bodies.findIndex((b) => b.name === 'hand');
    const p = new THREE.Vector3().setFromMatrixPosition(m.bodies[hand].matrixWorld);
    expect([p.x, p.y, p.z].map((v, i) => v - poses[7 * hand + i]).every((d) => Math.abs(d) < 1e-6)).toBe(true);
    // the EE site sits 0.1034 m along the hand's z axis: the hand group's frame must agree
    const obs = sim.observe();
    const site = new THREE.Vector3(0, 0, 0.1034).applyMatrix4(m.bodies[hand].matrixWorld);
    expect(site.distanceTo(new THREE.Vector3(obs.eePos[0], obs.eePos[1], obs.eePos[2]))).toBeLessThan(0.01);
  });

  it('rejects bad descriptions naming the field', () => {
    expect(() => flattenModel({ format: 'nope' } as never)).toThrow(/format/);
    expect(() => flattenModel({ format: 'geoms', bodies: [{ name: 'a', geoms: [{ type: 'torus' }] }] } as never)).toThrow(/bodies\[0\]\.geoms\[0\].*torus/);
    expect(() => flattenModel({ format: 'geoms', bodies: [{ name: 'a', geoms: [{ type: 'box', size: [1, 1, 1], pos: [0, Number.NaN, 0] }] }] } as never)).toThrow(/pos/);
    expect(() => flattenModel({ format: 'geoms', bodies: [{ name: 'a', geoms: [{ type: 'mesh', size: [], vertices: [0, 0, 0], faces: [0, 1, 2] }] }] } as never)).toThrow(/faces/);
  });
});
