import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { HelpRequestSchema } from '../../../protocol/messages.ts';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlLoop, type ControlLoopOptions, type LoopEvent } from '../../../server/control/control-loop.ts';
import type { ActionSource } from '../../../server/control/action-source.ts';
import type { Actor } from '../../../server/control/arbiter.ts';
import { HelpMonitor } from '../../../server/control/help-monitor.ts';
import { executeCommand } from '../../../server/control/robot-command.ts';
import { MockBridge } from '../../../server/robots/mock-bridge.ts';
import { MemoryRecorder } from '../support/memory-recorder.ts';

const alice: Actor = { operatorId: 'alice', role: 'operator' };
const limits = { workspaceMin: [0.2, -0.4, 0.05] as const, workspaceMax: [0.8, 0.4, 0.7] as const, maxEeStep: 0.05 };

/** TEST DOUBLE policy: a constant action and whatever uncertainty score the test sets. */
function scoredPolicy() {
  const p = {
    score: 0.1,
    /** the ensemble disagreement to report (null: a version without ensemble heads) */
    ensemble: null as number | null,
    name: 'scored', version: 'test-v1',
    propose: () => [0.5, 0, 0, 0, 0, 0, -1],
    uncertainty: () => ({
      score: p.score, threshold: 1, method: 'nearest-training-state',
      ...(p.ensemble === null ? {} : { ensemble: { score: p.ensemble, threshold: 0.3, method: 'ensemble-disagreement' } }),
    }),
  };
  return p satisfies ActionSource & { score: number; ensemble: number | null };
}

async function setup(help: ControlLoopOptions['help']) {
  const clock = new ManualClock();
  const bridge = new MockBridge({ id: 'r1' });
  await bridge.connect();
  const recorder = new MemoryRecorder();
  const policy = scoredPolicy();
  let n = 0;
  const loop = new ControlLoop({
    robotId: 'r1', bridge, kinematics: bridge.kinematics, limits, clock, rateHz: 20, recorder, policy,
    task: 'reach', seed: 7, newEpisodeId: () => `ep${n++}`, help,
  });
  const events: LoopEvent[] = [];
  loop.on('event', (e) => events.push(e));
  loop.start();
  const run = (ticks: number) => {
    for (let i = 0; i < ticks; i++) {
      clock.advance(loop.dt);
      loop.tick();
    }
  };
  const helpEvents = () => events.filter((e) => e.type === 'help');
  return { clock, bridge, recorder, loop, run, policy, helpEvents };
}

