import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOptions } from '../../../server/app.ts';
import { defaultConfig, type TakeoverConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { ManualClock } from '../../../server/control/clock.ts';
import { decodeServerMessage, encodeMessage } from '../../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage, type ServerMessage } from '../../../protocol/messages.ts';

export const TOKENS = {
  admin: { name: 'root', role: 'admin' as const, token: 'admin-token-0123456789' },
  alice: { name: 'alice', role: 'operator' as const, token: 'alice-token-0123456789' },
  bob: { name: 'bob', role: 'operator' as const, token: 'bob-token-0123456789ab' },
  eve: { name: 'eve', role: 'viewer' as const, token: 'eve-token-0123456789abc' },
};

/** A real server on an ephemeral port with mock robots and a manual clock; tests tick it by hand. */
export async function startTestServer(over: Partial<TakeoverConfig> = {}, opts: AppOptions = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'takeover-test-'));
  const config = validateConfig({
    ...defaultConfig(), port: 0, dataDir, record: false, logLevel: 'silent', webDir: join(dataDir, 'no-web'),
    // the manual clock makes a short watchdog deterministic; tests count ticks against 0.3 s
    heartbeatTimeoutMs: 300,
    robots: [{ id: 'arm0', kind: 'mock' }], tokens: Object.values(TOKENS), ...over,
  });
  const clock = new ManualClock(0);
  const app: FastifyInstance = await buildApp(config, { clock, schedule: false, recorder: null, policies: false, ...opts });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const dt = 1 / config.controlRateHz;
  return {
    app, clock, port, config,
    url: `ws://127.0.0.1:${port}/ws`,
    /** advances the clock one period and ticks every robot, n times */
    tick(n = 1) {
      for (let i = 0; i < n; i++) {
        clock.advance(dt);
        app.fleet.tickAll();
      }
    },
    async close() {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A protocol client over a real socket: sends messages, queues what arrives, waits for a match. */
export class TestClient {
  readonly ws: WebSocket;
  readonly inbox: ServerMessage[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: Array<{ pred: (m: ServerMessage) => boolean; resolve: (m: ServerMessage) => void }> = [];
  #closeWaiters: Array<(c: { code: number; reason: string }) => void> = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (data: Buffer) => {
      const d = decodeServerMessage(new Uint8Array(data));
      if (!d.ok) throw new Error(`server sent an invalid frame: ${d.message}`);
      const i = this.#waiters.findIndex((w) => w.pred(d.msg));
      if (i >= 0) this.#waiters.splice(i, 1)[0].resolve(d.msg);
      else this.inbox.push(d.msg);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.#closeWaiters) w(this.closed);
    });
  }

  static async connect(url: string, token?: string): Promise<TestClient> {
    const ws = new WebSocket(token ? `${url}?token=${encodeURIComponent(token)}` : url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    return new TestClient(ws);
  }

  /** connects, says hello and returns the server_info */
  static async signIn(url: string, token: string): Promise<{ client: TestClient; info: Extract<ServerMessage, { type: 'server_info' }> }> {
    const client = await TestClient.connect(url, token);
    client.send({ type: 'hello', protocol: PROTOCOL_VERSION });
    const info = await client.next((m) => m.type === 'server_info');
    return { client, info: info as Extract<ServerMessage, { type: 'server_info' }> };
  }

  send(msg: ClientMessage | Record<string, unknown>): void {
    this.ws.send(encodeMessage(msg as ClientMessage));
  }

  sendRaw(data: Uint8Array | string): void {
    this.ws.send(data);
  }

  /** the first queued or future message matching `pred` (consumed) */
  next<T extends ServerMessage = ServerMessage>(pred: (m: ServerMessage) => boolean): Promise<T> {
    const i = this.inbox.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.inbox.splice(i, 1)[0] as T);
    return new Promise((resolve) => this.#waiters.push({ pred, resolve: resolve as (m: ServerMessage) => void }));
  }

  /** a round trip through the server: everything sent before has been handled when this resolves */
  async sync(): Promise<void> {
    const t = Math.random();
    this.send({ type: 'heartbeat', t });
    await this.next((m) => m.type === 'heartbeat_ack' && m.t === t);
  }

  waitClose(): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve) => this.#closeWaiters.push(resolve));
  }

  /** drops queued state frames (so that `next` sees fresh ones) */
  clearStates(): void {
    for (let i = this.inbox.length - 1; i >= 0; i--) if (this.inbox[i].type === 'state') this.inbox.splice(i, 1);
  }

  close(): void {
    this.ws.close();
  }
}

export type StateFrame = Extract<ServerMessage, { type: 'state' }>;
export const isState = (robot = 'arm0') => (m: ServerMessage): m is StateFrame => m.type === 'state' && m.robot === robot;
