import { Value } from '@sinclair/typebox/value';
import { describe, expect, it } from 'vitest';
import { RobotConfigSchema } from '../../../../server/config/config-schema.ts';
import { createRobot } from '../../../../server/robots/registry.ts';
import { RosBridge } from '../../../../server/robots/ros-bridge.ts';
import { PANDA_ARM_JOINTS, PANDA_URDF } from './panda-fixture.ts';
import { RosbridgeTestServer } from './rosbridge-test-server.ts';

describe("robot kind 'ros' in the config and registry", () => {
  it('validates a ros robot and builds a RosBridge with kinematics and a default safety box', async () => {
    const server = await RosbridgeTestServer.start({ joints: PANDA_ARM_JOINTS, controllers: [], params: { robot_description: PANDA_URDF }, rosVersion: 1 });
    try {
      const cfg = {
        id: 'panda', kind: 'ros' as const,
        ros: { url: server.url, rosVersion: 1, jointNames: PANDA_ARM_JOINTS, command: { interface: 'trajectory_controller', topic: '/jtc/joint_trajectory' }, urdf: { param: 'robot_description' }, eeLink: 'panda_hand_tcp' },
      };
      expect(Value.Check(RobotConfigSchema, cfg)).toBe(true);
      expect(Value.Check(RobotConfigSchema, { ...cfg, ros: { ...cfg.ros, command: { interface: 'effort' } } })).toBe(false);
      const parts = await createRobot(cfg as never, { controlRateHz: 20, actionScale: { translation: 0.25, rotation: 1.5 } });
      expect(parts.bridge).toBeInstanceOf(RosBridge);
      expect(parts.kinematics.dof).toBe(7);
      expect(parts.policy).toBeNull();
      const l = parts.defaultLimits;
      expect(l.workspaceMax[0]).toBeGreaterThan(1.2); // the Panda's reach bound
      expect(l.workspaceMin[2]).toBe(0.02);
      await parts.bridge.disconnect();
      await expect(createRobot({ id: 'x', kind: 'ros' } as never, { controlRateHz: 20, actionScale: { translation: 0.25, rotation: 1.5 } })).rejects.toThrow(/needs a 'ros' section/);
    } finally {
      await server.close();
    }
  });
});
