import { describe, expect, it } from 'vitest';
import { compileModel } from '../../../../sim/mujoco-runtime.ts';
import { MujocoKinematics } from '../../../../sim/kinematics.ts';
import { EE_SITE, PANDA_JOINT_NAMES, pandaSceneXml } from '../../../../sim/panda-model.ts';
import { effectiveLimits, loadUrdfArm, rpyToQuat } from '../../../../server/robots/ros/urdf-arm-model.ts';
import { parseUrdf, UrdfError } from '../../../../server/robots/ros/urdf-robot.ts';
import { PANDA_ARM_JOINTS, PANDA_READY, PANDA_URDF } from './panda-fixture.ts';

describe('parseUrdf', () => {
  it('reads joints with limits, mimic and parent/child links', () => {
    const r = parseUrdf(PANDA_URDF);
    expect(r.name).toBe('panda');
    const j4 = r.joints.find((j) => j.name === 'panda_joint4')!;
    expect(j4).toMatchObject({ type: 'revolute', parent: 'panda_link3', child: 'panda_link4', lower: -3.0718, upper: -0.0698, velocity: 2.175 });
    expect(r.joints.find((j) => j.name === 'panda_finger_joint2')!.mimic).toBe('panda_finger_joint1');
  });

  it.each([
    ['<robot/>'.replace('robot', 'model'), /root element is <model>/],
    ['<robot><link name="a"/><joint name="j" type="revolute"><parent link="a"/><child link="b"/></joint></robot>', /child link 'b'/],
    ['<robot><link name="a"/><link name="b"/><joint name="j" type="weird"><parent link="a"/><child link="b"/></joint></robot>', /unknown type 'weird'/],
    ['<robot><link', /not well-formed/],
    ['  ', /empty/],
  ])('rejects a bad description clearly (%#)', (text, msg) => {
    expect(() => parseUrdf(text)).toThrow(UrdfError);
    expect(() => parseUrdf(text)).toThrow(msg);
  });
});

describe('effectiveLimits', () => {
  const robot = parseUrdf(PANDA_URDF);
  it('tightens URDF limits by the config and never loosens them', () => {
    const l = effectiveLimits(robot, PANDA_ARM_JOINTS, { panda_joint1: { lower: -1, upper: 5, velocity: 1 } });
    expect(l.lower[0]).toBe(-1);
    expect(l.upper[0]).toBe(2.8973);
    expect(l.velocityLimit[0]).toBe(1);
    expect(l.velocityLimit[6]).toBe(2.61);
    expect(l.warnings.join()).toMatch(/limits.panda_joint1.upper = 5 would loosen/);
  });
  it('refuses unknown, fixed and mimic joints, and empty ranges', () => {
    expect(() => effectiveLimits(robot, ['nope'], {})).toThrow(/'nope' is not in the URDF/);
    expect(() => effectiveLimits(robot, ['panda_joint8'], {})).toThrow(/is fixed/);
    expect(() => effectiveLimits(robot, ['panda_finger_joint2'], {})).toThrow(/mimics/);
    expect(() => effectiveLimits(robot, ['panda_joint1'], { panda_joint1: { lower: 2, upper: 1 } })).toThrow(/no usable position range/);
    expect(() => effectiveLimits(robot, ['panda_joint1'], { panda_joint9: {} })).toThrow(/not one of the commanded joints/);
  });
});

describe('loadUrdfArm', () => {
  it('matches the simulator Panda FK at the EE (URDF import + EE site on panda_hand_tcp)', async () => {
    const arm = await loadUrdfArm({ urdf: PANDA_URDF, jointNames: PANDA_ARM_JOINTS, eeLink: 'panda_hand_tcp' });
    const { mujoco, model } = await compileModel(pandaSceneXml());
    const sim = new MujocoKinematics(mujoco, model, { jointNames: PANDA_JOINT_NAMES, eeSite: EE_SITE });
    const a = new Float64Array(3), aq = new Float64Array(4), b = new Float64Array(3), bq = new Float64Array(4);
    let seed = 1;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let k = 0; k < 20; k++) {
      const q = k === 0 ? PANDA_READY : PANDA_ARM_JOINTS.map((_, i) => arm.lower[i] + rnd() * (arm.upper[i] - arm.lower[i]));
      arm.kinematics.fk(q, a, aq);
      sim.fk(q, b, bq);
      for (let i = 0; i < 3; i++) expect(a[i]).toBeCloseTo(b[i], 5);
      const dot = Math.abs(aq[0] * bq[0] + aq[1] * bq[1] + aq[2] * bq[2] + aq[3] * bq[3]);
      expect(dot).toBeGreaterThan(1 - 1e-8);
    }
    expect(Array.from(arm.upper)).toEqual([2.8973, 1.7628, 2.8973, -0.0698, 2.8973, 3.7525, 2.8973]);
  });

  it('applies eeOffset, writes tightened ranges into the model, and solves IK inside them', async () => {
    const arm = await loadUrdfArm({
      urdf: PANDA_URDF, jointNames: PANDA_ARM_JOINTS, eeLink: 'panda_link8', eeOffset: { xyz: [0, 0, 0.1034], rpy: [0, 0, -Math.PI / 4] },
      limits: { panda_joint1: { lower: -0.5, upper: 0.5 } },
    });
    const tcp = await loadUrdfArm({ urdf: PANDA_URDF, jointNames: PANDA_ARM_JOINTS, eeLink: 'panda_hand_tcp' });
    const p1 = new Float64Array(3), q1 = new Float64Array(4), p2 = new Float64Array(3), q2 = new Float64Array(4);
    arm.kinematics.fk(PANDA_READY, p1, q1);
    tcp.kinematics.fk(PANDA_READY, p2, q2);
    for (let i = 0; i < 3; i++) expect(p1[i]).toBeCloseTo(p2[i], 6);
    expect(arm.kinematics.lower[0]).toBeCloseTo(-0.5, 9);
    const target = Float64Array.from([0.3, 0.45, 0.4]);
    const out = new Float64Array(7);
    arm.kinematics.ik(PANDA_READY, target, q1, out);
    expect(out[0]).toBeGreaterThanOrEqual(-0.5);
    expect(out[0]).toBeLessThanOrEqual(0.5);
  });

  it('reports a missing EE link clearly', async () => {
    await expect(loadUrdfArm({ urdf: PANDA_URDF, jointNames: PANDA_ARM_JOINTS, eeLink: 'tool0' })).rejects.toThrow(/EE link 'tool0' is not in the URDF/);
  });

  it('rpyToQuat follows URDF fixed-axis order', () => {
    const q = rpyToQuat(0, 0, Math.PI / 2);
    expect(q[0]).toBeCloseTo(Math.SQRT1_2, 12);
    expect(q[3]).toBeCloseTo(Math.SQRT1_2, 12);
    const r = rpyToQuat(Math.PI / 2, Math.PI / 2, 0); // Ry * Rx
    expect(r.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0.5, 0.5, 0.5, -0.5]);
  });
});
