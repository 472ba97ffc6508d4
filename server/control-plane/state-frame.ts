import { isDescribed } from '../robots/bridge-extras.ts';
import type { RobotRuntime } from '../robots/fleet.ts';
import type { StateMessage } from '../../protocol/messages.ts';
import { rateOk } from '../control/loop-status.ts';

const finite = (x: number) => (Number.isFinite(x) ? x : 0);

/** The state frame of a robot after its last tick (fresh arrays: safe to encode later). */
export function buildStateFrame(r: RobotRuntime, wallMs: number): StateMessage {
  const loop = r.loop;
  const obs = loop.obs;
  const ep = loop.episode;
  const frame: StateMessage = {
    type: 'state', robot: r.id, seq: loop.seq, t: obs ? obs.t : 0, wall: wallMs,
    mode: loop.mode, modeReason: loop.modeReason, lease: loop.lease,
    q: obs ? Array.from(obs.q) : [], qd: obs ? Array.from(obs.qd) : [],
    eePos: obs ? Array.from(obs.eePos) : [], eeQuat: obs ? Array.from(obs.eeQuat) : [], gripper: obs ? obs.gripper : 0,
    jointTargets: Array.from(loop.jointTargets),
    proposed: loop.proposed ? Array.from(loop.proposed) : null,
    executed: loop.executed ? Array.from(loop.executed) : null,
    source: loop.source,
    // the step whose start this observation shows (frames are built after the tick counted it)
    episode: ep ? { id: ep.id, index: ep.index, step: Math.max(0, loop.obsStep), seed: ep.seed, task: ep.task } : null,
    clamped: [...loop.clamped],
    objects: obs ? obs.objects.map((o) => ({ name: o.name, pos: [...o.pos], quat: [...o.quat] })) : [],
    rateHz: finite(loop.rate.rateHz),
    rateOk: rateOk(loop.rate.rateHz, 1 / loop.dt),
  };
  // only once a policy has failed: frames of healthy robots stay as small as they were
  if (loop.policyErrors > 0) {
    frame.policyErrors = loop.policyErrors;
    frame.lastPolicyError = loop.lastPolicyError ?? '';
  }
  // only while the policy asks for help: a copy, so the frame can be encoded later
  if (loop.help.open) frame.help = { ...loop.help.open };
  // only for a version with a help model: the fleet view shows them next to each robot
  if (loop.helpScore !== null) frame.helpScore = loop.helpScore;
  if (loop.helpEnsembleScore !== null) frame.helpEnsembleScore = loop.helpEnsembleScore;
  if (loop.helpRiskScore !== null) frame.helpRiskScore = loop.helpRiskScore;
  const b = loop.bridge;
  if (isDescribed(b) && b.isConnected) frame.bodies = b.bodyPoses([]);
  return frame;
}
