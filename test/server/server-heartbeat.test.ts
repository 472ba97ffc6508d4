import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ServerHeartbeat } from '../../server/server-heartbeat.ts';
import { serverState } from '../../server/fleet-snapshot.ts';
import { serverAddress } from '../../server/server-address.ts';

/** Resolves once `pred` holds; fails after `ms`. */
async function until(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`not reached in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('ServerHeartbeat', () => {
  it('beats at start, then every period, never two writes at once, and not after stop', async () => {
    let writes = 0;
    let open = 0;
    let maxOpen = 0;
    const hb = new ServerHeartbeat({
      periodMs: 10,
      robots: async () => [],
      write: async () => {
        open++;
        maxOpen = Math.max(maxOpen, open);
        await new Promise((r) => setTimeout(r, 15)); // slower than the period
        open--;
        writes++;
      },
      onFailure: () => {},
      onRecovered: () => {},
    });
    await hb.start();
    expect(writes).toBe(1);
    void hb.beatNow();
    void hb.beatNow(); // joins the write in flight
    await until(() => writes >= 4);
    await hb.stop();
    const stoppedAt = writes;
    await new Promise((r) => setTimeout(r, 60));
    expect(writes).toBe(stoppedAt);
    expect(maxOpen).toBe(1);
  });

  it('reports the first failure of an outage once, and the recovery with the count', async () => {
    let failing = true;
    const failures: string[] = [];
    const recovered: number[] = [];
    const hb = new ServerHeartbeat({
      periodMs: 5,
      robots: async () => [],
      write: async () => {
        if (failing) throw new Error('database down');
      },
      onFailure: (err) => failures.push(err.message),
      onRecovered: (n) => recovered.push(n),
    });
    await hb.start();
    await hb.beatNow();
    await hb.beatNow();
    expect(failures).toEqual(['database down']);
    failing = false;
    await until(() => recovered.length > 0);
    await hb.stop();
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toBeGreaterThanOrEqual(3);
    expect(failures).toHaveLength(1);
  });

  it('does not wait past its bound for a write that hangs', async () => {
    let started = false;
    const hb = new ServerHeartbeat({
      periodMs: 10,
      robots: async () => [],
      write: () => {
        started = true;
        return new Promise<void>(() => {}); // a database that never answers
      },
      onFailure: () => {},
      onRecovered: () => {},
    });
    void hb.start();
    await until(() => started);
    const stopped = await Promise.race([hb.stop(20).then(() => 'stopped'), new Promise((r) => setTimeout(() => r('still waiting'), 5000))]);
    expect(stopped).toBe('stopped');
  });
});

describe('serverState', () => {
  it('is stopped when stopped, stale past three periods, up otherwise', () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.integer({ min: 100, max: 60_000 }), fc.boolean(), (age, period, stopped) => {
      const s = serverState(age, period, stopped);
      expect(s).toBe(stopped ? 'stopped' : age > 3 * period ? 'stale' : 'up');
    }));
    expect(serverState(6000, 2000, false)).toBe('up');
    expect(serverState(6001, 2000, false)).toBe('stale');
  });
});

describe('serverAddress', () => {
  it('takes the bound port once listening and names the machine for a wildcard bind', () => {
    expect(serverAddress({ host: '127.0.0.1', port: 0 }, null)).toEqual({ url: 'http://127.0.0.1:0', host: '127.0.0.1', port: 0 });
    expect(serverAddress({ host: '127.0.0.1', port: 0, tls: { cert: 'c', key: 'k' } }, { address: '127.0.0.1', family: 'IPv4', port: 8443 }).url).toBe('https://127.0.0.1:8443');
    const wild = serverAddress({ host: '0.0.0.0', port: 8080 }, null);
    expect(wild.host).not.toBe('0.0.0.0');
    expect(serverAddress({ host: '::1', port: 8080 }, null).url).toBe('http://[::1]:8080');
  });
});
