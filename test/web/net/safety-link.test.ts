import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../../server/app.ts';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { decodeClientMessage, encodeMessage } from '../../../protocol/codec.ts';
import type { ServerInfoMessage, ServerMessage } from '../../../protocol/messages.ts';
import { safetyUrl } from '../../../web/net/safety-link.ts';
import { TakeoverClient } from '../../../web/net/takeover-client.ts';
import { createWsTransportFactory, type WebSocketLike } from '../../../web/net/ws-transport.ts';
import { TOKENS } from '../../server/support/test-server.ts';
import { MemoryTransport } from './memory-transport.ts';

const INFO: ServerInfoMessage = {
  type: 'server_info', protocol: 2, server: { name: 'takeover', version: '0.1.0' }, clientId: 'c1',
  operator: { id: 'alice', role: 'operator' }, heartbeatTimeoutMs: 300, maxFrameBytes: 65536, models: {}, robots: [],
  safety: { port: 9001, path: '/safety' },
};

const until = async (pred: () => boolean) => {
  for (let i = 0; i < 500 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(pred()).toBe(true);
};

describe('the console on the safety socket', () => {
  it('derives the safety URL from the /ws URL: same scheme and host, its port and path, no token in the query', () => {
    expect(safetyUrl('wss://lab.example:8443/ws?token=x', { port: 8444, path: '/safety' })).toBe('wss://lab.example:8444/safety');
    expect(safetyUrl('ws://127.0.0.1:8080/ws', { port: 8081, path: '/safety' })).toBe('ws://127.0.0.1:8081/safety');
  });

  it("an e-stop lands through the safety socket while /ws does not answer (a frozen network thread)", async () => {
    const main = new MemoryTransport();
    const safety = new MemoryTransport();
    const reply = (t: MemoryTransport, m: ServerMessage) => queueMicrotask(() => t.deliver(encodeMessage(m)));
    main.onSend = (b) => {
      const d = decodeClientMessage(b);
      if (d.ok && d.msg.type === 'hello') reply(main, INFO);
      // everything else: no answer, as from a server whose network thread is stuck
    };
    safety.onSend = (b) => {
      const d = decodeClientMessage(b);
      if (!d.ok) return;
      if (d.msg.type === 'hello') reply(safety, { type: 'ack', for: 'hello' });
      if (d.msg.type === 'estop') reply(safety, { type: 'ack', ref: d.msg.ref, for: 'estop', robot: d.msg.robot });
    };
    const urls: string[] = [];
    const client = new TakeoverClient({ transportFactory: async (url) => (urls.push(url), urls.length === 1 ? main : safety), heartbeatIntervalMs: 0, commandTimeoutMs: 60_000 });
    await client.connect('ws://lab:8080/ws', 'good-token');
    await until(() => client.safetyOpen);
    expect(urls).toEqual(['ws://lab:8080/ws', 'ws://lab:9001/safety']);
    const ack = await client.command({ type: 'estop', robot: 'arm0' });
    expect(ack).toMatchObject({ for: 'estop', robot: 'arm0' });
    // it went out on both sockets
    const sentTypes = (t: MemoryTransport) => t.sent.map((b) => (decodeClientMessage(b) as { msg: { type: string } }).msg.type);
    expect(sentTypes(main)).toContain('estop');
    expect(sentTypes(safety)).toEqual(['hello', 'estop']);
    // other commands never take the safety socket
    void client.command({ type: 'take_over', robot: 'arm0' }).catch(() => {});
    expect(sentTypes(safety)).toEqual(['hello', 'estop']);
    client.close();
  });

  describe('against the real server (loops on their thread)', () => {
    let app: FastifyInstance;
    let dataDir: string;
    let url: string;
    beforeAll(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'takeover-safety-web-'));
      const config = validateConfig({
        ...defaultConfig(), port: 0, dataDir, record: false, logLevel: 'silent', webDir: join(dataDir, 'no-web'),
        robots: [{ id: 'arm0', kind: 'mock' }], tokens: Object.values(TOKENS), heartbeatTimeoutMs: 5000,
      });
      app = await buildApp(config, { policies: false });
      await app.listen({ port: 0, host: '127.0.0.1' });
      url = `ws://127.0.0.1:${(app.server.address() as { port: number }).port}/ws`;
    });
    afterAll(async () => {
      await app?.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('opens the safety socket after sign-in and e-stops through both sockets', async () => {
      const client = new TakeoverClient({ transportFactory: createWsTransportFactory(WebSocket as unknown as new (url: string) => WebSocketLike), heartbeatIntervalMs: 0 });
      const info = await client.connect(url, TOKENS.alice.token);
      expect(info.safety).toBeDefined();
      await until(() => client.safetyOpen);
      expect(await client.command({ type: 'estop', robot: 'arm0' })).toMatchObject({ for: 'estop' });
      expect(await client.command({ type: 'reset_estop', robot: 'arm0' })).toMatchObject({ for: 'reset_estop' });
      client.close();
    });
  });
});
