import { describe, expect, it } from 'vitest';
import type { ActionSource } from '../../../server/control/action-source.ts';
import { createSimLoop, type SimLoop } from '../../../server/control/sim-loop.ts';
import { FleetSupervisor, type Allocation, type Priority, type Watch } from '../../../server/loop/fleet-supervisor.ts';

/** TEST DOUBLE policy: holds still and reports the uncertainty score `scores[i]` (threshold 1). */
const stillPolicy = (scores: number[], i: number): ActionSource => ({
  name: 'still', version: 'test', propose: () => [0, 0, 0, 0, 0, 0, -1], uncertainty: () => ({ score: scores[i], threshold: 1, method: 'test' }),
});

/** TEST DOUBLE policy: holds still, never asks (score 0.5 under 1), and reports the failure risk `risks[i]` (recorded only, not raising). */
const riskyStillPolicy = (risks: number[], i: number): ActionSource => ({
  ...stillPolicy([0.5], 0), uncertainty: () => ({ score: 0.5, threshold: 1, method: 'test', raises: true, risk: { score: risks[i], threshold: 1, method: 'failure-risk', raises: false } }),
});

async function fleet(scores: number[], allocation: Allocation, o: { watch?: Watch; switchSeconds?: number; helpAction?: 'pause' | 'notify'; priority?: Priority; watchRisk?: number; minTimeLeft?: number; policy?: typeof stillPolicy } = {}) {
  const sims: SimLoop[] = [];
  for (const i of scores.keys()) {
    const help = allocation !== 'failure' ? { action: o.helpAction ?? 'pause', minTicks: 2, timeoutS: 1000 } : { action: 'notify' as const };
    sims.push(await createSimLoop({ robotId: `r${i}`, task: 'place', policy: (o.policy ?? stillPolicy)(scores, i), help }));
  }
  const sup = new FleetSupervisor(sims.map((s) => s.loop), { task: 'place', allocation, controlHz: 20, switchSeconds: o.switchSeconds ?? 0.5, watch: o.watch, priority: o.priority, watchRisk: o.watchRisk, minTimeLeft: o.minTimeLeft });
  sims.forEach((s, i) => s.loop.start(100 + i));
  let t = 0;
  const run = (ticks: number) => {
    for (let k = 0; k < ticks; k++) {
      t++;
      sup.tick(t / 20);
      for (const s of sims) {
        s.clock.advance(1 / 20);
        s.loop.tick();
      }
    }
  };
  return { sims, sup, run };
}

