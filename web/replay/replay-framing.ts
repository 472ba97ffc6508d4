import * as THREE from 'three';
import type { Step } from '../../core/step.ts';
import type { KinematicBody } from '../../protocol/model-description.ts';
import { bodyPosesFromObservation } from '../scene/body-poses-from-observation.ts';
import type { RobotModel } from '../scene/robot-model.ts';

const SAMPLES = 24;

/**
 * The three.js-world box the replay should keep in view: every visible body but the world's
 * (table, floor) at a spread of recorded steps, and the EE path. The view frames the arm, not the table.
 */
export function replayBounds(base: THREE.Object3D, model: RobotModel | null, kinematics: readonly KinematicBody[] | null, steps: readonly Step[]): THREE.Box3 {
  const box = new THREE.Box3();
  base.updateWorldMatrix(true, true);
  const p = new THREE.Vector3();
  for (const s of steps) box.expandByPoint(base.localToWorld(p.set(s.obs.eePos[0], s.obs.eePos[1], s.obs.eePos[2])));
  if (!model) return box;
  const stride = Math.max(1, Math.floor(steps.length / SAMPLES));
  const poses = kinematics ? new Float64Array(7 * kinematics.length) : null;
  for (let i = 0; i < steps.length; i += stride) {
    if (kinematics && poses) {
      try {
        model.applyBodyPoses(bodyPosesFromObservation(kinematics, steps[i].obs, poses));
      } catch {
        continue; // a step with non-finite joints
      }
    }
    model.root.updateMatrixWorld(true);
    model.bodies.forEach((b, k) => {
      if (k > 0 && b.visible) box.expandByObject(b);
    });
  }
  return box;
}
