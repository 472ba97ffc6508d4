import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { wallClock } from '../../../../server/control/clock.ts';
import { InputDrainMark } from '../../../../server/robots/ros/input-drain-mark.ts';
import { until } from './wait-until.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function stall(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) { /* busy */ }
}

describe('InputDrainMark', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  it('marks a time only once the input that came before it has been read, also after a stall inside a socket callback', async () => {
    const server = net.createServer();
    const accepted: net.Socket[] = [];
    server.on('connection', (s) => accepted.push(s));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as net.AddressInfo;
    const a = net.connect(port, '127.0.0.1');
    const b = net.connect(port, '127.0.0.1');
    closers.push(() => { a.destroy(); b.destroy(); for (const s of accepted) s.destroy(); server.close(); });
    await Promise.all([once(a, 'connect'), once(b, 'connect')]);
    await until(() => accepted.length === 2, 'both connections');
    const toA = accepted.find((s) => s.remotePort === a.localPort)!;
    const toB = accepted.find((s) => s.remotePort === b.localPort)!;

    const mark = new InputDrainMark(wallClock);
    closers.push(() => mark.stop());
    mark.request();
    await until(() => mark.drainedAt > -Infinity, 'a first mark');
    let sentToB = NaN;
    let drainedWhenBRead = NaN;
    b.on('data', () => (drainedWhenBRead = mark.drainedAt));
    a.on('data', () => {
      // a poll-phase callback that stalls while b's data arrives: b is read only in the next poll phase
      mark.request();
      sentToB = wallClock.now();
      toB.write('x');
      stall(50);
    });
    toA.write('go');
    await until(() => !Number.isNaN(drainedWhenBRead), "b's data to be read");
    expect(drainedWhenBRead).toBeLessThan(sentToB); // the mark never claimed b's unread data as read
    await until(() => mark.drainedAt > sentToB, 'a mark past the stall once b has been read');
  });

  it('marks after a request, and after the delay of requestIn with no tick asking', async () => {
    const mark = new InputDrainMark(wallClock);
    closers.push(() => mark.stop());
    expect(mark.drainedAt).toBe(-Infinity);
    const t0 = wallClock.now();
    mark.request();
    mark.request(); // one mark on its way serves both
    expect(mark.drainedAt).toBe(-Infinity); // not before a poll phase
    await until(() => mark.drainedAt >= t0, 'the requested mark');
    const t1 = wallClock.now();
    mark.requestIn(5);
    mark.requestIn(0.05); // replaces the request before it
    await until(() => mark.drainedAt >= t1 + 0.05, 'the mark after the delay');
    const t2 = wallClock.now();
    mark.requestIn(0.05);
    mark.requestIn(0.1); // pushed back, not doubled
    await until(() => mark.drainedAt >= t2, 'the mark after the later delay');
    expect(mark.drainedAt).toBeGreaterThanOrEqual(t2 + 0.1); // the first mark since is the later one
  });

  it('stop cancels the marks on their way and keeps the last one', async () => {
    const mark = new InputDrainMark(wallClock);
    mark.request();
    await until(() => mark.drainedAt > -Infinity, 'a first mark');
    const last = mark.drainedAt;
    mark.request();
    mark.requestIn(0.01);
    mark.stop();
    await sleep(50);
    expect(mark.drainedAt).toBe(last);
  });
});
