import { beforeAll, describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { ArmSim } from '../../../sim/arm-sim.ts';
import type { ModelDescription } from '../../../protocol/model-description.ts';
import { withBaseColumns } from '../../../web/scene/base-column.ts';
import { flattenModel } from '../../../web/scene/model-geoms.ts';
import { RobotModel } from '../../../web/scene/robot-model.ts';

let desc: ModelDescription;
beforeAll(async () => {
  desc = (await ArmSim.create({ task: 'place', seed: 1 })).modelDescription() as unknown as ModelDescription;
});

/** True when a point of `body`'s frame lies inside the bounding box of one of the body's meshes. */
function bodyHolds(model: RobotModel, body: string, point: [number, number, number]): boolean {
  const b = model.bodies.find((g) => g.name === body)!;
  b.updateMatrixWorld(true);
  const p = new THREE.Vector3(...point).applyMatrix4(b.matrixWorld);
  return b.children.some((m) => new THREE.Box3().setFromObject(m).containsPoint(p));
}

describe('base columns', () => {
  it('the simulated arm stands on its base: link0 reaches up to joint 1', () => {
    const geoms = desc.format === 'geoms' ? desc : null;
    const joint1 = geoms!.kinematics![geoms!.bodies.findIndex((b) => b.name === 'link1')].pos;
    expect(joint1[2]).toBeGreaterThan(0.3);
    const mid: [number, number, number] = [0, 0, joint1[2] / 2];
    // the description alone draws link0 as a 4 cm plate: nothing between it and joint 1
    expect(bodyHolds(new RobotModel(flattenModel(desc)), 'link0', mid)).toBe(false);
    const drawn = new RobotModel(withBaseColumns(flattenModel(desc), desc));
    expect(bodyHolds(drawn, 'link0', mid)).toBe(true);
    expect(bodyHolds(drawn, 'link0', [0, 0, joint1[2] * 0.9])).toBe(true);
    // one column, no more (the other bodies hang off joints or are objects)
    expect(withBaseColumns(flattenModel(desc), desc).geoms.length - flattenModel(desc).geoms.length).toBe(1);
  });

  it('adds nothing where the base already reaches its first joint, or without kinematics', () => {
    const tall = {
      format: 'geoms',
      bodies: [
        { name: 'world', geoms: [] },
        { name: 'base', geoms: [{ type: 'cylinder', size: [0.06, 0.2, 0], pos: [0, 0, 0.2], quat: [1, 0, 0, 0], rgba: [1, 1, 1, 1] }] },
        { name: 'link1', geoms: [{ type: 'sphere', size: [0.06, 0, 0], pos: [0, 0, 0], quat: [1, 0, 0, 0], rgba: [1, 1, 1, 1] }] },
      ],
      kinematics: [
        { parent: 0, pos: [0, 0, 0], quat: [1, 0, 0, 0] },
        { parent: 0, pos: [0, 0, 0], quat: [1, 0, 0, 0] },
        { parent: 1, pos: [0, 0, 0.4], quat: [1, 0, 0, 0], joint: { type: 'hinge', axis: [0, 0, 1], pos: [0, 0, 0], source: { kind: 'q', index: 0 } } },
      ],
    } as ModelDescription;
    const flat = flattenModel(tall);
    expect(withBaseColumns(flat, tall)).toBe(flat);
    const { kinematics: _k, ...noKinematics } = desc as Extract<ModelDescription, { format: 'geoms' }>;
    const flat2 = flattenModel(noKinematics);
    expect(withBaseColumns(flat2, noKinematics)).toBe(flat2);
  });

  it('a slanted gap gets a column along it', () => {
    const slanted = {
      format: 'geoms',
      bodies: [
        { name: 'world', geoms: [] },
        { name: 'base', geoms: [{ type: 'box', size: [0.05, 0.05, 0.01], pos: [0, 0, 0], quat: [1, 0, 0, 0], rgba: [0.5, 0.5, 0.5, 1] }] },
        { name: 'link1', geoms: [{ type: 'sphere', size: [0.04, 0, 0], pos: [0, 0, 0], quat: [1, 0, 0, 0], rgba: [1, 1, 1, 1] }] },
      ],
      kinematics: [
        { parent: 0, pos: [0, 0, 0], quat: [1, 0, 0, 0] },
        { parent: 0, pos: [0, 0, 0], quat: [1, 0, 0, 0] },
        { parent: 1, pos: [0.2, 0, 0.2], quat: [1, 0, 0, 0], joint: { type: 'hinge', axis: [0, 0, 1], pos: [0, 0, 0], source: { kind: 'q', index: 0 } } },
      ],
    } as ModelDescription;
    const m = new RobotModel(withBaseColumns(flattenModel(slanted), slanted));
    expect(bodyHolds(m, 'base', [0.1, 0, 0.1])).toBe(true);
    expect(bodyHolds(m, 'base', [0.15, 0, 0.15])).toBe(true);
    // along the diagonal, not straight up: the column's axis (z of its geom) points at the joint
    const column = m.bodies.find((b) => b.name === 'base')!.children[1];
    const axis = new THREE.Vector3(0, 0, 1).applyQuaternion(column.quaternion);
    expect(axis.dot(new THREE.Vector3(1, 0, 1).normalize())).toBeCloseTo(1, 6);
  });
});
