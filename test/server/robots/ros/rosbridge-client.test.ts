import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { Scheduler } from '../../../../server/robots/ros/backoff.ts';
import { RosbridgeClient } from '../../../../server/robots/ros/rosbridge-client.ts';
import type { RoslibTransport, RosbridgeOp } from '../../../../server/robots/ros/roslib-module.ts';
import { MemoryLog } from './wait-until.ts';

/** TEST DOUBLE transport (roslib's seam): opens or refuses on command, records what is sent. */
class FakeTransport extends EventEmitter {
  sent: RosbridgeOp[] = [];
  state: 'connecting' | 'open' | 'closed' = 'connecting';
  send(m: RosbridgeOp) { this.sent.push(m); }
  close() { if (this.state !== 'closed') { this.state = 'closed'; this.emit('close', {}); } }
  open() { this.state = 'open'; this.emit('open', {}); }
  refuse() { this.emit('error', { message: 'connect ECONNREFUSED' }); this.close(); }
  isConnecting() { return this.state === 'connecting'; }
  isOpen() { return this.state === 'open'; }
  isClosing() { return false; }
  isClosed() { return this.state === 'closed'; }
}

/** TEST DOUBLE scheduler: collects timers; the test fires them. */
class FakeScheduler implements Scheduler {
  pending: Array<{ fn: () => void; ms: number }> = [];
  delays: number[] = [];
  setTimeout(fn: () => void, ms: number) { this.pending.push({ fn, ms }); this.delays.push(ms); return fn; }
  clearTimeout(h: unknown) { this.pending = this.pending.filter((p) => p.fn !== h); }
  fire() { const p = this.pending.shift(); p?.fn(); }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('RosbridgeClient', () => {
  it('reconnects with exponential backoff, re-subscribes, and never queues publishes while down', async () => {
    const transports: FakeTransport[] = [];
    const sched = new FakeScheduler();
    const log = new MemoryLog();
    const client = new RosbridgeClient({
      url: 'ws://robot:9090', log, scheduler: sched, backoff: { initialDelay: 0.25, maxDelay: 2, factor: 2 },
      transportFactory: async () => { const t = new FakeTransport(); transports.push(t); return t as unknown as RoslibTransport; },
    });
    const states: string[] = [];
    client.onState((s) => states.push(s));
    client.subscribe('/joint_states', 'sensor_msgs/JointState', () => {});
    const pub = client.publisher('/cmd', 'std_msgs/Float64MultiArray');
    expect(pub.publish({ data: [1] })).toBe(false);
    const opened = client.open();
    await tick();
    transports[0].open();
    await opened;
    expect(transports[0].sent.map((m) => m.op)).toEqual(['subscribe', 'advertise']);
    expect(pub.publish({ data: [2] })).toBe(true);
    expect(transports[0].sent.filter((m) => m.op === 'publish')).toHaveLength(1); // the one sent while down was dropped, not queued
    transports[0].close(); // link lost
    expect(client.state).toBe('reconnecting');
    expect(pub.publish({ data: [3] })).toBe(false);
    for (let i = 0; i < 5; i++) {
      sched.fire();
      await tick();
      transports.at(-1)!.refuse();
    }
    expect(sched.delays).toEqual([250, 500, 1000, 2000, 2000, 2000]);
    sched.fire();
    await tick();
    transports.at(-1)!.open();
    expect(client.state).toBe('open');
    expect(client.attempts).toBe(0);
    expect(transports.at(-1)!.sent.map((m) => m.op).sort()).toEqual(['advertise', 'subscribe']);
    expect(transports.at(-1)!.sent.some((m) => m.op === 'publish')).toBe(false);
    expect(log.has(/connection lost; reconnecting/)).toBe(true);
    expect(log.has(/ECONNREFUSED/)).toBe(true);
    client.close();
    expect(sched.pending).toHaveLength(0);
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
  });

  it('reads parameters and reports service failures', async () => {
    const t = new FakeTransport();
    const client = new RosbridgeClient({ url: 'ws://x', log: new MemoryLog(), transportFactory: async () => t as unknown as RoslibTransport });
    const opened = client.open();
    await tick();
    t.open();
    await opened;
    const answer = (values: unknown, result = true) => {
      const call = t.sent.filter((m) => m.op === 'call_service').at(-1)!;
      expect(call).toMatchObject({ service: '/rosapi/get_param', args: { name: 'robot_description' } });
      expect(Object.keys(call.args as object)).toEqual(['name']);
      t.emit('message', { op: 'service_response', id: call.id, service: call.service, values, result });
    };
    let p = client.getParam('robot_description');
    answer({ value: '"<robot/>"' });
    await expect(p).resolves.toBe('<robot/>');
    p = client.getParam('robot_description');
    answer({ value: 'null' });
    await expect(p).rejects.toThrow(/'robot_description' is not set/);
    p = client.getParam('robot_description');
    answer('Service /rosapi/get_param does not exist', false);
    await expect(p).rejects.toThrow(/failed: Service \/rosapi\/get_param does not exist/);
    p = client.getParam('robot_description');
    answer({ value: '{oops' });
    await expect(p).rejects.toThrow(/not JSON/);
    client.close();
  });
});
