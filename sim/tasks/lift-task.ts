import type { Task } from './task.ts';
import { cubeObjects, placeCubeRandomly } from './cube-placement.ts';

/** Lift the cube 10 cm off the table. */
export const liftTask: Task = {
  name: 'lift',
  maxSeconds: 10,
  reset(scene, rng) {
    placeCubeRandomly(scene, rng);
    scene.setTarget([0.3, 0.45, 0.001]);
    scene.setGoal([0.3, 0.45, 0.5]);
  },
  objects(scene) {
    return cubeObjects(scene, false);
  },
  success(scene) {
    // resting centre height is 0.025 m; 10 cm up
    return scene.cubePose().pos[2] >= 0.125;
  },
};
