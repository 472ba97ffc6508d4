import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Step } from '../core/step.ts';
import { lz4Compressor } from '../recordings/chunk-compression.ts';
import { foxgloveTime, stepJointState, stepTransforms } from '../recordings/foxglove-messages.ts';
import { simPandaFoxgloveModel } from '../recordings/foxglove-robot-model.ts';
import { JournalWriter } from '../recordings/journal-writer.ts';
import { McapChunkWriter } from '../recordings/mcap-chunk-writer.ts';
import { MemorySink } from '../recordings/memory-sink.ts';
import { Recorder } from '../recordings/recorder.ts';
import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import { fmt, percentile } from './percentiles.ts';
import type { Benchmark } from './run.ts';

const ROBOTS = 16;
const HZ = 50;
const EPISODE_STEPS = 250;
/** numbers in the simulated Panda scene's whole MuJoCo state (mj_stateSize, mjSTATE_INTEGRATION) */
const SIM_STATE_SIZE = 175;

/**
 * A simulator state shaped like the Panda scene's: time, 16 qpos, 15 qvel, warmstart, 9 ctrl
 * moving smoothly; the applied forces, mocap and the rest as a resting scene has them.
 */
function simState(robot: number, t: number): number[] {
  const s = new Array<number>(SIM_STATE_SIZE).fill(0);
  s[0] = t;
  for (let i = 1; i < 1 + 16 + 15 + 15 + 9; i++) s[i] = Math.sin(0.7 * t + i + robot) * (i < 17 ? 1.5 : 0.4);
  s[SIM_STATE_SIZE - 8] = 1; // the mocap quaternions' w
  s[SIM_STATE_SIZE - 4] = 1;
  return s;
}

/** A full-state step with smooth, realistic values (7 joints, two task objects, both actions). */
function fullStateStep(robot: number, episodeId: string, i: number, withSimState = false): Step {
  const t = i / HZ;
  const w = (k: number, s = 1) => s * Math.sin(0.7 * t + k + robot);
  const seven = (s: number, o = 0) => Array.from({ length: 7 }, (_, j) => w(j + o, s));
  const action = seven(0.8, 3).map((x) => Math.max(-1, Math.min(1, x)));
  const operator = i % 100 >= 80;
  return {
    episodeId,
    step: i,
    t,
    obs: {
      t,
      q: seven(1.5),
      qd: seven(0.4, 1),
      eePos: [0.4 + w(1, 0.1), w(2, 0.2), 0.3 + w(3, 0.05)],
      eeQuat: [Math.cos(w(4, 0.1)), Math.sin(w(4, 0.1)), 0, 0],
      gripper: 0.04 + w(5, 0.04),
      objects: [
        { name: 'cube', pos: [0.5, w(6, 0.1), 0.025], quat: [1, 0, 0, 0] },
        { name: 'target', pos: [0.55, -0.15, 0.02], quat: [1, 0, 0, 0] },
      ],
    },
    proposed: action,
    executed: operator ? action.map((x) => -x) : action,
    jointTargets: seven(1.5, 0.01),
    clamped: i % 37 === 0 ? ['joint_velocity'] : [],
    source: operator ? 'operator' : 'policy',
    mode: operator ? 'INTERVENING' : 'AUTONOMOUS',
    operatorId: operator ? 'op-1' : null,
    policyVersion: 'v7',
    ...(withSimState && { physicsState: simState(robot, t) }),
  };
}

/**
 * Encoding work per step on one thread, no timers: the journal's three messages (what the
 * recorder does now) against the Foxglove `/tf` (with the Panda's links) and `/joints` messages,
 * i.e. what recording the Foxglove topics live would add. lz4 chunks of 40 steps, as at 800 steps/s.
 */
