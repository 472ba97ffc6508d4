import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.ts';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { startTsWorker } from '../../../policies/ts-worker.ts';
import { CLOSE_CODES } from '../../../protocol/error-codes.ts';
import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { isState, TestClient, TOKENS } from '../support/test-server.ts';

const isAck = (ref: number) => (m: { type: string; ref?: number }) => m.type === 'ack' && m.ref === ref;
const isError = (forType: string) => (m: { type: string; for?: string }) => m.type === 'error' && m.for === forType;

// The deployed shape (loops on their thread), with the safety socket on a thread and port of its own.
describe('safety socket', () => {
  let app: FastifyInstance;
  let dataDir: string;
  let wsUrl: string;
  let safetyUrl: string;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'takeover-safety-'));
    const config = validateConfig({
      ...defaultConfig(), port: 0, dataDir, record: false, logLevel: 'silent', webDir: join(dataDir, 'no-web'), controlRateHz: 50,
      robots: [{ id: 'arm0', kind: 'mock' }, { id: 'arm1', kind: 'mock' }], tokens: Object.values(TOKENS), heartbeatTimeoutMs: 5000,
      wsLimits: { ...defaultConfig().wsLimits, helloTimeoutMs: 400 },
    });
    app = await buildApp(config, { policies: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const port = (app.server.address() as AddressInfo).port;
    wsUrl = `ws://127.0.0.1:${port}/ws`;
    base = `http://127.0.0.1:${port}`;
    const { client, info } = await TestClient.signIn(wsUrl, TOKENS.eve.token);
    client.close();
    expect(info.safety?.path).toBe('/safety');
    expect(info.safety?.port).not.toBe(port);
    safetyUrl = `ws://127.0.0.1:${info.safety!.port}/safety`;
  });
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function signIn(token: string): Promise<TestClient> {
    const c = await TestClient.connect(safetyUrl, token);
    c.send({ type: 'hello', protocol: PROTOCOL_VERSION });
    await c.next((m) => m.type === 'ack' && m.for === 'hello');
    return c;
  }

  async function reset(robot: string): Promise<void> {
    const { client } = await TestClient.signIn(wsUrl, TOKENS.alice.token);
    client.send({ type: 'reset_estop', robot, ref: 9 });
    await client.next((m) => (m.type === 'ack' || m.type === 'error') && m.ref === 9);
    client.close();
  }

  it('e-stops and pauses a robot, answers heartbeats, and times its e-stops in /api/status', async () => {
    const { client: viewer } = await TestClient.signIn(wsUrl, TOKENS.eve.token);
    viewer.send({ type: 'subscribe', robots: ['arm0'] });
    const c = await signIn(TOKENS.alice.token);
    c.send({ type: 'pause', robot: 'arm0', ref: 1 });
    await c.next(isAck(1));
    c.send({ type: 'estop', robot: 'arm0', ref: 2 });
    await c.next(isAck(2));
    await viewer.next((m) => isState('arm0')(m) && m.mode === 'ESTOP');
    c.send({ type: 'heartbeat', t: 7 });
    await c.next((m) => m.type === 'heartbeat_ack' && m.t === 7);
    const st = (await (await fetch(`${base}/api/status`, { headers: { authorization: `Bearer ${TOKENS.eve.token}` } })).json()) as {
      safetySocket: { port: number; estopAck: { count: number } }; threads: { safety: { wanted: number } | null };
    };
    expect(st.safetySocket.estopAck.count).toBeGreaterThanOrEqual(1);
    expect(st.safetySocket.port).toBe(Number(new URL(safetyUrl).port));
    expect(st.threads.safety).not.toBeNull();
    c.close();
    viewer.close();
    await reset('arm0');
  });

  it('refuses, by name, what it does not carry; roles and robots are checked as on /ws', async () => {
    const c = await signIn(TOKENS.alice.token);
    c.send({ type: 'take_over', robot: 'arm0', ref: 3 });
    const e1 = await c.next(isError('take_over'));
    expect(e1).toMatchObject({ code: 'TKO_ERR_SAFETY_SOCKET', ref: 3 });
    c.send({ type: 'estop', robot: 'arm9', ref: 4 });
    expect(await c.next(isError('estop'))).toMatchObject({ code: 'TKO_ERR_UNKNOWN_ROBOT', ref: 4 });
    c.close();
    const v = await signIn(TOKENS.eve.token);
    v.send({ type: 'estop', robot: 'arm0', ref: 5 });
    expect(await v.next(isError('estop'))).toMatchObject({ code: 'TKO_ERR_FORBIDDEN', ref: 5 });
    v.close();
  });

  it('reads only a hello before sign-in, and drops a socket that never says hello', async () => {
    const early = await TestClient.connect(safetyUrl, TOKENS.alice.token);
    early.send({ type: 'estop', robot: 'arm0', ref: 1 });
    expect((await early.waitClose()).code).toBe(CLOSE_CODES.HELLO_REQUIRED);
    const silent = await TestClient.connect(safetyUrl);
    expect((await silent.waitClose()).code).toBe(CLOSE_CODES.UNAUTHENTICATED);
    const bad = await TestClient.connect(safetyUrl);
    bad.send({ type: 'hello', protocol: PROTOCOL_VERSION, token: 'not-a-token' });
    expect((await bad.waitClose()).code).toBe(CLOSE_CODES.UNAUTHENTICATED);
  });

  it('lands an e-stop while the network thread is blocked; the same e-stop on /ws waits for it', async () => {
    const w = startTsWorker(new URL('./estop-client-worker.ts', import.meta.url), {
      workerData: { wsUrl, safetyUrl, token: TOKENS.alice.token, delayMs: 300 },
    });
    await new Promise<void>((resolve, reject) => {
      w.once('message', () => resolve());
      w.once('error', reject);
    });
    const result = new Promise<{ sent: number; safetyAckAt: number; wsAckAt: number }>((resolve) => w.once('message', resolve));
    w.postMessage('go');
    // this thread is the server's network thread: it serves /ws and nothing else runs on it for 1.5 s
    const blockedUntil = Date.now() + 1500;
    while (Date.now() < blockedUntil) { /* busy */ }
    const r = await result;
    await w.terminate();
    expect(r.sent).toBeLessThan(blockedUntil);
    expect(r.safetyAckAt).toBeLessThan(blockedUntil);
    expect(r.wsAckAt).toBeGreaterThanOrEqual(blockedUntil);
    await reset('arm0');
    await reset('arm1');
  });

  it('a safety port already taken stops the start with an error naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'takeover-safety-taken-'));
    try {
      const config = validateConfig({
        ...defaultConfig(), port: 0, dataDir: dir, record: false, logLevel: 'silent', webDir: join(dir, 'no-web'),
        robots: [{ id: 'arm0', kind: 'mock' }], tokens: Object.values(TOKENS), safetySocket: { enabled: true, port: taken, maxConnections: 4 },
      });
      await expect(buildApp(config, { policies: false })).rejects.toThrow(new RegExp(`safety socket on 127.0.0.1:${taken}: .*EADDRINUSE.*safetySocket`));
    } finally {
      blocker.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