describe('FleetSupervisor', () => {
  it('by help requests: attends the highest score first; the others wait paused and count as idle', async () => {
    const f = await fleet([0.5, 2, 5], 'help');
    f.run(3);
    expect(f.sims.map((s) => s.loop.mode)).toEqual(['AUTONOMOUS', 'PAUSED', 'PAUSED']);
    expect(f.sup.attending).toBe(2);
    f.run(12); // past the 0.5 s switch
    expect(f.sims[2].loop.mode).toBe('INTERVENING');
    expect(f.sims[2].loop.lease).toBe('fleet-operator');
    expect(f.sims[2].loop.help.open).toBeNull(); // the take-over answered it
    expect(f.sims[1].loop.mode).toBe('PAUSED');
    expect(f.sup.stats).toMatchObject({ interventions: 1, helpInterventions: 1, helpRequests: 2 });
    expect(f.sup.stats.idleSeconds).toBeGreaterThan(0.5);
    expect(f.sup.stats.operatorSeconds).toBeGreaterThan(0.5);
    for (const s of f.sims) await s.bridge.disconnect();
  }, 60_000);

  it('by the attention queue: attends help requests only, never a robot merely seen failing', async () => {
    // both hold still (no progress, so both are soon visibly failing); only robot 1 asks for help
    const f = await fleet([0.5, 5], 'queue');
    f.run(300);
    expect(f.sup.stats).toMatchObject({ interventions: 1, helpInterventions: 1, helpRequests: 1 });
    expect(f.sims[0].loop.mode).toBe('AUTONOMOUS');
    expect(f.sims[0].loop.lease).toBeNull();
    for (const s of f.sims) await s.bridge.disconnect();
  }, 60_000);

  it('watching with a risk filter: a visible failure sends the operator only to a robot whose failure risk is at least the filter', async () => {
    // both hold still, so both are soon visibly failing; neither asks; robot 0's risk is low, robot 1's high
    const attended = async (watchRisk?: number) => {
      const f = await fleet([0.2, 0.8], 'help', { watchRisk, policy: riskyStillPolicy, switchSeconds: 0.2 });
      const seen = new Set<number>();
      for (let k = 0; k < 600; k++) {
        f.run(1);
        if (f.sup.attending !== null) seen.add(f.sup.attending);
      }
      expect(f.sup.stats.helpRequests).toBe(0);
      for (const s of f.sims) await s.bridge.disconnect();
      return [...seen].sort();
    };
    expect(await attended()).toEqual([0, 1]);
    expect(await attended(0.5)).toEqual([1]);
    expect(await attended(0.9)).toEqual([]);
  }, 60_000);

  it('robots that keep running while they ask: a request whose episode ends before the operator is free is never attended', async () => {
    // a 5 s switch keeps the operator on the first robot they pick; the other one keeps running, asking
    const scores = [5, 5];
    const f = await fleet(scores, 'queue', { helpAction: 'notify', switchSeconds: 5 });
    f.run(3);
    expect(f.sup.attending).not.toBeNull();
    const other = 1 - f.sup.attending!;
    expect(f.sims.map((s) => s.loop.mode)).toEqual(['AUTONOMOUS', 'AUTONOMOUS']);
    expect(f.sims[other].loop.help.open).not.toBeNull();
    // its episode ends (as one that recovers and succeeds does); from now on no robot asks again
    scores.fill(0.5);
    f.sims[other].loop.resetEpisode(300);
    expect(f.sims[other].loop.help.open).toBeNull();
    f.run(400);
    expect(f.sup.stats).toMatchObject({ interventions: 1, helpInterventions: 1, helpRequests: 2 });
    expect(f.sims[other].loop.lease).toBeNull();
    expect(f.sims[other].loop.mode).toBe('AUTONOMOUS');
    for (const s of f.sims) await s.bridge.disconnect();
  }, 60_000);

  it('live priority: ranks open requests by the score now, and passes over a robot whose score is back under the threshold', async () => {
    const next: Record<Priority, number | null> = { raised: null, live: null };
    for (const priority of ['raised', 'live'] as const) {
      const scores = [9, 5, 3];
      const f = await fleet(scores, 'queue', { helpAction: 'notify', priority });
      f.run(3);
      expect(f.sup.attending).toBe(0); // all three asked; the highest score first
      // robot 1 recovers (its request stays open), robot 2 gets worse; no robot asks again
      scores.splice(0, 3, 0.5, 0.8, 4);
      for (let k = 0; k < 600 && (f.sup.attending ?? 0) === 0; k++) f.run(1);
      next[priority] = f.sup.attending;
      expect(f.sims[1].loop.help.open).not.toBeNull();
      if (priority === 'live') {
        f.run(600); // robot 2 corrected and handed back: robot 1, still under the threshold, waits
        expect(f.sup.stats.interventions).toBe(2);
        expect(f.sims[1].loop.lease).toBeNull();
        scores[1] = 2; // over again: now it is attended
        f.run(40);
        expect(f.sup.attending).toBe(1);
      }
      for (const s of f.sims) await s.bridge.disconnect();
    }
    expect(next).toEqual({ raised: 1, live: 2 });
  }, 60_000);

  it('live priority: a robot held while it asks keeps the score that raised its request, so it is attended', async () => {
    const scores = [5, 3];
    const f = await fleet(scores, 'queue', { helpAction: 'pause', priority: 'live', switchSeconds: 2 });
    f.run(3);
    expect(f.sup.attending).toBe(0);
    scores.fill(0.5); // were the held robot's score read now, robot 1 would wait paused for ever
    for (let k = 0; k < 600 && (f.sup.attending ?? 0) === 0; k++) f.run(1);
    expect(f.sup.attending).toBe(1);
    expect(f.sims[1].loop.mode).toBe('PAUSED');
    for (const s of f.sims) await s.bridge.disconnect();
  }, 60_000);

  it('with a minimum time left: turns only to a robot whose episode has that long before its step limit', async () => {
    for (const allocation of ['queue', 'failure'] as const) {
      // robot 0 asks at once (queue) or is soon seen failing (failure); its episode has 15 s
      const probe = await fleet([5], allocation, { helpAction: 'notify' });
      const limitS = probe.sims[0].loop.episodes.stepLimit * probe.sims[0].loop.dt;
      await probe.sims[0].bridge.disconnect();
      // more than the whole episode: never attended, the need waits to the end (idle)
      const never = await fleet([5], allocation, { helpAction: 'notify', minTimeLeft: limitS + 1 });
      never.run(200);
      expect(never.sup.attending, allocation).toBeNull();
      expect(never.sup.stats.interventions).toBe(0);
      expect(never.sup.stats.idleSeconds).toBeGreaterThan(0);
      // seen (or asking) with more than 5 s left, attended as before
      const soon = await fleet([5], allocation, { helpAction: 'notify', minTimeLeft: 5 });
      soon.run(200);
      expect(soon.sup.stats.interventions, allocation).toBeGreaterThan(0);
      for (const f of [never, soon]) for (const s of f.sims) await s.bridge.disconnect();
    }
  }, 60_000);

  it('by visible failure: ignores help requests and attends a robot only once it is seen failing', async () => {
    const f = await fleet([5, 5], 'failure');
    f.run(20);
    expect(f.sims.map((s) => s.loop.mode)).toEqual(['AUTONOMOUS', 'AUTONOMOUS']);
    expect(f.sup.attending).toBeNull();
    // a policy that holds still makes no progress: seen after the no-progress time and the reaction delay
    f.run(80);
    expect(f.sup.attending).not.toBeNull();
    expect(f.sup.stats.helpInterventions).toBe(0);
    for (const s of f.sims) await s.bridge.disconnect();
  }, 60_000);

  it('watching only while free: a robot that starts failing while the operator turns to another is not seen until they are free', async () => {
    const idleAfterReset: Record<Watch, number> = { always: -1, free: -1 };
    for (const watch of ['always', 'free'] as const) {
      // both hold still; a 5 s switch keeps the operator busy with the first robot they pick
      const f = await fleet([5, 5], 'failure', { watch, switchSeconds: 5 });
      for (let k = 0; k < 200 && f.sup.attending === null; k++) f.run(1);
      expect(f.sup.attending).not.toBeNull();
      const other = 1 - f.sup.attending!;
      f.sims[other].loop.resetEpisode(200); // its signs start over: no progress again after 2.5 s
      const idle0 = f.sup.stats.idleSeconds;
      f.run(80); // 4 s, still within the switch
      expect(f.sup.stats.interventions).toBe(0);
      idleAfterReset[watch] = f.sup.stats.idleSeconds - idle0;
      f.run(600); // free again: the other robot is seen and attended
      expect(f.sup.stats.interventions).toBeGreaterThanOrEqual(2);
      for (const s of f.sims) await s.bridge.disconnect();
    }
    expect(idleAfterReset.always).toBeGreaterThan(0.5);
    expect(idleAfterReset.free).toBe(0);
  }, 60_000);
});
