import { describe, expect, it } from 'vitest';
import { packRobotModels, unpackRobotModels } from '../../protocol/fleet-models.ts';
import type { RobotInfo, ServerInfoMessage } from '../../protocol/messages.ts';
import type { ModelDescription } from '../../protocol/model-description.ts';

const geoms = (name: string): ModelDescription => ({ format: 'geoms', bodies: [{ name, geoms: [] }] });
const robot = (id: string, kind: string, model: ModelDescription | null): RobotInfo => ({
  id, kind, task: 'place', controlRateHz: 50, jointNames: ['j0'], lower: [-1], upper: [1], velocityLimit: [1],
  gripperRange: [0, 0.08], eeName: 'ee', capabilities: { restoreState: true, gripper: true, simulated: true },
  workspace: { min: [0, 0, 0], max: [1, 1, 1] }, maxEeStep: 0.01, actionScale: { translation: 0.01, rotation: 0.05 }, policy: null, model,
});
const info = (robots: RobotInfo[]): ServerInfoMessage => ({
  type: 'server_info', protocol: 2, server: { name: 'takeover', version: 'x' }, clientId: 'c', operator: { id: 'a', role: 'viewer' },
  heartbeatTimeoutMs: 1000, maxFrameBytes: 65536, ...packRobotModels(robots),
});

describe('robot models in server_info', () => {
  it('sends one copy per distinct model, keyed by kind, and the client rebuilds every robot', () => {
    const shared = geoms('arm');
    const robots = [robot('a0', 'sim', shared), robot('a1', 'sim', geoms('arm')), robot('a2', 'sim', geoms('other')), robot('r0', 'ros', geoms('panda')), robot('m0', 'mock', null)];
    const packed = packRobotModels(robots);
    expect(Object.keys(packed.models)).toEqual(['sim', 'sim#2', 'ros']);
    expect(packed.robots.map((r) => r.modelKey)).toEqual(['sim', 'sim', 'sim#2', 'ros', null]);
    expect(packed.robots.every((r) => !('model' in r))).toBe(true);
    expect(unpackRobotModels(info(robots)).robots).toEqual(robots);
  });

  it('names the robot and the key when server_info lacks a model it references', () => {
    const bad = info([robot('a0', 'sim', geoms('arm'))]);
    bad.models = {};
    expect(() => unpackRobotModels(bad)).toThrow(/robot 'a0' names model 'sim'/);
  });
});
