import type { SeededRandom } from '../../core/seeded-random.ts';
import type { Task, TaskScene } from './task.ts';

const IDENTITY = [1, 0, 0, 0];

/** Move the EE to a random point above the table; success within 2 cm. */
export const reachTask: Task = {
  name: 'reach',
  maxSeconds: 6,
  reset(scene: TaskScene, rng: SeededRandom) {
    scene.setCubePose([0.3, -0.45, 0.025], 0); // parked out of the way
    scene.setTarget([0.3, 0.45, 0.001]);
    scene.setGoal([rng.uniform(0.35, 0.65), rng.uniform(-0.25, 0.25), rng.uniform(0.1, 0.4)]);
  },
  objects(scene) {
    return [{ name: 'goal', pos: Array.from(scene.goalPos()), quat: [...IDENTITY] }];
  },
  success(scene) {
    const g = scene.goalPos();
    const e = scene.eePos();
    return Math.hypot(g[0] - e[0], g[1] - e[1], g[2] - e[2]) < 0.02;
  },
};