describe('HelpMonitor', () => {
  const s = (score: number) => ({ score, threshold: 1, method: 'm' });

  it('raises after minTicks consecutive ticks above the threshold, not on a single spike', () => {
    const m = new HelpMonitor({ minTicks: 3 });
    expect(m.tick(s(2), 0, 0, true)).toBeNull();
    expect(m.tick(s(0.5), 0.05, 0, true)).toBeNull();
    expect(m.tick(s(2), 0.1, 0, true)).toBeNull();
    expect(m.tick(s(2), 0.15, 0, true)).toBeNull();
    expect(m.tick(s(2), 0.2, 1234, true)).toBe('raised');
    expect(m.open).toMatchObject({ score: 2, threshold: 1, since: 1234, action: 'notify' });
  });

  it('after a request closes, raises again only once the score was back below for minTicks', () => {
    const m = new HelpMonitor({ minTicks: 2 });
    m.tick(s(2), 0, 0, true);
    expect(m.tick(s(2), 0, 0, true)).toBe('raised');
    m.close();
    for (let i = 0; i < 5; i++) expect(m.tick(s(2), 0, 0, true)).toBeNull();
    m.tick(s(0.5), 0, 0, true);
    m.tick(s(0.5), 0, 0, true);
    m.tick(s(2), 0, 0, true);
    expect(m.tick(s(2), 0, 0, true)).toBe('raised');
  });

  it('with rearmS: after a request closes, none until the policy has driven that long (time held by the operator does not count); a new episode clears it', () => {
    const m = new HelpMonitor({ minTicks: 1, rearmS: 2 });
    expect(m.tick(s(2), 0, 0, true)).toBe('raised');
    m.close(); // taken over at t = 0
    // the operator holds the robot for 10 s: not scoring, so the quiet time does not run
    for (let t = 0.5; t <= 10; t += 0.5) expect(m.tick(s(2), t, 0, false)).toBeNull();
    // handed back at 10 s, the score dips and rises again: still quiet for 2 s of driving
    expect(m.tick(s(0.5), 10, 0, true)).toBeNull();
    for (let t = 10.5; t < 11.9; t += 0.5) expect(m.tick(s(2), t, 0, true)).toBeNull();
    expect(m.tick(s(2), 12, 0, true)).toBe('raised');
    m.close();
    m.reset();
    expect(m.tick(s(2), 12.05, 0, true)).toBe('raised');
  });

  it('while a request is open and the policy drives: marks it over: false after minTicks under the threshold, over again after minTicks above; a held robot keeps its last word', () => {
    const m = new HelpMonitor({ minTicks: 2 });
    m.tick(s(2), 0, 0, true);
    expect(m.tick(s(2), 0.05, 0, true)).toBe('raised');
    expect(m.open).not.toHaveProperty('over');
    m.tick(s(0.5), 0.1, 0, true);
    expect(m.open).not.toHaveProperty('over'); // one tick under is a dip, not a recovery
    m.tick(s(0.5), 0.15, 0, true);
    expect(m.open).toMatchObject({ over: false, score: 2 }); // the score that raised it stays
    m.tick(s(2), 0.2, 0, false); // held (not driving): not scored
    m.tick(s(2), 0.25, 0, false);
    expect(m.open?.over).toBe(false);
    m.tick(s(2), 0.3, 0, true);
    expect(m.open?.over).toBe(false);
    m.tick(s(2), 0.35, 0, true);
    expect(m.open).not.toHaveProperty('over');
    expect(Value.Check(HelpRequestSchema, m.open)).toBe(true);
  });

  it('does not score while the policy is not driving, and times out an unanswered request', () => {
    const m = new HelpMonitor({ minTicks: 1, timeoutS: 5 });
    expect(m.tick(s(2), 0, 0, false)).toBeNull();
    expect(m.tick(null, 0, 0, true)).toBeNull();
    expect(m.tick(s(2), 1, 0, true)).toBe('raised');
    expect(m.tick(s(2), 5.9, 0, true)).toBeNull();
    expect(m.tick(s(2), 6, 0, true)).toBe('timed_out');
    expect(m.open).toBeNull();
  });

  it('with an ensemble: raises when either score stays above its own threshold, and names the one that crossed', () => {
    const both = (novelty: number, ensemble: number) => ({ score: novelty, threshold: 1, method: 'nearest-training-state', ensemble: { score: ensemble, threshold: 0.12, method: 'ensemble-disagreement' } });
    const m = new HelpMonitor({ minTicks: 5 });
    for (let i = 0; i < 4; i++) expect(m.tick(both(0.5, 0.41), i, 0, true)).toBeNull();
    expect(m.tick(both(0.5, 0.41), 4, 0, true)).toBe('raised');
    expect(m.open).toMatchObject({ reason: 'ensemble disagreement 0.410 > 0.120 for 5 ticks', score: 0.41, threshold: 0.12 });
    m.reset();
    for (let i = 0; i < 4; i++) m.tick(both(1.5, 0.05), i, 0, true);
    expect(m.tick(both(1.5, 0.05), 4, 0, true)).toBe('raised');
    expect(m.open!.reason).toBe('nearest-training-state novelty 1.500 > 1.000 for 5 ticks');
    // both above: the one further over its threshold (relative) is named
    const k = new HelpMonitor({ minTicks: 1 });
    k.tick(both(1.1, 0.6), 0, 0, true);
    expect(k.open!.reason).toMatch(/^ensemble disagreement 0\.600/);
  });

  it('a score that does not raise (policy.json help.raise) is ignored, however high', () => {
    const m = new HelpMonitor({ minTicks: 1 });
    const recordedOnly = { score: 9, threshold: 1, method: 'nearest-training-state', raises: false, ensemble: { score: 0.05, threshold: 0.12, method: 'ensemble-disagreement', raises: true } };
    for (let i = 0; i < 5; i++) expect(m.tick(recordedOnly, i, 0, true)).toBeNull();
    expect(m.tick({ ...recordedOnly, ensemble: { ...recordedOnly.ensemble, score: 0.2 } }, 5, 0, true)).toBe('raised');
    expect(m.open!.reason).toMatch(/^ensemble disagreement/);
    const n = new HelpMonitor({ minTicks: 1 });
    expect(n.tick({ score: 0.5, threshold: 1, method: 'nearest-training-state', ensemble: { score: 9, threshold: 0.1, method: 'ensemble-disagreement', raises: false } }, 0, 0, true)).toBeNull();
  });
});

