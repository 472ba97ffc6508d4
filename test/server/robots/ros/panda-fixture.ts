import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** TEST FIXTURE: path and text of the Panda URDF written for these tests (fixtures/panda.urdf). */
export const PANDA_URDF_PATH = fileURLToPath(new URL('./fixtures/panda.urdf', import.meta.url));
export const PANDA_URDF = readFileSync(PANDA_URDF_PATH, 'utf8');
export const PANDA_ARM_JOINTS = ['panda_joint1', 'panda_joint2', 'panda_joint3', 'panda_joint4', 'panda_joint5', 'panda_joint6', 'panda_joint7'];
export const PANDA_FINGERS = ['panda_finger_joint1', 'panda_finger_joint2'];
export const PANDA_READY = [0, -Math.PI / 4, 0, (-3 * Math.PI) / 4, 0, Math.PI / 2, Math.PI / 4];
