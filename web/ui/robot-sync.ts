import type { RobotInfo, StateMessage } from '../../protocol/messages.ts';
import type { RobotSlot } from '../scene/console-scene.ts';
import { ghostPose } from '../scene/ghost-pose.ts';

/**
 * Applies a state frame to a robot in the scene: body poses (geoms models) or joint values (URDF
 * models), and the ghost of the policy's proposed motion. Returns false if nothing changed.
 */
export function applyState(slot: RobotSlot, info: RobotInfo, s: StateMessage, lastSeq: Map<string, number>): boolean {
  if (lastSeq.get(slot.id) === s.seq) return false;
  lastSeq.set(slot.id, s.seq);
  if (s.bodies) slot.model.applyBodyPoses(s.bodies);
  slot.joints?.(info.jointNames, s.q, s.gripper);
  slot.markers.setGhost(s.eePos, s.proposed && s.mode !== 'ESTOP' ? ghostPose(s.eePos, s.eeQuat, s.proposed, info.actionScale) : null);
  return true;
}