async function foxgloveLiveCost(steps: number): Promise<{ journalUs: number; foxgloveUs: number }> {
  const model = await simPandaFoxgloveModel();
  const sample = Array.from({ length: steps }, (_, i) => fullStateStep(i % ROBOTS, 'fox', i));
  const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
  const time = async (run: () => Promise<void>) => {
    await run(); // warm-up
    const t0 = performance.now();
    await run();
    return ((performance.now() - t0) * 1000) / steps;
  };
  const journalUs = await time(async () => {
    const w = new JournalWriter(new MemorySink(), { episodeId: 'fox', robotId: 'sim', task: 'place', seed: 0, policyVersion: 'v7', kind: 'policy', startedAt: 0 });
    for (let i = 0; i < steps; i++) {
      w.writeStep(sample[i], i);
      if (i % 40 === 39) await w.flush();
    }
    await w.flush();
  });
  const foxgloveUs = await time(async () => {
    const w = new McapChunkWriter({ sink: new MemorySink(), compressor: lz4Compressor });
    const tf = w.addChannel('/tf', w.addSchema('foxglove.FrameTransforms', 'jsonschema', json({})), 'json');
    const joints = w.addChannel('/joints', w.addSchema('takeover.JointState', 'jsonschema', json({})), 'json');
    for (let i = 0; i < steps; i++) {
      const ns = BigInt(i) * 1_250_000n;
      const ts = foxgloveTime(ns);
      w.addMessage(tf, i, ns, ns, json({ transforms: stepTransforms(sample[i], model, ts) }));
      w.addMessage(joints, i, ns, ns, json(stepJointState(sample[i], ts)));
      if (i % 40 === 39) await w.flush();
    }
    await w.flush();
  });
  return { journalUs, foxgloveUs };
}

interface Phase {
  cpuMs: number;
  wallMs: number;
  appendUs: number[];
}

/** Runs the 16-robot 50 Hz loop for `seconds`; records through `rec` if given. */
function runLoop(seconds: number, rec: Recorder | null, withSimState: boolean): Promise<Phase> {
  return new Promise((resolve) => {
    const appendUs: number[] = [];
    const robots = Array.from({ length: ROBOTS }, (_, r) => ({ r, ep: 0, i: 0, id: '' }));
    const begin = (rb: (typeof robots)[number]) => {
      rb.id = `bench-r${rb.r}-e${rb.ep++}`;
      rb.i = 0;
      rec?.beginEpisode({ episodeId: rb.id, robotId: `r${rb.r}`, task: 'place', seed: rb.ep, policyVersion: 'v7', kind: 'policy', startedAt: Date.now() });
    };
    robots.forEach(begin);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ticks = seconds * HZ;
    let tick = 0;
    const timer = setInterval(() => {
      for (const rb of robots) {
        const step = fullStateStep(rb.r, rb.id, rb.i++, withSimState);
        const a = performance.now();
        rec?.appendStep(step);
        appendUs.push((performance.now() - a) * 1000);
        if (rb.i === EPISODE_STEPS) {
          rec?.endEpisode(rb.id, 'success');
          begin(rb);
        }
      }
      if (++tick === ticks) {
        clearInterval(timer);
        for (const rb of robots) rec?.endEpisode(rb.id, 'aborted');
        const done = async () => {
          await rec?.close();
          const c = process.cpuUsage(cpu0);
          resolve({ cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0, appendUs });
        };
        void done();
      }
    }, 1000 / HZ);
  });
}

