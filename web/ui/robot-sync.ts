import type { RobotInfo, StateMessage } from '../../protocol/messages.ts';
import { unobservedBodies } from '../scene/body-poses-from-observation.ts';
import type { RobotSlot } from '../scene/console-scene.ts';
import { ghostPose } from '../scene/ghost-pose.ts';
import { RobotModel } from '../scene/robot-model.ts';

/**
 * Applies a state frame to a robot in the scene: body poses (geoms models) or joint values (URDF
 * models), and the ghost of the policy's proposed motion. Bodies that take their pose from an
 * object the task does not observe (the reach goal in a place task) are hidden: the sim keeps
 * them at their default, where they would stand in the scene for nothing. Returns false if
 * nothing changed.
 */
export function applyState(slot: RobotSlot, info: RobotInfo, s: StateMessage, lastSeq: Map<string, number>): boolean {
  if (lastSeq.get(slot.id) === s.seq) return false;
  lastSeq.set(slot.id, s.seq);
  if (s.bodies) slot.model.applyBodyPoses(s.bodies);
  const kin = info.model?.format === 'geoms' ? info.model.kinematics : undefined;
  if (kin && slot.model instanceof RobotModel && kin.length === slot.model.bodies.length) {
    const hidden = unobservedBodies(kin, s);
    slot.model.bodies.forEach((b, i) => (b.visible = !hidden.has(i)));
  }
  slot.joints?.(info.jointNames, s.q, s.gripper);
  slot.markers.setGhost(s.eePos, s.proposed && s.mode !== 'ESTOP' ? ghostPose(s.eePos, s.eeQuat, s.proposed, info.actionScale) : null);
  return true;
}
