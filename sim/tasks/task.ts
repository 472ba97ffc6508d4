import type { ObjectPose } from '../../core/observation.ts';
import type { SeededRandom } from '../../core/seeded-random.ts';

export type TaskName = 'reach' | 'lift' | 'place';

/** What a task may read and set in the scene (implemented by ArmSim). */
export interface TaskScene {
  setCubePose(pos: ArrayLike<number>, yaw: number): void;
  cubePose(): { pos: Float64Array; quat: Float64Array };
  setTarget(pos: ArrayLike<number>): void;
  targetPos(): Float64Array;
  setGoal(pos: ArrayLike<number>): void;
  goalPos(): Float64Array;
  eePos(): Float64Array;
  /** finger opening, m */
  gripperOpening(): number;
  /** the cube touches both finger pads */
  cubeGrasped(): boolean;
}

/** A task: deterministic scene from a seed, observations of its objects, a success check, a time limit. */
export interface Task {
  readonly name: TaskName;
  /** episode length limit, seconds of robot time */
  readonly maxSeconds: number;
  reset(scene: TaskScene, rng: SeededRandom): void;
  objects(scene: TaskScene): ObjectPose[];
  success(scene: TaskScene): boolean;
}
