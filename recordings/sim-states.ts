import type { Step } from '../core/step.ts';

/** The simulated scene the recorded states belong to: its MJCF and the length of one state. */
export interface SimStateModel {
  /** the MJCF XML (robomimic's `model_file`) */
  xml: string;
  /** numbers in one state: mj_stateSize(model, spec) */
  size: number;
  /** the mjtState bits of the state (mjSTATE_INTEGRATION) */
  spec: number;
}

let model: Promise<SimStateModel> | null = null;

/** The simulated Panda scene's state model (compiled once per process, on first use). */
export function simStateModel(): Promise<SimStateModel> {
  model ??= (async () => {
    const [{ pandaSceneXml }, { compileModel }, { STATE_SPEC }] = await Promise.all([import('../sim/panda-model.ts'), import('../sim/mujoco-runtime.ts'), import('../sim/arm-sim.ts')]);
    const xml = pandaSceneXml();
    const { mujoco, model: m } = await compileModel(xml);
    return { xml, size: mujoco.mj_stateSize(m, STATE_SPEC as never), spec: STATE_SPEC };
  })();
  return model;
}

/**
 * The recorded simulator states of an episode's exported steps as one [T, D] float64 array, or
 * why there is none: a step without a state (a real robot, or a journal from before states were
 * recorded), or states of another length than the simulated scene's.
 */
export function stackStates(steps: readonly Step[], m: SimStateModel): { data: Float64Array; shape: [number, number] } | { missing: string } {
  const data = new Float64Array(steps.length * m.size);
  for (let k = 0; k < steps.length; k++) {
    const s = steps[k].physicsState;
    if (!s) return { missing: `step ${steps[k].step} has no simulator state` };
    if (s.length !== m.size) return { missing: `step ${steps[k].step} has a state of ${s.length} numbers, the simulated scene's has ${m.size}` };
    data.set(s, k * m.size);
  }
  return { data, shape: [steps.length, m.size] };
}
