import { ACTION_DIM, DEFAULT_ACTION_SCALE, type ActionScale } from '../core/action.ts';
import type { Observation } from '../core/observation.ts';
import type { ActionSource } from './action-source.ts';
import { CUBE_HALF } from './panda-model.ts';
import { orientationError, quatMul, quatYaw, yawQuat } from './quat.ts';
import type { TaskName } from './tasks/task.ts';

/** EE pointing straight down (180 deg about x), fingers along world y. */
const DOWN = [0, 1, 0, 0];
const HOVER_Z = 0.12;
const CARRY_Z = 0.15;
const LIFT_Z = 0.19;
const ALIGN_XY = 0.008;
const GAIN = 0.6;

/**
 * A reactive scripted expert (EE-delta actions at the control rate). It decides from the
 * observation alone which phase it is in (approach, descend, grasp, carry, place, release), so it
 * can take over from any state: the simulated operator corrects with it mid-episode.
 */
export class ScriptedExpert implements ActionSource {
  readonly name = 'scripted-expert';
  readonly #task: TaskName;
  readonly #scale: ActionScale;
  readonly #dt: number;
  readonly #out = new Float64Array(ACTION_DIM);
  readonly #goalQuat = new Float64Array(4);
  readonly #rot = new Float64Array(3);
  #phase = 'start';

  constructor(task: TaskName, { controlHz = 20, scale = DEFAULT_ACTION_SCALE }: { controlHz?: number; scale?: ActionScale } = {}) {
    this.#task = task;
    this.#scale = scale;
    this.#dt = 1 / controlHz;
  }

  /** The phase chosen at the last call (for logs and the simulated operator). */
  get phase(): string {
    return this.#phase;
  }

  reset(): void {
    this.#phase = 'start';
  }

  act(obs: Observation): Float64Array {
    if (this.#task === 'reach') {
      const goal = obs.objects.find((o) => o.name === 'goal');
      return this.#moveTo(obs, goal ? goal.pos : obs.eePos, 0, -1, 'reach');
    }
    const cube = obs.objects.find((o) => o.name === 'cube');
    if (!cube) return this.#hold(obs, 'no-cube');
    const target = obs.objects.find((o) => o.name === 'target');
    const e = obs.eePos;
    const c = cube.pos;
    const yaw = wrapQuarter(quatYaw(cube.quat));
    const held = isHeld(obs, c);
    const xyToCube = Math.hypot(c[0] - e[0], c[1] - e[1]);

    if (this.#task === 'place' && target) {
      const xyCubeTarget = Math.hypot(c[0] - target.pos[0], c[1] - target.pos[1]);
      const cubeDown = c[2] < CUBE_HALF + 0.006;
      if (xyCubeTarget < 0.02 && cubeDown && (held || obs.gripper < 0.075)) {
        return this.#moveTo(obs, [e[0], e[1], e[2]], yaw, -1, 'release');
      }
      if (xyCubeTarget < 0.02 && cubeDown) return this.#moveTo(obs, [e[0], e[1], CARRY_Z], yaw, -1, 'retreat');
      if (held) {
        const xyEeTarget = Math.hypot(target.pos[0] - e[0], target.pos[1] - e[1]);
        if (xyEeTarget > ALIGN_XY * 1.5) {
          const z = e[2] < CARRY_Z - 0.03 ? CARRY_Z : CARRY_Z;
          // climb before travelling so the cube does not drag across the table
          if (e[2] < CARRY_Z - 0.04) return this.#moveTo(obs, [e[0], e[1], z], yaw, 1, 'lift');
          return this.#moveTo(obs, [target.pos[0], target.pos[1], z], yaw, 1, 'carry');
        }
        return this.#moveTo(obs, [target.pos[0], target.pos[1], CUBE_HALF + 0.004], yaw, 1, 'lower');
      }
    }
    if (this.#task === 'lift' && held) return this.#moveTo(obs, [e[0], e[1], LIFT_Z], yaw, 1, 'lift');
    return this.#grasp(obs, c, yaw, xyToCube);
  }

  /** Approach from above, descend, close. */
  #grasp(obs: Observation, c: ArrayLike<number>, yaw: number, xyToCube: number): Float64Array {
    const e = obs.eePos;
    const yawErr = Math.abs(wrapHalf(quatYaw(obs.eeQuat) - yaw - Math.PI * 0));
    const aligned = xyToCube < ALIGN_XY && yawErr < 0.08;
    const atGraspHeight = Math.abs(e[2] - c[2]) < 0.01;
    if (atGraspHeight && xyToCube < ALIGN_XY * 1.5) {
      // fingers closed on nothing: open and start over
      if (obs.gripper < 2 * CUBE_HALF * 0.7) return this.#moveTo(obs, [e[0], e[1], HOVER_Z], yaw, -1, 'regrasp');
      return this.#moveTo(obs, [c[0], c[1], c[2]], yaw, 1, 'close');
    }
    if (obs.gripper < 0.07 && !atGraspHeight) {
      return this.#moveTo(obs, [e[0], e[1], Math.max(e[2], HOVER_Z)], yaw, -1, 'open');
    }
    if (!aligned) {
      // only descend once above the cube; otherwise travel at hover height
      const z = xyToCube < 0.03 ? Math.max(c[2] + 0.04, Math.min(e[2], HOVER_Z)) : HOVER_Z;
      return this.#moveTo(obs, [c[0], c[1], z], yaw, -1, 'approach');
    }
    return this.#moveTo(obs, [c[0], c[1], c[2]], yaw, -1, 'descend');
  }

  #hold(obs: Observation, phase: string): Float64Array {
    return this.#moveTo(obs, obs.eePos, quatYaw(obs.eeQuat), 0, phase);
  }

  /** P-control towards a position and a downward orientation with the given yaw. */
  #moveTo(obs: Observation, goal: ArrayLike<number>, yaw: number, gripper: number, phase: string): Float64Array {
    this.#phase = phase;
    const out = this.#out;
    const tStep = this.#scale.translation * this.#dt;
    for (let i = 0; i < 3; i++) out[i] = clip((GAIN * (goal[i] - obs.eePos[i])) / tStep);
    quatMul(yawQuat(yaw), DOWN, this.#goalQuat);
    orientationError(this.#goalQuat, obs.eeQuat, this.#rot);
    const rStep = this.#scale.rotation * this.#dt;
    for (let i = 0; i < 3; i++) out[3 + i] = clip((GAIN * this.#rot[i]) / rStep);
    out[6] = gripper;
    return out;
  }
}

function clip(v: number): number {
  return Number.isFinite(v) ? Math.max(-1, Math.min(1, v)) : 0;
}

/** Wraps an angle to [-pi/4, pi/4]: the cube looks the same every quarter turn. */
function wrapQuarter(a: number): number {
  const q = Math.PI / 2;
  return a - q * Math.round(a / q);
}

function wrapHalf(a: number): number {
  return Math.atan2(Math.sin(a), Math.cos(a));
}

/** The cube sits between the closed fingers (from the observation alone). */
export function isHeld(obs: Observation, cubePos: ArrayLike<number>): boolean {
  const e = obs.eePos;
  const d = Math.hypot(cubePos[0] - e[0], cubePos[1] - e[1], cubePos[2] - e[2]);
  return d < 0.02 && obs.gripper > 2 * CUBE_HALF * 0.75 && obs.gripper < 2 * CUBE_HALF + 0.008;
}
