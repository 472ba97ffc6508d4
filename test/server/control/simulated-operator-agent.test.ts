import { describe, expect, it } from 'vitest';
import { fromActingSource } from '../../../server/control/action-source.ts';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop } from '../../../server/control/control-loop.ts';
import { SimulatedOperatorAgent } from '../../../server/control/simulated-operator-agent.ts';
import { SimBridge } from '../../../server/robots/sim-bridge.ts';
import { labelSteps } from '../../../recordings/step-labels.ts';
import { ScriptedExpert } from '../../../sim/scripted-expert.ts';
import { SimulatedOperator, type OperatorKnobs } from '../../../sim/simulated-operator.ts';
import { MemoryRecorder } from '../support/memory-recorder.ts';

const limits = { workspaceMin: [0.1, -0.6, 0.0] as const, workspaceMax: [0.9, 0.6, 0.8] as const, maxEeStep: 0.05 };

async function supervisedEpisode(rewind: boolean, knobs: Partial<OperatorKnobs> = {}) {
  const bridge = await SimBridge.create({ id: 'sim', task: 'place', seed: 11 });
  await bridge.connect();
  const clock = new ManualClock();
  const recorder = new MemoryRecorder();
  // TEST DOUBLE policy: never moves and keeps the gripper half shut (a policy that stalls), so only
  // the operator can succeed
  const frozen = fromActingSource({ name: 'frozen', act: () => [0, 0, 0, 0, 0, 0, 0] }, 'frozen-v1');
  const loop = new ControlLoop({
    robotId: 'sim', bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20, recorder, policy: frozen,
    task: 'place', seed: 11, stepLimit: 400, autoReset: false, newEpisodeId: () => 'ep',
  });
  const agent = new SimulatedOperatorAgent(loop, new SimulatedOperator('place', { rewind, rewindSeconds: 1, ...knobs }, { seed: 3 }));
  loop.start();
  for (let i = 0; i < 400 && !loop.episode?.outcome; i++) {
    clock.advance(loop.dt);
    loop.tick();
  }
  return { loop, agent, recorder };
}

describe('SimulatedOperatorAgent', () => {
  it('takes over a stalled policy through the operator interface and finishes the task', async () => {
    const { loop, agent, recorder } = await supervisedEpisode(false);
    expect(agent.stats.interventions).toBeGreaterThanOrEqual(1);
    expect(agent.stats.refusals).toBe(0);
    expect(loop.episode?.outcome).toBe('success');
    const operatorSteps = recorder.steps.filter((s) => s.source === 'operator');
    expect(operatorSteps.length).toBe(agent.stats.operatorSteps);
    expect(operatorSteps.every((s) => s.operatorId === 'sim-operator' && s.mode === 'INTERVENING')).toBe(true);
    const labels = labelSteps(recorder.steps, recorder.events.map((e) => e.e), 'policy');
    expect(labels.filter((l) => l.cls === 'intervention').length).toBe(operatorSteps.length);
    expect(labels.some((l) => l.cls === 'pre_intervention')).toBe(true);
    const modes = recorder.events.map((e) => e.e).filter((e) => e.type === 'mode').map((e) => `${e.from}->${e.to}`);
    expect(modes).toContain('AUTONOMOUS->INTERVENING');
  });

  it('gives a new episode to the policy when the last one ended under its correction', async () => {
    const { loop, agent, recorder } = await supervisedEpisode(false);
    // the task was finished by the correction: the take-over outlives the episode
    expect(loop.episode?.outcome).toBe('success');
    expect([loop.mode, loop.lease]).toEqual(['INTERVENING', 'sim-operator']);
    loop.resetEpisode(12);
    loop.tick();
    expect([loop.mode, loop.lease]).toEqual(['AUTONOMOUS', null]);
    expect(recorder.steps.at(-1)).toMatchObject({ step: 0, source: 'policy', mode: 'AUTONOMOUS', operatorId: null });
    expect(agent.stats.refusals).toBe(0);
  });

  it('rewinds before correcting when its knob says so, and the undone steps are labelled rewound', async () => {
    const { agent, recorder, loop } = await supervisedEpisode(true);
    expect(agent.stats.rewinds).toBeGreaterThanOrEqual(1);
    const rewind = recorder.events.map((e) => e.e).find((e) => e.type === 'rewind');
    expect(rewind).toMatchObject({ how: 'restore', by: 'sim-operator' });
    const labels = labelSteps(recorder.steps, recorder.events.map((e) => e.e), 'policy');
    expect(labels.filter((l) => l.cls === 'rewound').length).toBeGreaterThanOrEqual(15); // ~1 s at 20 Hz
    expect(loop.episode?.outcome).toBe('success');
  });

  it('with correction noise the arm runs noisy corrections and each records the clean action as its label', async () => {
    const { loop, recorder } = await supervisedEpisode(false, { correctionNoise: 0.3 });
    expect(loop.episode?.outcome).toBe('success');
    const operatorSteps = recorder.steps.filter((s) => s.source === 'operator');
    expect(operatorSteps.length).toBeGreaterThan(20);
    expect(operatorSteps.every((s) => s.label?.length === 7)).toBe(true);
    expect(recorder.steps.filter((s) => s.source !== 'operator').every((s) => s.label === undefined)).toBe(true);
    // the noise went to the arm, not into the label: they differ on the motion at (almost) every step
    const differs = operatorSteps.filter((s) => s.label!.slice(0, 6).some((v, i) => Math.abs(v - s.executed![i]) > 1e-6)).length;
    expect(differs).toBeGreaterThan(0.9 * operatorSteps.length);
    // the label is the expert's action on the recorded state: replayed through every correction stretch
    const expert = new ScriptedExpert('place', { controlHz: 20 });
    let prev = -2;
    for (const s of operatorSteps) {
      if (s.step !== prev + 1) expert.reset(); // a new take-over: the person's expert starts afresh
      prev = s.step;
      const want = expert.act({ ...s.obs, t: s.t } as never);
      expect(s.label!.map((v) => +v.toFixed(9))).toEqual(Array.from(want, (v) => +v.toFixed(9)));
    }
  });
});
