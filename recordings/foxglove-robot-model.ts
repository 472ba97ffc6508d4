import type { MainModule, MjModel } from 'mujoco-js';
import { describeModel, type GeomsDescription, type KinematicBodyDescription } from '../sim/model-description.ts';

/**
 * What the Foxglove export needs to know of a robot to draw its links: the kinematic tree and
 * geoms of its model (sim/model-description.ts) and where the EE site sits on its body.
 */
export interface FoxgloveRobotModel {
  /** body names, index = body id; body 0 is the world frame */
  names: string[];
  kinematics: KinematicBodyDescription[];
  geoms: GeomsDescription['bodies'];
  /** the EE site: its frame name, the body it is fixed to, its pose in that body (quat w, x, y, z) */
  ee: { name: string; body: number; pos: number[]; quat: number[] };
}

/** Reads the Foxglove drawing model of a compiled MuJoCo model; throws if the tree or the EE site is not describable. */
export function foxgloveRobotModel(mujoco: MainModule, model: MjModel, eeSite: string): FoxgloveRobotModel {
  const d = describeModel(mujoco, model);
  if (!d.kinematics) throw new Error('foxgloveRobotModel: the model has joints a one-joint-per-body tree cannot describe');
  const site = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_SITE.value as never, eeSite);
  if (site < 0) throw new Error(`foxgloveRobotModel: site '${eeSite}' is not in the model`);
  const f64 = (a: unknown, n: number) => Array.from((a as Float64Array).subarray(n * site, n * site + n));
  return {
    names: d.bodies.map((b) => b.name),
    kinematics: d.kinematics,
    geoms: d.bodies,
    ee: { name: 'ee', body: model.site_bodyid[site], pos: f64(model.site_pos, 3), quat: f64(model.site_quat, 4) },
  };
}

let simModel: Promise<FoxgloveRobotModel> | null = null;

/** The drawing model of the simulated Panda scene (compiled once per process). */
export function simPandaFoxgloveModel(): Promise<FoxgloveRobotModel> {
  simModel ??= (async () => {
    const [{ ArmSim }, { EE_SITE }] = await Promise.all([import('../sim/arm-sim.ts'), import('../sim/panda-model.ts')]);
    const sim = await ArmSim.create();
    return foxgloveRobotModel(sim.mujoco, sim.model, EE_SITE);
  })();
  return simModel;
}
