import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { observationToRecord } from '../../core/observation.ts';
import type { Step } from '../../core/step.ts';
import { ArmSim } from '../../sim/arm-sim.ts';
import { PANDA_READY } from '../../sim/panda-model.ts';
import { decompressHandlers } from '../../recordings/chunk-compression.ts';
import { FileReadable } from '../../recordings/file-readable.ts';
import { FileSink } from '../../recordings/file-sink.ts';
import { writeFoxgloveJournal } from '../../recordings/foxglove-export.ts';
import { rotate } from '../../recordings/foxglove-messages.ts';
import { simPandaFoxgloveModel } from '../../recordings/foxglove-robot-model.ts';
import { JournalWriter } from '../../recordings/journal-writer.ts';
import type { EpisodeEvent } from '../../recordings/journal-schemas.ts';
import { parseLikeLichtblick } from './lichtblick-json-schema.ts';
import { testMeta } from './fixtures/step-factory.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'tko-foxglove-'));
  dirs.push(d);
  return d;
};
const text = (b: Uint8Array) => new TextDecoder().decode(b);
const STEPS = 40;

/** Steps of a real simulated Panda moving through its joints (observations straight from MuJoCo). */
async function simSteps(episodeId: string): Promise<Step[]> {
  const sim = await ArmSim.create({ task: 'place', seed: 5 });
  const steps: Step[] = [];
  for (let i = 0; i < STEPS; i++) {
    const q = PANDA_READY.map((v, j) => v + 0.5 * Math.sin(0.15 * i + j));
    sim.setCommand(q, i < 20 ? -1 : 1);
    sim.step(25);
    const intervening = i >= 10 && i < 20;
    steps.push({
      episodeId, step: i, t: sim.time, obs: observationToRecord(sim.observe()), proposed: null, executed: [0.1, 0, 0, 0, 0, 0, -1],
      jointTargets: q, clamped: [], source: intervening ? 'operator' : 'policy', mode: intervening ? 'INTERVENING' : 'AUTONOMOUS',
      operatorId: intervening ? 'ana' : null, policyVersion: 'v1',
    });
  }
  return steps;
}

const EVENTS: EpisodeEvent[] = [
  { type: 'mode', t: 0.5, step: 9, from: 'AUTONOMOUS', to: 'INTERVENING', reason: 'take_over' },
  { type: 'rewind', t: 0.9, step: 15, fromStep: 15, toStep: 12 },
  { type: 'mode', t: 1.0, step: 19, from: 'INTERVENING', to: 'ESTOP' },
  { type: 'outcome', t: 2.0, step: STEPS - 1, outcome: 'success' },
];

async function journal(dir: string, robotId: string, steps: Step[]): Promise<string> {
  const file = path.join(dir, `${robotId}-src.mcap`);
  const w = new JournalWriter(new FileSink(file), testMeta(steps[0].episodeId, { robotId }));
  const t0 = 1_790_000_000_000;
  let e = 0;
  for (const s of steps) {
    w.writeStep(s, t0 + s.t * 1000);
    while (e < EVENTS.length && EVENTS[e].step === s.step) w.writeEvent(EVENTS[e], t0 + EVENTS[e++].t * 1000 + 1);
  }
  await w.finish({ endedAt: t0 + 5000, outcome: 'success', steps: steps.length, dropped: 0 });
  return file;
}

interface Msg {
  topic: string;
  schema: string;
  logTime: bigint;
  sequence: number;
  data: Record<string, unknown>;
}

/** Everything in an MCAP, read with the official @mcap/core reader (not the writer that made it). */
async function readAll(file: string) {
  const fr = await FileReadable.open(file);
  try {
    const reader = await McapIndexedReader.Initialize({ readable: fr, decompressHandlers });
    const channels = new Map([...reader.channelsById.values()].map((c) => [c.id, { topic: c.topic, schema: reader.schemasById.get(c.schemaId)! }]));
    const msgs: Msg[] = [];
    for await (const m of reader.readMessages({ validateCrcs: true })) {
      const c = channels.get(m.channelId)!;
      msgs.push({ topic: c.topic, schema: c.schema.name, logTime: m.logTime, sequence: m.sequence, data: JSON.parse(text(m.data)) });
    }
    const metadata = [];
    for await (const m of reader.readMetadata()) metadata.push(m.name);
    return { channels: [...channels.values()], msgs, metadata };
  } finally {
    await fr.close();
  }
}

