import { afterEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../../server/config/config-schema.ts';
import { validateConfig } from '../../../server/config/load-config.ts';
import { ManualClock } from '../../../server/control/clock.ts';
import { ControlDispatcher } from '../../../server/control-plane/control-dispatcher.ts';
import { ControlHost } from '../../../server/control-plane/control-host.ts';
import type { FromControl } from '../../../server/control-plane/thread-messages.ts';

const alice = { operatorId: 'alice', role: 'operator' as const };
const bob = { operatorId: 'bob', role: 'operator' as const };
const nextTurn = () => new Promise((r) => setImmediate(r));

describe('ControlDispatcher (the control thread side of the channel)', () => {
  let host: ControlHost;
  afterEach(async () => host?.stop());

  async function setup() {
    const clock = new ManualClock(0);
    const config = validateConfig({ ...defaultConfig(), record: false, logLevel: 'silent', robots: [{ id: 'arm0', kind: 'mock' }, { id: 'arm1', kind: 'mock' }] });
    host = await ControlHost.create(config, { clock, recorder: null, policies: false, onFrames: () => {}, onEvent: () => {}, onError: () => {} });
    await host.start(false);
    const posted: FromControl[] = [];
    const d = new ControlDispatcher(host, (m) => posted.push(m), null);
    const tick = () => { clock.advance(0.05); host.fleet.tickAll(); };
    const replies = () => posted.flatMap((m) => (m.t === 'refusals' ? m.replies : []));
    return { d, posted, tick, replies, loop: host.fleet.get('arm0').loop };
  }

  it("an e-stop behind a queue of 10,000 teleops lands first: not one of them moves the arm", async () => {
    const { d, tick, replies, loop } = await setup();
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: alice, cmd: { type: 'take_over', robot: 'arm0' }, at: 0 });
    await nextTurn();
    tick();
    expect(loop.mode).toBe('INTERVENING');
    const before = loop.commandLatencyMs.count;
    // one batch, as the thread receives it after a stall: 10,000 teleops, then bob's e-stop
    for (let i = 0; i < 10_000; i++) {
      d.receive({ t: 'cmd', id: 100 + i, robot: 'arm0', actor: alice, cmd: { type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] }, at: 0 });
    }
    d.receive({ t: 'cmd', id: 99, robot: 'arm0', actor: bob, cmd: { type: 'estop', robot: 'arm0' }, at: 0 });
    await nextTurn();
    const r = replies();
    const estop = r.findIndex((x) => x.id === 99);
    expect(r[estop].refusal).toBeNull();
    expect(estop).toBe(1); // right after the take_over's answer
    expect(loop.mode).toBe('ESTOP');
    const teleops = r.filter((x) => x.id >= 100);
    expect(teleops).toHaveLength(10_000);
    expect(new Set(teleops.map((x) => x.refusal?.code))).toEqual(new Set(['TKO_ERR_ESTOP_LATCHED']));
    expect(loop.commandLatencyMs.count).toBe(before);
  });

  it("answers the safety socket's commands on its own channel, in the inbox's order with the network thread's", async () => {
    const { d, posted, tick, loop } = await setup();
    const safety: FromControl[] = [];
    const out = (m: FromControl) => safety.push(m);
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: alice, cmd: { type: 'take_over', robot: 'arm0' }, at: 0 });
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: alice, cmd: { type: 'pause', robot: 'arm0' }, at: 0 }, out);
    await nextTurn();
    tick();
    // the pause went behind alice's take_over (same operator), so it is what holds now
    expect(loop.mode).toBe('PAUSED');
    expect(posted.flatMap((m) => (m.t === 'refusals' ? m.replies : []))).toEqual([{ id: 1, refusal: null }]);
    expect(safety).toEqual([{ t: 'refusals', replies: [{ id: 1, refusal: null }] }]);
    d.receive({ t: 'cmd', id: 2, robot: 'arm1', actor: bob, cmd: { type: 'estop', robot: 'arm1' }, at: 0 }, out);
    expect(safety.at(-1)).toEqual({ t: 'refusals', replies: [{ id: 2, refusal: null }] });
    expect(posted.filter((m) => m.t === 'refusals')).toHaveLength(1);
  });

  it("a press's second copy (from the other socket) landing after a reset does not latch the e-stop again", async () => {
    const { d, posted, tick, loop } = await setup();
    const safety: FromControl[] = [];
    const out = (m: FromControl) => safety.push(m);
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: bob, cmd: { type: 'estop', robot: 'arm0', press: 'p1' }, at: 0 });
    expect(loop.mode).toBe('ESTOP');
    d.receive({ t: 'cmd', id: 2, robot: 'arm0', actor: bob, cmd: { type: 'reset_estop', robot: 'arm0' }, at: 0 });
    await nextTurn();
    tick();
    expect(loop.mode).toBe('PAUSED');
    // the copy that took the slower path arrives now: answered as landed, and nothing changes
    d.receive({ t: 'cmd', id: 7, robot: 'arm0', actor: bob, cmd: { type: 'estop', robot: 'arm0', press: 'p1' }, at: 0 }, out);
    expect(safety.at(-1)).toEqual({ t: 'refusals', replies: [{ id: 7, refusal: null }] });
    expect(loop.mode).toBe('PAUSED');
    // a new press (or one without an id) latches as always
    d.receive({ t: 'cmd', id: 8, robot: 'arm0', actor: bob, cmd: { type: 'estop', robot: 'arm0', press: 'p2' }, at: 0 }, out);
    expect(loop.mode).toBe('ESTOP');
    // a press refused on one socket is refused alike on the other (not acked as if it had landed)
    d.receive({ t: 'cmd', id: 9, robot: 'arm0', actor: bob, cmd: { type: 'pause', robot: 'arm0', press: 'p3' }, at: 0 });
    d.receive({ t: 'cmd', id: 10, robot: 'arm0', actor: bob, cmd: { type: 'pause', robot: 'arm0', press: 'p3' }, at: 0 }, out);
    await nextTurn();
    const answers = [...posted, ...safety].flatMap((m) => (m.t === 'refusals' ? m.replies : [])).filter((r) => r.id === 9 || r.id === 10);
    expect(answers.map((r) => r.refusal?.code)).toEqual(['TKO_ERR_ESTOP_LATCHED', 'TKO_ERR_ESTOP_LATCHED']);
  });

  it('runs and answers an e-stop as its message arrives, without waiting for the batch to end', async () => {
    const { d, replies, loop } = await setup();
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: alice, cmd: { type: 'take_over', robot: 'arm0' }, at: 0 });
    d.receive({ t: 'cmd', id: 2, robot: 'arm0', actor: bob, cmd: { type: 'estop', robot: 'arm0' }, at: 0 });
    // no turn of the event loop yet: the take_over still waits in the inbox, the e-stop is done
    expect(loop.mode).toBe('ESTOP');
    expect(replies()).toEqual([{ id: 2, refusal: null }]);
    await nextTurn();
    expect(replies().map((r) => r.id)).toEqual([2, 1]);
    expect(replies()[1].refusal?.code).toBe('TKO_ERR_ESTOP_LATCHED');
  });

  it('signs of life and a lost operator overtake queued commands; answers keep ids', async () => {
    const { d, replies, loop } = await setup();
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: alice, cmd: { type: 'take_over', robot: 'arm0' }, at: 0 });
    d.receive({ t: 'cmd', id: 2, robot: 'arm9', actor: alice, cmd: { type: 'pause', robot: 'arm9' }, at: 0 });
    await nextTurn();
    expect(replies()).toEqual([{ id: 1, refusal: null }, { id: 2, refusal: { code: 'TKO_ERR_UNKNOWN_ROBOT', message: "no robot 'arm9'" } }]);
    d.receive({ t: 'cmd', id: 3, robot: 'arm1', actor: alice, cmd: { type: 'take_over', robot: 'arm1' }, at: 0 });
    d.receive({ t: 'gone', operatorId: 'alice' });
    await nextTurn();
    // gone ran first (arm0 released and held), then the take_over of arm1
    expect(loop.mode).toBe('PAUSED');
    expect(loop.lease).toBeNull();
    expect(host.fleet.get('arm1').loop.lease).toBe('alice');
  });

  it('answers status requests and refuses a policy swap with policies off', async () => {
    const { d, posted } = await setup();
    d.receive({ t: 'status', id: 7 });
    d.receive({ t: 'assign', id: 8, robot: 'arm0', version: 'v1' });
    await nextTurn();
    const status = posted.find((m) => m.t === 'reply' && m.id === 7) as Extract<FromControl, { t: 'reply' }>;
    expect((status.value as { robots: Array<{ id: string }> }).robots.map((r) => r.id)).toEqual(['arm0', 'arm1']);
    const assign = posted.find((m) => m.t === 'reply' && m.id === 8) as Extract<FromControl, { t: 'reply' }>;
    expect(assign.error).toMatchObject({ code: 'TKO_ERR_CONFIG' });
  });
  it("splits each teleop it runs into the network thread's leg, the hop and the inbox", async () => {
    const { d, tick } = await setup();
    d.receive({ t: 'cmd', id: 1, robot: 'arm0', actor: alice, cmd: { type: 'take_over', robot: 'arm0' }, at: 0 });
    await nextTurn();
    tick();
    const now = performance.now();
    // arrived 3 ms ago, posted 1 ms after that: the network leg is 1 ms, the hop about 2 ms
    d.receive({ t: 'cmd', id: 2, robot: 'arm0', actor: alice, cmd: { type: 'teleop', robot: 'arm0', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] }, at: now - 3, posted: now - 2 });
    // a refused teleop (bob holds no lease) is not timed
    d.receive({ t: 'cmd', id: 3, robot: 'arm1', actor: bob, cmd: { type: 'teleop', robot: 'arm1', kind: 'delta', action: [1, 0, 0, 0, 0, 0, 0] }, at: now - 3, posted: now - 2 });
    d.drain();
    const p = host.threadFigures().teleopPath;
    expect(p.count).toBe(1);
    expect(p.networkP50Ms).toBeCloseTo(1, 0);
    expect(p.hopP50Ms).toBeGreaterThanOrEqual(1.9);
    expect(p.queuedP50Ms).toBeLessThan(p.hopP50Ms!);
    host.resetFigures();
    expect(host.threadFigures().teleopPath).toMatchObject({ count: 0, hopP99Ms: null });
  });
});
