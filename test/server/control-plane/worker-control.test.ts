import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.ts';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { WorkerControl } from '../../../server/control-plane/worker-control.ts';
import { isState, TestClient, TOKENS, type StateFrame } from '../support/test-server.ts';

// The deployed shape: the control loops on their own worker thread, the wall clock, recording on.
describe('server with its control loops on a worker thread', () => {
  let app: FastifyInstance;
  let dataDir: string;
  let url: string;
  let base: string;
  const auth = { authorization: `Bearer ${TOKENS.alice.token}` };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'takeover-worker-'));
    const config = validateConfig({
      ...defaultConfig(), port: 0, dataDir, record: true, logLevel: 'silent', webDir: join(dataDir, 'no-web'), controlRateHz: 50,
      robots: [{ id: 'arm0', kind: 'mock' }, { id: 'arm1', kind: 'mock' }], tokens: Object.values(TOKENS), heartbeatTimeoutMs: 2000,
      controlDoorbell: true,
    });
    app = await buildApp(config, { policies: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    url = `ws://127.0.0.1:${port}/ws`;
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the loops off the network thread and streams their frames', async () => {
    expect(app.control).toBeInstanceOf(WorkerControl);
    expect(() => app.fleet).toThrow(/control thread/);
    const { client, info } = await TestClient.signIn(url, TOKENS.eve.token);
    expect(info.robots.map((r) => r.id)).toEqual(['arm0', 'arm1']);
    client.send({ type: 'subscribe', robots: ['arm1'] });
    const a = await client.next<StateFrame>(isState('arm1'));
    const b = await client.next<StateFrame>(isState('arm1'));
    expect(b.seq).toBeGreaterThan(a.seq);
    client.close();
  });

  it('takes over, teleops, e-stops and resets through the worker, replies in message order', async () => {
    const { client } = await TestClient.signIn(url, TOKENS.alice.token);
    client.send({ type: 'subscribe', robots: ['arm0'] });
    client.send({ type: 'take_over', robot: 'arm0', ref: 1 });
    client.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [0.5, 0, 0, 0, 0, 0, 0], ref: 2 });
    await client.sync();
    // the heartbeat's ack came back after both answers, though they took the longer way
    const acks = client.inbox.filter((m) => m.type === 'ack').map((m) => (m as { ref?: number }).ref);
    expect(acks).toEqual([1, 2]);
    await client.next((m) => m.type === 'state' && m.robot === 'arm0' && m.mode === 'INTERVENING' && m.source === 'operator');
    const t0 = performance.now();
    client.send({ type: 'estop', robot: 'arm0', ref: 3 });
    await client.next((m) => m.type === 'ack' && m.ref === 3);
    expect(performance.now() - t0).toBeLessThan(5000);
    await client.next((m) => m.type === 'state' && m.robot === 'arm0' && m.mode === 'ESTOP');
    client.send({ type: 'teleop', robot: 'arm0', kind: 'delta', action: [0.5, 0, 0, 0, 0, 0, 0], ref: 4 });
    expect(await client.next((m) => m.type === 'error' && m.ref === 4)).toMatchObject({ code: 'TKO_ERR_ESTOP_LATCHED' });
    client.send({ type: 'reset_estop', robot: 'arm0', ref: 5 });
    await client.next((m) => m.type === 'ack' && m.ref === 5);
    client.send({ type: 'hand_back', robot: 'arm0', ref: 6 });
    await client.next((m) => m.type === 'ack' && m.ref === 6);
    client.close();
  });

  it('takes messages that arrive in the pre-tick sleep at once, woken by their doorbell', async () => {
    const { client } = await TestClient.signIn(url, TOKENS.alice.token);
    client.send({ type: 'take_over', robot: 'arm1', ref: 1 });
    await client.next((m) => m.type === 'ack' && m.ref === 1);
    // 200 teleops 5 ms apart: with two robots at 50 Hz the thread sleeps out the last 2 ms before
    // each tick, so some arrive while it sleeps (without the doorbell none is taken there)
    for (let i = 0; i < 200; i++) {
      client.send({ type: 'teleop', robot: 'arm1', kind: 'delta', action: [0.1, 0, 0, 0, 0, 0, 0], ref: 10 + i });
      await new Promise((r) => setTimeout(r, 5));
    }
    await client.next((m) => m.type === 'ack' && m.ref === 209);
    let taken = 0;
    for (let i = 0; i < 50 && taken === 0; i++) {
      const st = await (await fetch(`${base}/api/status`, { headers: auth })).json();
      taken = st.controlThread.sleepMessages;
      if (taken === 0) await new Promise((r) => setTimeout(r, 200));
    }
    expect(taken).toBeGreaterThan(0);
    client.send({ type: 'hand_back', robot: 'arm1', ref: 2 });
    await client.next((m) => m.type === 'ack' && m.ref === 2);
    client.close();
  });

  it('serves status and a REST rewind from the control thread', async () => {
    let st = await (await fetch(`${base}/api/status`, { headers: auth })).json();
    for (let i = 0; i < 100 && st.robots[1].ticks <= 10; i++) {
      await new Promise((r) => setTimeout(r, 20));
      st = await (await fetch(`${base}/api/status`, { headers: auth })).json();
    }
    expect(st.robots.map((r: { id: string }) => r.id)).toEqual(['arm0', 'arm1']);
    const r1 = st.robots[1];
    expect(r1.ticks).toBeGreaterThan(10);
    expect(r1.configuredRateHz).toBe(50);
    expect(typeof r1.rateOk).toBe('boolean');
    expect(r1.jitterP999Ms).not.toBeNull();
    // the control thread accounts for its own time: ticks, wake-ups, the kernel's counters
    expect(st.controlThread.tickP50Ms).toBeGreaterThan(0);
    expect(st.controlThread.busyShare).toBeGreaterThan(0);
    expect(st.controlThread.os.cpuMs).toBeGreaterThan(0);
    // a new measurement window: operators may clear the timing samples, viewers may not
    const before = (await app.control.samples(false)).jitterMs.length;
    const reset = await fetch(`${base}/api/status/reset-figures`, { method: 'POST', headers: auth });
    expect(await reset.json()).toEqual({ robots: 2 });
    expect((await app.control.samples(false)).jitterMs.length).toBeLessThan(before);
    expect((await fetch(`${base}/api/status/reset-figures`, { method: 'POST', headers: { authorization: `Bearer ${TOKENS.eve.token}` } })).status).toBe(403);
    expect((await app.control.status(true)).robots[1].ticks).toBeGreaterThanOrEqual(r1.ticks); // ticks count on; only the samples start over
    const one = await (await fetch(`${base}/api/robots/arm1`, { headers: auth })).json();
    expect(one.info.id).toBe('arm1');
    expect(one.status.id).toBe('arm1');
    expect((await fetch(`${base}/api/robots/nope`, { headers: auth })).status).toBe(404);
    // a REST rewind uses the lease its caller holds through a live session
    const { client } = await TestClient.signIn(`${base.replace('http', 'ws')}/ws`, TOKENS.alice.token);
    client.send({ type: 'take_over', robot: 'arm1', ref: 1 });
    await client.next((m) => m.type === 'ack' && m.ref === 1);
    const rw = await fetch(`${base}/api/robots/arm1/rewind`, { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ seconds: 0.1 }) });
    expect(rw.status).toBe(200);
    expect((await rw.json()).lease).toBe('alice');
    client.close();
  });

  it('records what the loops did: the episodes arrive in the catalog with their steps', async () => {
    const list = await (await fetch(`${base}/api/episodes?robot=arm1`, { headers: auth })).json();
    expect(list.items.length).toBeGreaterThan(0);
    const live = list.items[0];
    expect(live.steps).toBeGreaterThan(0);
  });
});

