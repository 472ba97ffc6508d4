import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { originRefusal } from '../../../server/ws/origin-check.ts';
import { encodeMessage, decodeServerMessage } from '../../../protocol/codec.ts';
import { PROTOCOL_VERSION } from '../../../protocol/messages.ts';
import { startTestServer, TOKENS } from '../support/test-server.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

/** Opens /ws with an Origin header and says hello: the server_info's type, or the HTTP status of a refused upgrade. */
async function helloWithOrigin(url: string, origin: string | undefined): Promise<{ status: number; body: string } | 'server_info'> {
  const ws = new WebSocket(`${url}?token=${TOKENS.alice.token}`, origin === undefined ? {} : { origin });
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodeMessage({ type: 'hello', protocol: PROTOCOL_VERSION })));
    ws.on('message', (data: Buffer) => {
      const d = decodeServerMessage(new Uint8Array(data));
      if (d.ok && d.msg.type === 'server_info') {
        ws.close();
        resolve('server_info');
      }
    });
  });
}

describe('originRefusal', () => {
  const none = new Set<string>();
  it('admits no Origin (not a browser), loopback on any port and the server\'s own origin', () => {
    expect(originRefusal(undefined, 'robots.lab:8080', none)).toBeNull();
    for (const o of ['http://localhost:5173', 'https://127.0.0.1', 'http://[::1]:9', 'http://LOCALHOST:1']) expect(originRefusal(o, 'robots.lab:8080', none)).toBeNull();
    expect(originRefusal('http://robots.lab:8080', 'robots.lab:8080', none)).toBeNull();
    expect(originRefusal('https://Robots.Lab', 'robots.lab', none)).toBeNull();
  });

  it('refuses null, foreign and malformed origins, and look-alikes of localhost', () => {
    for (const o of ['null', 'http://evil.example', 'http://localhost.evil.example', 'http://robots.lab:8081', 'file://x', 'not a url']) {
      expect(originRefusal(o, 'robots.lab:8080', none), o).toMatch(/may not open \/ws/);
    }
  });

  it('admits configured origins, compared as browsers send them', () => {
    const allowed = new Set(['https://console.lab.example:8443']);
    expect(originRefusal('https://console.lab.example:8443', 'robots.lab', allowed)).toBeNull();
    expect(originRefusal('http://console.lab.example:8443', 'robots.lab', allowed)).not.toBeNull();
  });
});

describe('/ws Origin allowlist (real server)', () => {
  let srv: Server | null = null;
  afterEach(async () => {
    await srv?.close();
    srv = null;
  });

  it('refuses http://evil.example and null with 403 naming the origin; admits localhost, no Origin and configured origins', async () => {
    srv = await startTestServer({ allowedOrigins: ['https://console.lab.example'] });
    for (const origin of ['http://evil.example', 'null']) {
      const r = await helloWithOrigin(srv.url, origin);
      expect(r, origin).toMatchObject({ status: 403 });
      const body = JSON.parse((r as { body: string }).body);
      expect(body).toMatchObject({ code: 'TKO_ERR_FORBIDDEN' });
      expect(body.message).toContain(`origin '${origin}' may not open /ws`);
    }
    expect(await helloWithOrigin(srv.url, 'http://localhost:5173')).toBe('server_info');
    expect(await helloWithOrigin(srv.url, `http://127.0.0.1:${srv.port}`)).toBe('server_info');
    expect(await helloWithOrigin(srv.url, undefined)).toBe('server_info');
    expect(await helloWithOrigin(srv.url, 'https://console.lab.example')).toBe('server_info');
  });
});
