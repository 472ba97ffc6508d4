import { beforeAll, describe, expect, it } from 'vitest';
import type { Observation } from '../../core/observation.ts';
import type { ActionSource } from '../../sim/action-source.ts';
import { ScriptedExpert } from '../../sim/scripted-expert.ts';
import { SimulatedOperator, type OperatorDecision } from '../../sim/simulated-operator.ts';
import type { SimLoop } from '../../server/control/sim-loop.ts';
import { actingLoop, runActing } from './support/acting-episode.ts';

/** Runs a policy with the operator only watching (mode stays AUTONOMOUS); returns its first take-over. */
async function watch(sim: SimLoop, policy: ActionSource, seed: number, op = new SimulatedOperator('place')) {
  let first: (OperatorDecision & { type: 'take_over' }) | null = null;
  let firstT = -1;
  let resetDone = false;
  await runActing(sim, policy, seed, (_i, obs: Observation, action) => {
    if (!resetDone) {
      op.reset(obs);
      resetDone = true;
    }
    const d = op.decide(obs, { mode: 'AUTONOMOUS', proposed: action ?? [0, 0, 0, 0, 0, 0, 0] });
    if (d.type === 'take_over' && !first) {
      first = d;
      firstT = obs.t;
    }
  });
  return { first: first as (OperatorDecision & { type: 'take_over' }) | null, t: firstT };
}

