import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, TOKENS } from '../support/test-server.ts';

type Server = Awaited<ReturnType<typeof startTestServer>>;

describe('auth at the REST edge (real server)', () => {
  let srv: Server | null = null;
  afterEach(async () => {
    await srv?.close();
    srv = null;
  });

  it('takes the Bearer scheme in any case', async () => {
    srv = await startTestServer();
    const base = `http://127.0.0.1:${srv.port}`;
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      const res = await fetch(`${base}/api/status`, { headers: { authorization: `${scheme} ${TOKENS.eve.token}` } });
      expect(res.status, scheme).toBe(200);
    }
    expect((await fetch(`${base}/api/status`, { headers: { authorization: `Basic ${TOKENS.eve.token}` } })).status).toBe(401);
    expect((await fetch(`${base}/api/status`, { headers: { authorization: 'bearer wrong-token-0123456789' } })).status).toBe(401);
  });
});
