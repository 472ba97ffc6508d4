import { beforeAll, describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { ArmSim } from '../../../sim/arm-sim.ts';
import { describeModel } from '../../../sim/model-description.ts';
import { PANDA_FINGER_TRAVEL, PANDA_JOINT_NAMES, PANDA_LOWER, PANDA_UPPER } from '../../../sim/panda-model.ts';
import { SeededRandom } from '../../../core/seeded-random.ts';
import { observationToRecord } from '../../../core/observation.ts';
import { ModelDescriptionSchema, type KinematicBody } from '../../../protocol/model-description.ts';
import { bodyPosesFromObservation, unobservedBodies } from '../../../web/scene/body-poses-from-observation.ts';

let sim: ArmSim;
let kinematics: KinematicBody[];
let qposAdr: number[];
let fingerAdr: number[];

beforeAll(async () => {
  sim = await ArmSim.create({ task: 'place', seed: 1 });
  kinematics = sim.modelDescription().kinematics as KinematicBody[];
  const JOINT = sim.mujoco.mjtObj.mjOBJ_JOINT.value as never;
  const adr = (n: string) => sim.model.jnt_qposadr[sim.mujoco.mj_name2id(sim.model, JOINT, n)];
  qposAdr = PANDA_JOINT_NAMES.map(adr);
  fingerAdr = ['finger_left', 'finger_right'].map(adr);
});

/** Writes arm joints, an equal opening on both fingers and a cube / target pose, then mj_forward. */
function pose(rng: SeededRandom): void {
  sim.reset(rng.int(1000));
  const qpos = sim.data.qpos as Float64Array;
  qposAdr.forEach((a, i) => (qpos[a] = rng.uniform(PANDA_LOWER[i], PANDA_UPPER[i])));
  const half = rng.uniform(0, PANDA_FINGER_TRAVEL);
  fingerAdr.forEach((a) => (qpos[a] = half));
  sim.setCubePose([rng.uniform(0.3, 0.7), rng.uniform(-0.3, 0.3), rng.uniform(0.02, 0.4)], rng.uniform(-Math.PI, Math.PI));
  sim.setTarget([rng.uniform(0.3, 0.7), rng.uniform(-0.3, 0.3), 0.001]);
  sim.mujoco.mj_forward(sim.model, sim.data);
}

describe('bodyPosesFromObservation', () => {
  it('the sim description carries a kinematic tree that validates against the protocol schema', () => {
    const desc = sim.modelDescription();
    expect(Value.Check(ModelDescriptionSchema, desc)).toBe(true);
    expect(kinematics).toHaveLength(sim.model.nbody);
    const names = desc.bodies.map((b) => b.name);
    const src = (n: string) => kinematics[names.indexOf(n)];
    expect(src('link1').joint).toMatchObject({ type: 'hinge', source: { kind: 'q', index: 0 } });
    expect(src('link7').joint?.source).toEqual({ kind: 'q', index: 6 });
    expect(src('left_finger').joint).toMatchObject({ type: 'slide', source: { kind: 'gripper', scale: 0.5 } });
    expect(src('cube').joint).toMatchObject({ type: 'free', source: { kind: 'object', name: 'cube' } });
    expect(src('target')).toMatchObject({ mocap: true, source: { kind: 'object', name: 'target' } });
  });

  it("equals MuJoCo's body poses (ArmSim#bodyPoses) to 1e-9 for random arm, gripper and object poses", () => {
    const rng = new SeededRandom(20261127);
    for (let k = 0; k < 25; k++) {
      pose(rng);
      const obs = observationToRecord(sim.observe());
      const mine = bodyPosesFromObservation(kinematics, obs);
      const mj = sim.bodyPoses();
      expect(mine.length).toBe(mj.length);
      // the place task does not observe the reach task's goal marker: that body is hidden in replay
      const hidden = unobservedBodies(kinematics, obs);
      expect([...hidden].map((b) => sim.modelDescription().bodies[b].name)).toEqual(['goal']);
      let worst = 0;
      for (let i = 0; i < mj.length; i++) if (!hidden.has(Math.floor(i / 7))) worst = Math.max(worst, Math.abs(mine[i] - mj[i]));
      expect(worst, `configuration ${k}`).toBeLessThan(1e-9);
    }
  });

  it('follows the arm after physics steps too (joints not at written values)', () => {
    sim.reset(4);
    sim.setCommand([0.4, -0.3, 0.2, -2.0, 0.1, 1.9, 0.5], 0.5);
    sim.step(300);
    // the two fingers settle to the same opening without contact; FK assumes an even split
    const qpos = sim.data.qpos as Float64Array;
    const even = (qpos[fingerAdr[0]] + qpos[fingerAdr[1]]) / 2;
    fingerAdr.forEach((a) => (qpos[a] = even));
    sim.mujoco.mj_kinematics(sim.model, sim.data);
    const obs = observationToRecord(sim.observe());
    const mine = bodyPosesFromObservation(kinematics, obs);
    const mj = sim.bodyPoses();
    const hidden = unobservedBodies(kinematics, obs);
    for (let i = 0; i < mj.length; i++) if (!hidden.has(Math.floor(i / 7))) expect(Math.abs(mine[i] - mj[i])).toBeLessThan(1e-9);
  });

  it('leaves bodies of objects the observation lacks at their default and names them', () => {
    const obs = { q: [0, 0, 0, -1.5, 0, 1.5, 0], gripper: 0.08, objects: [{ name: 'cube', pos: [0.5, 0, 0.025], quat: [1, 0, 0, 0] }] };
    const names = sim.modelDescription().bodies.map((b) => b.name);
    const missing = unobservedBodies(kinematics, obs);
    expect([...missing].map((i) => names[i]).sort()).toEqual(['goal', 'target']);
    const poses = bodyPosesFromObservation(kinematics, obs);
    const t = names.indexOf('target');
    expect(Array.from(poses.subarray(7 * t, 7 * t + 3))).toEqual(kinematics[t].pos);
  });

  it('refuses an observation with fewer joints than the tree reads, naming the field', () => {
    expect(() => bodyPosesFromObservation(kinematics, { q: [0, 0, 0], gripper: 0, objects: [] })).toThrow(/q\[3\].*3 joints/);
    expect(() => bodyPosesFromObservation(kinematics, { q: [0, 0, Number.NaN, 0, 0, 0, 0], gripper: 0, objects: [] })).toThrow(/not finite/);
  });

  it('describeModel takes joint names from options and refuses names the model lacks', () => {
    const d = describeModel(sim.mujoco, sim.model, { armJoints: ['joint2', 'joint1'], fingerJoints: ['finger_left'] });
    const names = d.bodies.map((b) => b.name);
    expect(d.kinematics![names.indexOf('link1')].joint?.source).toEqual({ kind: 'q', index: 1 });
    expect(d.kinematics![names.indexOf('left_finger')].joint?.source).toEqual({ kind: 'gripper', scale: 1 });
    expect(d.kinematics![names.indexOf('right_finger')].joint?.source).toBeUndefined();
    expect(() => describeModel(sim.mujoco, sim.model, { armJoints: ['elbow'] })).toThrow(/arm joint\(s\) 'elbow' missing/);
  });
});
