import { describe, expect, it } from 'vitest';
import * as THREE from 'three';
import { ArmSim } from '../../../sim/arm-sim.ts';
import type { RobotInfo, StateMessage } from '../../../protocol/messages.ts';
import type { ModelDescription } from '../../../protocol/model-description.ts';
import type { RobotSlot } from '../../../web/scene/console-scene.ts';
import { EeMarkers } from '../../../web/scene/ee-markers.ts';
import { flattenModel } from '../../../web/scene/model-geoms.ts';
import { RobotModel } from '../../../web/scene/robot-model.ts';
import { applyState } from '../../../web/ui/robot-sync.ts';

/** A live slot and one state frame of a simulated arm on `task`. */
async function live(task: string) {
  const sim = await ArmSim.create({ task, seed: 2 });
  const model = sim.modelDescription() as unknown as ModelDescription;
  const slot: RobotSlot = { id: 'arm0', base: new THREE.Group(), model: new RobotModel(flattenModel(model)), markers: new EeMarkers() };
  const info = { id: 'arm0', jointNames: [], actionScale: { translation: 0.05, rotation: 0.2 }, model } as unknown as RobotInfo;
  const obs = sim.observe();
  const s = {
    seq: 1, mode: 'AUTONOMOUS', q: Array.from(obs.q), gripper: obs.gripper, eePos: Array.from(obs.eePos), eeQuat: Array.from(obs.eeQuat),
    proposed: null, objects: obs.objects, bodies: Array.from(sim.bodyPoses()),
  } as unknown as StateMessage;
  applyState(slot, info, s, new Map());
  const visible = (name: string) => (slot.model as RobotModel).bodies.find((b) => b.name === name)!.visible;
  return { visible };
}

describe('applyState', () => {
  it('hides the bodies the task does not observe (the reach goal in a place task), shows the rest', async () => {
    const place = await live('place');
    expect(place.visible('goal')).toBe(false);
    expect(place.visible('cube')).toBe(true);
    expect(place.visible('target')).toBe(true);
    expect(place.visible('link0')).toBe(true);
    expect(place.visible('hand')).toBe(true);
    const reach = await live('reach');
    expect(reach.visible('goal')).toBe(true);
    expect(reach.visible('cube')).toBe(false);
    expect(reach.visible('target')).toBe(false);
  });
});