describe('help requests in the control loop', () => {
  it('a version without scores never asks', async () => {
    const t = await setup({ minTicks: 1 });
    (t.policy as { uncertainty?: unknown }).uncertainty = undefined;
    t.run(20);
    expect(t.loop.help.open).toBeNull();
    expect(t.recorder.steps.every((st) => st.helpScore === undefined && st.helpOpen === undefined)).toBe(true);
  });

  it('the status carries both scores of the last tick; the ensemble score is null for a version without heads', async () => {
    const t = await setup({ action: 'notify' });
    t.run(2);
    expect(t.loop.status()).toMatchObject({ helpScore: 0.1, helpEnsembleScore: null });
    t.policy.ensemble = 0.25;
    t.run(1);
    expect(t.loop.status()).toMatchObject({ helpScore: 0.1, helpEnsembleScore: 0.25 });
    (t.policy as { uncertainty?: unknown }).uncertainty = undefined;
    t.run(1);
    expect(t.loop.status()).toMatchObject({ helpScore: null, helpEnsembleScore: null });
  });

  it("notify: raises with a reason, records score, event and open steps; a take-over answers it", async () => {
    const t = await setup({ action: 'notify', minTicks: 2 });
    t.run(3);
    expect(t.loop.help.open).toBeNull();
    t.policy.score = 1.7;
    t.run(2);
    expect(t.loop.help.open).toMatchObject({ score: 1.7, threshold: 1, action: 'notify' });
    expect(t.loop.help.open!.reason).toMatch(/novelty 1\.700 > 1\.000/);
    expect(t.loop.mode).toBe('AUTONOMOUS');
    expect(t.loop.status().help).toMatchObject({ score: 1.7 });
    expect(t.helpEvents()).toMatchObject([{ type: 'help', robot: 'r1', state: 'raised', action: 'notify' }]);
    expect(t.recorder.steps.at(-1)).toMatchObject({ helpScore: 1.7, helpOpen: true });
    expect(t.recorder.steps[0]).toMatchObject({ helpScore: 0.1 });
    expect(t.recorder.steps[0].helpOpen).toBeUndefined();
    expect(t.loop.request({ type: 'take_over', actor: alice })).toBeNull();
    expect(t.loop.help.open).toBeNull();
    expect(t.helpEvents().at(-1)).toMatchObject({ state: 'closed', answer: 'taken_over', by: 'alice' });
    const ev = t.recorder.events.map((x) => x.e).filter((e) => e.type === 'help');
    expect(ev.map((e) => e.state)).toEqual(['raised', 'closed']);
    expect(ev[1]).toMatchObject({ answer: 'taken_over', by: 'alice' });
  });

  it('slow: scales the motion of the proposal while the request is open (the gripper is kept)', async () => {
    const t = await setup({ action: 'slow', slowScale: 0.2, minTicks: 1 });
    t.run(1);
    expect(t.recorder.steps.at(-1)!.executed).toEqual([0.5, 0, 0, 0, 0, 0, -1]);
    t.policy.score = 3;
    t.run(2);
    expect(t.loop.help.open?.action).toBe('slow');
    expect(t.recorder.steps.at(-1)!.executed).toEqual([0.1, 0, 0, 0, 0, 0, -1]);
    expect(t.recorder.steps.at(-1)!.proposed).toEqual([0.5, 0, 0, 0, 0, 0, -1]);
  });

  it('pause: holds in PAUSED with the reason; dismiss_help resumes the policy', async () => {
    const t = await setup({ action: 'pause', minTicks: 1 });
    t.policy.score = 2;
    t.run(1);
    expect(t.loop.mode).toBe('PAUSED');
    expect(t.loop.modeReason).toMatch(/^help: /);
    t.run(3);
    expect(t.recorder.steps.at(-1)).toMatchObject({ mode: 'PAUSED', source: 'none', executed: null, helpOpen: true });
    expect(executeCommand(t.loop, alice, { type: 'dismiss_help', robot: 'r1' })).toBeNull();
    expect(t.loop.mode).toBe('AUTONOMOUS');
    expect(t.loop.help.open).toBeNull();
    expect(t.helpEvents().at(-1)).toMatchObject({ state: 'closed', answer: 'dismissed', by: 'alice' });
    // still unfamiliar: not raised again at once after a dismissal
    t.run(5);
    expect(t.loop.mode).toBe('AUTONOMOUS');
    expect(executeCommand(t.loop, alice, { type: 'dismiss_help', robot: 'r1' })).toMatchObject({ code: 'TKO_ERR_BAD_TRANSITION' });
  });

  it('times out an unanswered request and closes one when the episode ends', async () => {
    const t = await setup({ action: 'notify', minTicks: 1, timeoutS: 0.5 });
    t.policy.score = 2;
    t.run(1);
    expect(t.loop.help.open).not.toBeNull();
    t.run(12);
    expect(t.helpEvents().find((e) => e.state === 'closed')).toMatchObject({ answer: 'timed_out', by: null });
    t.policy.score = 0.1;
    t.run(2);
    t.policy.score = 2;
    t.run(1);
    expect(t.loop.help.open).not.toBeNull();
    t.loop.resetEpisode();
    expect(t.helpEvents().at(-1)).toMatchObject({ state: 'closed', answer: 'episode_end' });
    expect(t.loop.help.open).toBeNull();
  });

  it('pause: an episode that ends while its robot waits for help does not leave the next one paused', async () => {
    const t = await setup({ action: 'pause', minTicks: 1 });
    t.policy.score = 2;
    t.run(1);
    expect(t.loop.mode).toBe('PAUSED');
    t.loop.resetEpisode();
    expect(t.helpEvents().at(-1)).toMatchObject({ state: 'closed', answer: 'episode_end' });
    // the request went with its episode, and so does the pause it caused: the policy drives the next
    expect(t.loop.mode).toBe('AUTONOMOUS');
    expect(t.loop.modeReason).toBe('help request closed with its episode');
    t.policy.score = 0.1;
    t.run(2);
    expect(t.recorder.steps.at(-1)).toMatchObject({ mode: 'AUTONOMOUS', source: 'policy' });
    // an operator's own pause is not lifted by a new episode
    expect(executeCommand(t.loop, alice, { type: 'pause', robot: 'r1' })).toBeNull();
    t.loop.resetEpisode();
    expect(t.loop.mode).toBe('PAUSED');
  });
});
