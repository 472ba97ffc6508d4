import type { FeatureSpec } from '../../policies/observation-features.ts';
import { TakeoverError } from '../errors.ts';
import type { RobotBridge } from './robot-bridge.ts';

/** What a robot's observations can hold: the joint count, the objects it has a source for, their frame. */
export interface ObservationSupply {
  jointCount: number;
  objects: string[];
  /** the frame object poses and the EE pose are expressed in ('base': the robot's own base frame, whatever its name) */
  frame: string;
}

/**
 * What a policy version reads from observations, derived from its manifest's feature spec:
 * poses are in the robot's base frame (core/observation.ts), as the simulator recorded them.
 */
export interface ObservationNeeds {
  featureSpecVersion: number;
  jointCount: number;
  objects: string[];
  frame: 'base';
}

/** A bridge that declares its observation sources (a real arm, where objects come from perception). */
export interface SupplyingBridge extends RobotBridge {
  observationSupply(): ObservationSupply;
}

function isSupplying(b: RobotBridge): b is SupplyingBridge {
  return typeof (b as Partial<SupplyingBridge>).observationSupply === 'function';
}

/** The bridge's declared sources, or what its observation holds now (simulators know their task's objects). */
export function observationSupplyOf(b: RobotBridge): ObservationSupply {
  if (isSupplying(b)) return b.observationSupply();
  const o = b.observe();
  return { jointCount: o.q.length, objects: o.objects.map((x) => x.name), frame: 'base' };
}

/** The observation a version needs, from its feature spec. */
export function observationNeeds(spec: FeatureSpec): ObservationNeeds {
  return { featureSpecVersion: spec.version, jointCount: spec.jointCount, objects: [...spec.objects], frame: 'base' };
}

/** What the robot lacks for the policy, one phrase each (empty: it fits). */
export function missingInputs(needs: ObservationNeeds, supply: ObservationSupply): string[] {
  const missing: string[] = [];
  if (needs.frame !== supply.frame) missing.push(`object poses in frame '${supply.frame}' where the policy reads '${needs.frame}'`);
  if (needs.jointCount !== supply.jointCount) missing.push(`${supply.jointCount} joints where the policy reads ${needs.jointCount}`);
  for (const o of needs.objects) if (!supply.objects.includes(o)) missing.push(`no source for object '${o}'`);
  return missing;
}

/**
 * Refuses (TKO_ERR_POLICY_INCOMPATIBLE) a policy the robot cannot feed, naming everything missing,
 * e.g. "robot 'arm0' cannot run policy 'default': no source for object 'cube'".
 */
export function checkPolicyFits(robotId: string, version: string, spec: FeatureSpec, supply: ObservationSupply): void {
  const missing = missingInputs(observationNeeds(spec), supply);
  if (missing.length === 0) return;
  const hint = missing.some((m) => m.startsWith('no source')) ? ` (a ROS arm maps object poses from perception in ros.objects, docs/ros.md)` : '';
  throw new TakeoverError('TKO_ERR_POLICY_INCOMPATIBLE', `robot '${robotId}' cannot run policy '${version}': ${missing.join('; ')}${hint}`);
}
