import { compileModel } from '../sim/mujoco-runtime.ts';
import { ScriptedExpert } from '../sim/scripted-expert.ts';
import { fromActingSource } from '../server/control/action-source.ts';
import { runEpisodes } from '../server/control/episode-runner.ts';
import { createSimLoop } from '../server/control/sim-loop.ts';
import type { Benchmark } from './run.ts';
import { fmt } from './percentiles.ts';

// Baseline: a bare 7-hinge chain with no contacts (about 69x real time on one core here).
const BARE_CHAIN = `<mujoco><option timestep="0.002"/><worldbody>${Array.from({ length: 7 })
  .map((_, i) => `<body pos="0 0 ${i ? 0.1 : 0}"><joint type="hinge" axis="${i % 2 ? '0 1 0' : '0 0 1'}"/><geom type="capsule" fromto="0 0 0 0 0 0.1" size="0.03"/>`)
  .join('')}${'</body>'.repeat(7)}</worldbody></mujoco>`;

function timeSteps(step: () => void, n: number): number {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) step();
  return n / (Number(process.hrtime.bigint() - t0) / 1e9);
}

export const simBench: Benchmark = {
  name: 'sim',
  summary: 'MuJoCo physics steps/s and real-time factor, one arm with the place scene (2 ms steps, one core)',
  async run() {
    const N = 20_000;
    const { mujoco, model } = await compileModel(BARE_CHAIN);
    const data = new mujoco.MjData(model);
    timeSteps(() => mujoco.mj_step(model, data), 1000);
    const bare = timeSteps(() => mujoco.mj_step(model, data), N);

    const expert = new ScriptedExpert('place');
    const { loop, clock, bridge } = await createSimLoop({ robotId: 'bench', task: 'place', policy: fromActingSource(expert) });
    const sim = bridge.sim;
    // warm up on one expert episode, then time physics alone on the scene
    await runEpisodes(loop, clock, [1]);
    sim.reset(1);
    sim.step(500);
    const t1 = process.hrtime.bigint();
    sim.step(N);
    const scene = N / (Number(process.hrtime.bigint() - t1) / 1e9);

    // the deployed tick: observe, expert, IK, safety filter, command, physics (no recorder)
    const episodes = 20;
    const phys0 = sim.physicsSteps;
    const t0 = process.hrtime.bigint();
    const results = await runEpisodes(loop, clock, Array.from({ length: episodes }, (_, s) => 500 + s));
    const rolloutRate = (sim.physicsSteps - phys0) / (Number(process.hrtime.bigint() - t0) / 1e9);
    const ok = results.filter((r) => r.outcome === 'success').length;

    const rtf = (rate: number) => rate * 0.002;
    const rows = [
      ['bare 7-hinge chain (baseline)', bare],
      ['arm + gripper + table + cube (physics only)', scene],
      [`expert episodes through the control loop (${ok}/${episodes} ok)`, rolloutRate],
    ] as const;
    for (const [label, rate] of rows) {
      process.stdout.write(`${label.padEnd(62)} ${fmt(rate, 4).padStart(8)} steps/s  ${fmt(rtf(rate), 3).padStart(6)}x real time  ${fmt(rate / bare, 3)} of baseline\n`);
    }
    process.stdout.write(`target: >= 30x real time for the scene; measured ${fmt(rtf(scene), 3)}x\n`);
  },
};
