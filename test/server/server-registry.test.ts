import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPg, type TestPg } from '../database/embedded-pg.ts';
import { openPgPool } from '../../database/pg-pool.ts';
import { ServerRegistry } from '../../server/server-registry.ts';
import type { FleetRobot } from '../../server/fleet-snapshot.ts';

let pg: TestPg;
beforeAll(async () => {
  pg = await startTestPg();
});
afterAll(async () => {
  await pg?.stop();
});

const robot: FleetRobot = {
  id: 'arm0', kind: 'sim', task: 'place', mode: 'AUTONOMOUS', modeReason: '', configuredRateHz: 20, measuredRateHz: 19.8,
  rateOk: true, stale: false, staleReason: '', policy: { name: 'expert', version: null },
};
const self = (id: string, port: number) => ({ id, url: `http://h:${port}`, host: 'h', port, version: '1.0.0', heartbeatMs: 1000 });

describe('ServerRegistry', () => {
  it('keeps one row per server id; a restart takes the row over, and the old instance cannot mark it stopped', async () => {
    const pool = openPgPool(await pg.newDatabase());
    try {
      const first = await ServerRegistry.open(pool, self('cell-a', 1));
      expect(await first.liveTwin()).toBeNull();
      await first.beat([robot]);
      const [row] = await first.list();
      expect(row).toMatchObject({ id: 'cell-a', url: 'http://h:1', status: 'up', heartbeatMs: 1000, stoppedAt: null, robots: [robot] });
      expect(row.heartbeatAgeMs).toBeLessThan(1000);

      // a second instance under the same id sees the first one alive
      const second = await ServerRegistry.open(pool, self('cell-a', 2));
      expect(await second.liveTwin()).toMatchObject({ url: 'http://h:1' });
      await second.beat([]);
      expect(await second.liveTwin()).toBeNull(); // its own row now
      await first.markStopped();
      expect((await second.list()).map((s) => `${s.id} ${s.url} ${s.status}`)).toEqual(['cell-a http://h:2 up']);
      await second.markStopped();
      expect((await second.list())[0]).toMatchObject({ status: 'stopped', stoppedAt: expect.any(String) });

      // a beat after a stop (the same id starting again) is up again
      second.setAddress({ url: 'http://h:3', host: 'h', port: 3 });
      await second.beat([robot]);
      expect((await second.list())[0]).toMatchObject({ url: 'http://h:3', port: 3, status: 'up', stoppedAt: null });
    } finally {
      await pool.end();
    }
  });
});