/** The schema with `additionalProperties: false` on every object, so a misspelt field fails validation too. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (schema === null || typeof schema !== 'object') return schema;
  const out = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closed(s)])) : closed(v)]));
  return (schema as { type?: unknown }).type === 'object' ? { ...out, additionalProperties: false } : out;
}

type Tf = { parent_frame_id: string; child_frame_id: string; translation: { x: number; y: number; z: number }; rotation: { x: number; y: number; z: number; w: number } };
const mulQuat = (a: number[], b: number[]) => [
  a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
  a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
  a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
  a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
];

/** Composes the transforms from `root` down to `frame`: its pose in root, quaternion w first. */
function compose(tfs: Tf[], root: string, frame: string): { pos: number[]; quat: number[]; depth: number } {
  const byChild = new Map(tfs.map((t) => [t.child_frame_id, t]));
  const chain: Tf[] = [];
  for (let f = frame; f !== root; ) {
    const t = byChild.get(f);
    if (!t) throw new Error(`frame ${f} has no parent on the way to ${root}`);
    chain.unshift(t);
    f = t.parent_frame_id;
  }
  let pos = [0, 0, 0];
  let quat = [1, 0, 0, 0];
  for (const t of chain) {
    const r = [t.rotation.w, t.rotation.x, t.rotation.y, t.rotation.z];
    const d = rotate([t.translation.x, t.translation.y, t.translation.z], quat);
    pos = pos.map((p, k) => p + d[k]);
    quat = mulQuat(quat, r);
  }
  return { pos, quat, depth: chain.length };
}

const quatDistance = (a: ArrayLike<number>, b: ArrayLike<number>) => 1 - Math.abs(a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3]);

