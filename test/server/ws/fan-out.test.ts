import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { ClientSession } from '../../../server/ws/client-session.ts';

/** TEST DOUBLE socket: counts sends, with a settable send backlog. */
class FakeSocket {
  readyState = 1;
  bufferedAmount = 0;
  sent: Uint8Array[] = [];
  send(data: Uint8Array): void {
    this.sent.push(data);
  }
}

const frame = (n: number) => Uint8Array.of(n);

describe('ClientSession fan-out', () => {
  it('drops and counts frames while the socket is backed up, then sends the newest', () => {
    const sock = new FakeSocket();
    const s = new ClientSession('c1', sock as unknown as WebSocket, null, 1000);
    s.subscribe('arm0', undefined);
    s.offer('arm0', frame(1), 0);
    sock.bufferedAmount = 5000; // stalled client
    for (let i = 2; i <= 10; i++) s.offer('arm0', frame(i), i);
    expect(s.dropped).toBe(9);
    sock.bufferedAmount = 0; // drained
    s.offer('arm0', frame(11), 11);
    expect(sock.sent.map((b) => b[0])).toEqual([1, 11]);
    expect(s.sent).toBe(2);
  });

  it("a stalled client does not affect another client's frames", () => {
    const slow = new FakeSocket();
    const fast = new FakeSocket();
    const a = new ClientSession('a', slow as unknown as WebSocket, null, 1000);
    const b = new ClientSession('b', fast as unknown as WebSocket, null, 1000);
    for (const s of [a, b]) s.subscribe('arm0', undefined);
    slow.bufferedAmount = 1e9;
    for (let i = 0; i < 100; i++) for (const s of [a, b]) s.offer('arm0', frame(i), i * 20);
    expect(fast.sent).toHaveLength(100);
    expect(slow.sent).toHaveLength(0);
    expect(a.dropped).toBe(100);
  });

  it('honours maxRate without counting drops, and ignores robots not subscribed', () => {
    const sock = new FakeSocket();
    const s = new ClientSession('c', sock as unknown as WebSocket, null, 1000);
    s.subscribe('arm0', 10); // one frame per 100 ms
    for (let t = 0; t < 1000; t += 20) s.offer('arm0', frame(t / 20), t);
    expect(sock.sent).toHaveLength(10);
    expect(s.dropped).toBe(0);
    s.offer('arm1', frame(0), 5000);
    expect(sock.sent).toHaveLength(10);
  });
});

describe('FrameCollector and Broadcaster', () => {
  it('encodes each robot frame once for all clients and coalesces many robots into one write per client', async () => {
    const { vi } = await import('vitest');
    const { Fleet } = await import('../../../server/robots/fleet.ts');
    const { Broadcaster } = await import('../../../server/ws/broadcaster.ts');
    const { FrameCollector } = await import('../../../server/control-plane/frame-collector.ts');
    const { ManualClock } = await import('../../../server/control/clock.ts');
    const { defaultConfig } = await import('../../../server/config/config-schema.ts');
    const { replicateRobots, validateConfig } = await import('../../../server/config/load-config.ts');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'] });
    try {
      const clock = new ManualClock();
      const config = validateConfig({ ...defaultConfig(), record: false, robots: replicateRobots({ id: 'arm0', kind: 'mock' }, 6) });
      const fleet = await Fleet.create(config, { clock });
      await fleet.start({ schedule: false });
      const out = new Broadcaster();
      const b = new FrameCollector({ coalesceMs: 5, emit: (frames) => out.fanOut(frames), watched: (id) => out.watched(id) });
      for (const r of fleet.robots.values()) b.attach(r);
      const corks: number[] = [];
      const socks = [0, 1, 2].map((i) => {
        const sock = Object.assign(new FakeSocket(), { _socket: { cork: () => corks.push(i), uncork: () => {} } });
        const s = new ClientSession(`c${i}`, sock as unknown as WebSocket, null, 1 << 20);
        for (const id of fleet.robots.keys()) s.subscribe(id, undefined);
        out.sessions.add(s);
        return sock;
      });
      fleet.tickAll(); // first tick: flushes right after it (nothing flushed in the last 5 ms)
      vi.advanceTimersByTime(0);
      expect(b.flushes).toBe(1);
      clock.advance(0.05);
      fleet.tickAll(); // within 5 ms of that flush: all six wait
      vi.advanceTimersByTime(4);
      expect(b.flushes).toBe(1);
      vi.advanceTimersByTime(2);
      fleet.get('arm0').loop.tick(); // the first tick after the window flushes everything pending
      vi.advanceTimersByTime(0);
      expect(b.flushes).toBe(2);
      clock.advance(0.05);
      fleet.tickAll();
      vi.advanceTimersByTime(20); // ticks stopped: the fallback timer flushes them
      expect(b.flushes).toBe(3);
      expect(b.framesBuilt).toBe(18); // once per robot per flush, not per client
      for (const sock of socks) expect(sock.sent).toHaveLength(18);
      expect(corks.length).toBe(9); // one corked write per client per flush
      await fleet.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});
