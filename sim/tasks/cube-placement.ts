import type { SeededRandom } from '../../core/seeded-random.ts';
import type { TaskScene } from './task.ts';

/** Places the cube at a random spot and yaw in the reachable area in front of the arm. */
export function placeCubeRandomly(scene: TaskScene, rng: SeededRandom): [number, number] {
  const x = rng.uniform(0.4, 0.6);
  const y = rng.uniform(-0.15, 0.15);
  scene.setCubePose([x, y, 0.025], rng.uniform(-Math.PI / 4, Math.PI / 4));
  return [x, y];
}

/** Cube and target observations shared by the cube tasks. */
export function cubeObjects(scene: TaskScene, withTarget: boolean) {
  const cube = scene.cubePose();
  const objs = [{ name: 'cube', pos: Array.from(cube.pos), quat: Array.from(cube.quat) }];
  if (withTarget) objs.push({ name: 'target', pos: Array.from(scene.targetPos()), quat: [1, 0, 0, 0] });
  return objs;
}