describe('Foxglove export', () => {
  let steps: Step[];
  let exported: Awaited<ReturnType<typeof readAll>>;
  let source: Awaited<ReturnType<typeof readAll>>;

  beforeAll(async () => {
    const dir = tmp();
    steps = await simSteps('ep-fox');
    const src = await journal(dir, 'sim', steps);
    const dest = path.join(dir, 'ep-fox.mcap');
    const summary = await writeFoxgloveJournal(src, dest, async (id) => (id === 'sim' ? simPandaFoxgloveModel() : null));
    expect(summary).toEqual({ steps: STEPS, events: EVENTS.length, links: true });
    [exported, source] = await Promise.all([readAll(dest), readAll(src)]);
  }, 60_000);

  it('keeps every record of the journal and adds the four Foxglove topics', () => {
    const count = (msgs: Msg[], topic: string) => msgs.filter((m) => m.topic === topic).length;
    for (const c of source.channels) expect(count(exported.msgs, c.topic)).toBe(count(source.msgs, c.topic));
    expect(exported.metadata).toEqual(source.metadata);
    const original = (m: Msg) => source.channels.some((c) => c.topic === m.topic);
    expect(exported.msgs.filter(original).map((m) => [m.topic, m.logTime, m.sequence, m.data])).toEqual(source.msgs.map((m) => [m.topic, m.logTime, m.sequence, m.data]));
    expect(Object.fromEntries(exported.channels.filter((c) => !source.channels.some((s) => s.topic === c.topic)).map((c) => [c.topic, c.schema.name]))).toEqual({
      '/tf': 'foxglove.FrameTransforms',
      '/scene': 'foxglove.SceneUpdate',
      '/log': 'foxglove.Log',
      '/joints': 'takeover.JointState',
    });
    expect([count(exported.msgs, '/tf'), count(exported.msgs, '/joints'), count(exported.msgs, '/scene'), count(exported.msgs, '/log')]).toEqual([STEPS, STEPS, 1, EVENTS.length]);
  });

  it('every schema parses under the Lichtblick rules and every message validates against its schema (Ajv, closed objects)', async () => {
    const { Ajv } = await import('ajv');
    const validators = new Map<string, ReturnType<InstanceType<typeof Ajv>['compile']>>();
    for (const c of exported.channels) {
      const schema = JSON.parse(text(c.schema.data));
      expect(() => parseLikeLichtblick(schema, c.schema.name)).not.toThrow();
      validators.set(c.topic, new Ajv({ strict: false }).compile(closed(schema) as object));
    }
    for (const m of exported.msgs) {
      if (!['/tf', '/scene', '/log', '/joints'].includes(m.topic)) continue;
      const validate = validators.get(m.topic)!;
      expect(validate(m.data), `${m.topic}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  it('the transforms of each step compose to the EE pose and object poses recorded in that step', () => {
    const tfs = exported.msgs.filter((m) => m.topic === '/tf');
    const stepAt = new Map(exported.msgs.filter((m) => m.topic === '/step').map((m) => [m.logTime, m.data as unknown as Step]));
    expect(tfs).toHaveLength(STEPS);
    for (const m of tfs) {
      const s = stepAt.get(m.logTime)!;
      const transforms = (m.data as { transforms: Tf[] }).transforms;
      const ee = compose(transforms, 'world', 'ee');
      expect(ee.depth).toBeGreaterThanOrEqual(8); // world -> link0 .. link7 / hand -> ee: through the links, not a shortcut
      for (let k = 0; k < 3; k++) expect(ee.pos[k]).toBeCloseTo(s.obs.eePos[k], 9);
      expect(quatDistance(ee.quat, s.obs.eeQuat)).toBeLessThan(1e-12);
      for (const o of s.obs.objects) {
        const p = compose(transforms, 'world', o.name);
        for (let k = 0; k < 3; k++) expect(p.pos[k]).toBeCloseTo(o.pos[k], 12);
      }
      const ts = (m.data as { transforms: { timestamp: { sec: number; nsec: number } }[] }).transforms[0].timestamp;
      expect(BigInt(ts.sec) * 1_000_000_000n + BigInt(ts.nsec)).toBe(m.logTime);
    }
  });

  it('joint positions are plottable by name, the scene draws the links, events are log lines with levels', async () => {
    const model = await simPandaFoxgloveModel();
    const joints = exported.msgs.filter((m) => m.topic === '/joints').map((m) => m.data as { name: string[]; position: number[] });
    expect(joints[7].name).toEqual(['joint1', 'joint2', 'joint3', 'joint4', 'joint5', 'joint6', 'joint7', 'gripper']);
    expect(joints[7].position).toEqual([...steps[7].obs.q, steps[7].obs.gripper]);
    const scene = exported.msgs.find((m) => m.topic === '/scene')!.data as { entities: { frame_id: string; frame_locked: boolean; cubes: unknown[]; spheres: unknown[]; cylinders: unknown[] }[] };
    const frames = new Set(scene.entities.map((e) => e.frame_id));
    for (const f of ['world', 'ee', 'cube']) expect(frames).toContain(f);
    expect(scene.entities.filter((e) => e.cylinders.length + e.cubes.length + e.spheres.length > 0).length).toBeGreaterThan(8);
    expect(scene.entities.every((e) => e.frame_locked)).toBe(true);
    // bodies that stand for objects the task does not observe (a mocap marker of another task) are not drawn
    const observed = steps[0].obs.objects.map((o) => o.name);
    const objectBodies = model.names.filter((_, i) => {
      const k = model.kinematics[i];
      return (k.joint?.type === 'free' ? k.joint.source : k.mocap ? k.source : undefined)?.kind === 'object';
    });
    expect(objectBodies.filter((n) => !observed.includes(n)).length).toBeGreaterThan(0);
    for (const n of objectBodies) expect(frames.has(n)).toBe(observed.includes(n));
    const logs = exported.msgs.filter((m) => m.topic === '/log').map((m) => m.data as { level: number; name: string; message: string });
    expect(logs.map((l) => [l.name, l.level])).toEqual([['mode', 3], ['rewind', 3], ['mode', 4], ['outcome', 2]]);
    expect(logs[0].message).toMatch(/take-over: mode AUTONOMOUS -> INTERVENING/);
    expect(logs[2].message).toMatch(/e-stop/);
  });

  it('docs/foxglove-layout.json reads only topics and fields an export has', () => {
    const layout = JSON.parse(readFileSync(path.join(import.meta.dirname, '../../docs/foxglove-layout.json'), 'utf8')) as { configById: Record<string, Record<string, unknown>> };
    const first = (topic: string) => exported.msgs.find((m) => m.topic === topic)?.data;
    /** Resolves a message path like `/joints.position[3]` or `/step.mode` on the first message of its topic. */
    const resolve = (p: string): unknown => {
      const m = /^(\/[^.]+)\.(.+)$/.exec(p);
      if (!m) throw new Error(`not a message path: ${p}`);
      let v: unknown = first(m[1]);
      for (const part of m[2].split('.')) {
        const [, key, index] = /^([^[]+)(?:\[(\d+)\])?$/.exec(part)!;
        v = (v as Record<string, unknown> | undefined)?.[key];
        if (index !== undefined) v = (v as unknown[] | undefined)?.[Number(index)];
      }
      return v;
    };
    const paths: string[] = [];
    const topics: string[] = [];
    for (const [id, config] of Object.entries(layout.configById)) {
      if (id.startsWith('Plot!') || id.startsWith('StateTransitions!')) paths.push(...(config.paths as { value: string }[]).map((p) => p.value));
      if (id.startsWith('RawMessages!')) topics.push(config.topicPath as string);
      if (id.startsWith('3D!')) topics.push(...Object.keys(config.topics as object));
    }
    expect(paths.length).toBeGreaterThanOrEqual(16);
    for (const p of paths) expect(['number', 'string'], p).toContain(typeof resolve(p));
    for (const t of topics) expect(first(t), t).toBeDefined();
  });

  it('without a robot model: world -> EE from the recorded EE pose, and the objects', async () => {
    const dir = tmp();
    const src = await journal(dir, 'arm-9', steps.slice(0, 5));
    const dest = path.join(dir, 'plain.mcap');
    expect(await writeFoxgloveJournal(src, dest, async () => null)).toMatchObject({ steps: 5, links: false });
    const { msgs } = await readAll(dest);
    const tf = msgs.find((m) => m.topic === '/tf')!.data as { transforms: Tf[] };
    expect(tf.transforms.map((t) => `${t.parent_frame_id}>${t.child_frame_id}`)).toEqual(['world>ee', ...steps[0].obs.objects.map((o) => `world>${o.name}`)]);
    const ee = compose(tf.transforms, 'world', 'ee');
    expect(ee.pos).toEqual(steps[0].obs.eePos);
  });
});
