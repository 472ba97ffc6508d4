import type { SeededRandom } from '../../core/seeded-random.ts';
import type { Task } from './task.ts';
import { cubeObjects, placeCubeRandomly } from './cube-placement.ts';

/** Pick the cube and put it down on the target marker, released. */
export const placeTask: Task = {
  name: 'place',
  maxSeconds: 15,
  reset(scene, rng) {
    const [cx, cy] = placeCubeRandomly(scene, rng);
    // target at least 12 cm from the cube, in the same reachable area
    let tx = 0;
    let ty = 0;
    do {
      tx = rng.uniform(0.4, 0.6);
      ty = rng.uniform(-0.2, 0.2);
    } while (Math.hypot(tx - cx, ty - cy) < 0.12);
    scene.setTarget([tx, ty, 0.001]);
    scene.setGoal([0.3, 0.45, 0.5]);
  },
  objects(scene) {
    return cubeObjects(scene, true);
  },
  success(scene) {
    const c = scene.cubePose().pos;
    const t = scene.targetPos();
    const onTarget = Math.hypot(c[0] - t[0], c[1] - t[1]) < 0.03;
    const resting = c[2] < 0.03;
    return onTarget && resting && !scene.cubeGrasped();
  },
};