/** The expert, but it lets go of the cube once it is carried (a planted failure). */
class DroppingExpert implements ActionSource {
  readonly name = 'dropping-expert';
  readonly #expert = new ScriptedExpert('place');
  reset() {
    this.#expert.reset();
  }
  act(obs: Observation) {
    const a = Float64Array.from(this.#expert.act(obs));
    if (this.#expert.phase === 'carry') a[6] = -1;
    return a;
  }
}

/**
 * A policy that proposes `proposed` under `op`'s supervision, arbitrated as the control loop would
 * (a take-over corrects on the same tick); `seen` gets every decision with its observation.
 */
function supervised(op: SimulatedOperator, proposed: number[], seen: (d: OperatorDecision, obs: Observation) => void = () => {}): ActionSource {
  let mode: 'AUTONOMOUS' | 'INTERVENING' = 'AUTONOMOUS';
  let reset = false;
  return {
    name: 'supervised',
    act(obs) {
      if (!reset) {
        op.reset(obs);
        reset = true;
      }
      let d = op.decide(obs, { mode, proposed });
      seen(d, obs);
      if (d.type === 'take_over') {
        mode = 'INTERVENING';
        d = op.decide(obs, { mode, proposed });
        seen(d, obs);
      }
      if (d.type === 'hand_back') mode = 'AUTONOMOUS';
      return d.type === 'correct' ? d.action : proposed;
    },
  };
}

describe('simulated operator', () => {
  let sim: SimLoop;
  beforeAll(async () => {
    sim = await actingLoop('place');
  });

  it('does not fire on clean expert episodes', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { first } = await watch(sim, new ScriptedExpert('place'), seed);
      expect(first, `seed ${seed}`).toBeNull();
    }
  });

  it('fires after its reaction delay when the cube is dropped', async () => {
    const { first, t } = await watch(sim, new DroppingExpert(), 2);
    expect(first?.reason).toBe('dropped');
    expect(first?.rewindSeconds).toBe(2);
    expect(t).toBeGreaterThan(0);
  });

  it('fires on a policy that stalls, and on one that drifts away', async () => {
    const frozen = { name: 'frozen', act: () => [0, 0, 0, 0, 0, 0, -1] };
    expect((await watch(sim, frozen, 3)).first?.reason).toMatch(/no progress|drift/);
    const away = { name: 'away', act: () => [0, 0.8, 0.3, 0, 0, 0, -1] };
    const r = await watch(sim, away, 3);
    expect(r.first?.reason).toBe('drift');
    expect(r.t).toBeLessThan(2.5); // before the no-progress timer could have fired
  });

  it('corrects with the expert until the sub-task is done, then hands back', async () => {
    const op = new SimulatedOperator('place', { rewind: false });
    const log: string[] = [];
    await runActing(sim, supervised(op, [0, 0, 0, 0, 0, 0, -1], (d) => {
      if (d.type === 'take_over' || d.type === 'hand_back') log.push(`${d.type}:${d.reason}`);
    }), 4);
    expect(log[0]).toMatch(/^take_over:/);
    expect(log).toContain('hand_back:grasp done');
    expect(op.interventions).toBeGreaterThanOrEqual(1);
  });

  it('with RaC rule 2 (finishTask) corrects until the task is done instead of handing back', async () => {
    const op = new SimulatedOperator('place', { rewind: false, finishTask: true });
    let handBacks = 0;
    const r = await runActing(sim, supervised(op, [0, 0, 0, 0, 0, 0, 0], (d) => {
      if (d.type === 'hand_back') handBacks++;
    }), 6);
    expect(r.success).toBe(true);
    expect(op.interventions).toBe(1);
    expect(handBacks).toBe(0);
  });

  it('an imperfect person reacts within [delay, delay + spread], the same way again for the same seed', async () => {
    // a drop stays noticed until the person acts, so the take-over time is drop + reaction
    const at = async (knobs: ConstructorParameters<typeof SimulatedOperator>[1], seed: number) =>
      (await watch(sim, new DroppingExpert(), 2, new SimulatedOperator('place', knobs, { seed }))).t;
    const prompt = await at({ reactionDelay: 0.4 }, 0);
    expect(prompt).toBeGreaterThan(0);
    const late: number[] = [];
    for (const seed of [1, 2, 3, 4]) late.push(await at({ reactionDelay: 0.4, reactionSpread: 1 }, seed));
    for (const t of late) {
      expect(t).toBeGreaterThanOrEqual(prompt);
      expect(t).toBeLessThanOrEqual(prompt + 1 + 0.05 + 1e-9); // + one tick
    }
    expect(new Set(late).size).toBeGreaterThan(1);
    expect(await at({ reactionDelay: 0.4, reactionSpread: 1 }, 2)).toBe(late[1]);
  });

  it('a sloppy correction is the expert plus noise on the motion; a careful one is the expert', async () => {
    const corrections = async (suboptimalRate: number) => {
      const op = new SimulatedOperator('place', { rewind: false, suboptimalRate, suboptimalNoise: 0.5 }, { seed: 7 });
      const expert = new ScriptedExpert('place');
      const diffs: number[][] = [];
      await runActing(sim, supervised(op, [0, 0, 0, 0, 0, 0, -1], (d, obs) => {
        if (d.type === 'take_over') expert.reset(); // the operator's own expert starts afresh at a take-over too
        if (d.type !== 'correct') return;
        const clean = expert.act(obs);
        diffs.push(Array.from(d.action, (v, k) => v - clean[k]));
      }), 4);
      return diffs;
    };
    const careful = await corrections(0);
    expect(careful.length).toBeGreaterThan(5);
    expect(careful.every((d) => d.every((v) => v === 0))).toBe(true);
    const sloppy = await corrections(1);
    expect(sloppy.length).toBeGreaterThan(5);
    const motion = sloppy.flatMap((d) => d.slice(0, 6));
    expect(Math.max(...motion.map(Math.abs))).toBeGreaterThan(0.2);
    expect(sloppy.every((d) => d[6] === 0)).toBe(true); // the gripper command stays right
  });

  it('refuses knobs out of range by name', () => {
    expect(() => new SimulatedOperator('place', { suboptimalRate: 1.5 })).toThrow(/suboptimalRate/);
    expect(() => new SimulatedOperator('place', { reactionSpread: -1 })).toThrow(/reactionSpread/);
  });
});