/** Median of a small sample. */
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * `npm run bench -- recordings [--seconds=N] [--rounds=N] [--warmup=N] [--flush-ms=N] [--sim-state]`: recorder cost at
 * 16 robots x 50 Hz with full state (`--sim-state`: each step also carries a simulator state of
 * the Panda scene's size, as simulated robots record); then the encoding cost per step of the
 * Foxglove topics, were they recorded live. Baseline and recording phases alternate for several rounds and the writer's
 * share is the median of the per-round differences, so load from other processes on a shared
 * machine shifts both sides of each difference alike.
 */
export const recordingsBench: Benchmark = {
  name: 'recordings',
  summary: `recorder at ${ROBOTS} robots x ${HZ} Hz, full state: steps/s, writer CPU share vs a no-recording baseline, bytes/step`,
  async run(args) {
    const flag = (name: string, fallback: number) => {
      const a = args.find((x) => x.startsWith(`--${name}=`));
      return a ? Math.max(1, Number(a.slice(name.length + 3)) || fallback) : fallback;
    };
    const seconds = flag('seconds', 5);
    const rounds = flag('rounds', 5);
    const flushMs = Math.min(100, flag('flush-ms', 50));
    const withSimState = args.includes('--sim-state');
    // rounds run first and not counted: module loading, JIT and first file creation (0 to count everything)
    const warmupArg = args.find((x) => x.startsWith('--warmup='));
    const warmup = warmupArg ? Math.max(0, Math.floor(Number(warmupArg.slice(9))) || 0) : 1;
    const root = mkdtempSync(join(tmpdir(), 'tko-bench-rec-'));
    try {
      const shares: number[] = [];
      const warmupShares: number[] = [];
      const perStep: number[] = [];
      const appendUs: number[] = [];
      let written = 0;
      let bytes = 0;
      let dropped = 0;
      let recWall = 0;
      let baseShare = 0;
      for (let r = -warmup; r < rounds; r++) {
        const base = await runLoop(seconds, null, withSimState);
        const dataDir = join(root, `round-${r}`);
        const catalog = new SqliteCatalog(':memory:');
        const rec = new Recorder({ dataDir, catalog, flushIntervalMs: flushMs });
        const withRec = await runLoop(seconds, rec, withSimState);
        await catalog.close();
        const s = rec.stats();
        const extra = withRec.cpuMs / withRec.wallMs - base.cpuMs / base.wallMs;
        if (r < 0) {
          warmupShares.push(100 * extra);
          continue;
        }
        shares.push(100 * extra);
        perStep.push((extra * withRec.wallMs * 1000) / Math.max(1, s.written));
        baseShare += (100 * base.cpuMs) / base.wallMs / rounds;
        appendUs.push(...withRec.appendUs);
        written += s.written;
        bytes += s.bytes;
        dropped += s.dropped;
        recWall += withRec.wallMs;
      }
      const lines = [
        ['run', `${rounds} rounds x (${seconds} s baseline + ${seconds} s recording), ${ROBOTS} robots x ${HZ} Hz = ${ROBOTS * HZ} steps/s offered, flush every ${flushMs} ms${withSimState ? `, each step with a ${SIM_STATE_SIZE}-number simulator state` : ''}`],
        ['warm-up (not counted)', warmup ? `${warmup} round(s) before: writer ${warmupShares.map((x) => `${fmt(x, 2)}%`).join(', ')}` : 'none'],
        ['steps written', `${written} (dropped ${dropped})`],
        ['steps/s written', fmt(written / (recWall / 1000), 4)],
        ['bytes/step (lz4 MCAP)', fmt(bytes / Math.max(1, written), 4)],
        ['MB/hour for the fleet', fmt(((bytes / (recWall / 1000)) * 3600) / 1e6, 3)],
        ['loop alone (baseline)', `${fmt(baseShare, 3)}% of a core`],
        ['writer CPU share', `${fmt(median(shares), 3)}% of a core, median (rounds: ${shares.map((x) => fmt(x, 2)).join(', ')}; target < 5%)`],
        ['writer CPU per step', `${fmt(median(perStep), 3)} us, median`],
        ['appendStep p50 / p99 / max', `${fmt(percentile(appendUs, 50), 3)} / ${fmt(percentile(appendUs, 99), 3)} / ${fmt(percentile(appendUs, 100), 3)} us`],
      ];
      const fox = await foxgloveLiveCost(4000);
      lines.push(['Foxglove topics, if live', `+${fmt(fox.foxgloveUs, 3)} us/step encoding /tf (links) + /joints, against ${fmt(fox.journalUs, 3)} us/step for the journal's messages: x${fmt((fox.journalUs + fox.foxgloveUs) / fox.journalUs, 3)} (they are written at export instead)`]);
      for (const [k, v] of lines) process.stdout.write(`${k.padEnd(28)} ${v}\n`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};