describe('control thread with more than four robots (frames coalesced per flush)', () => {
  it("streams every robot's frames, several per message, and stays up", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'takeover-worker-'));
    const config = validateConfig({
      ...defaultConfig(), port: 0, dataDir, record: false, logLevel: 'silent', webDir: join(dataDir, 'no-web'), controlRateHz: 50,
      robots: Array.from({ length: 6 }, (_, i) => ({ id: `arm${i}`, kind: 'mock' as const })), tokens: Object.values(TOKENS),
    });
    const app = await buildApp(config, { policies: false });
    try {
      await app.listen({ port: 0, host: '127.0.0.1' });
      const port = (app.server.address() as AddressInfo).port;
      const { client } = await TestClient.signIn(`ws://127.0.0.1:${port}/ws`, TOKENS.eve.token);
      client.send({ type: 'subscribe', robots: '*' });
      const seen = new Set<string>();
      for (let i = 0; i < 60 && seen.size < 6; i++) seen.add((await client.next<StateFrame>((m) => m.type === 'state')).robot);
      expect(seen.size).toBe(6);
      await new Promise((r) => setTimeout(r, 500));
      // the control thread is still there and answers
      expect((await app.control.status()).robots).toHaveLength(6);
      client.close();
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('control thread start-up', () => {
  it('a learned policy with policies off is refused, and the recording it opened is closed again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'takeover-worker-'));
    try {
      const config = validateConfig({ ...defaultConfig(), port: 0, dataDir, record: true, logLevel: 'silent', robots: [{ id: 'arm0', kind: 'mock', policy: 'v1' }] });
      await expect(buildApp(config, { threads: false, policies: false })).rejects.toMatchObject({ code: 'TKO_ERR_CONFIG', message: /switched off/ });
      // the data dir's lock was released: the same dir serves again
      const app = await buildApp({ ...config, robots: [{ id: 'arm0', kind: 'mock' }] }, { threads: false, policies: false, schedule: false });
      await app.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  // a sim robot's thread loads MuJoCo and tfjs before it fails: slow on a loaded runner
  it('a robot the thread cannot build fails buildApp with the control side error', { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'takeover-worker-'));
    try {
      const config = validateConfig({
        ...defaultConfig(), port: 0, dataDir, record: false, logLevel: 'silent',
        robots: [{ id: 'arm0', kind: 'sim', task: 'place', policy: 'no-such-version' }],
      });
      await expect(buildApp(config, { threads: true })).rejects.toMatchObject({ code: 'TKO_ERR_CONFIG' });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
