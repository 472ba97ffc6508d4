// Client process of the overload bench: a second operator that every second e-stops one robot and,
// once that is acknowledged, resets it, timing each command from send to its ack (client side).
// E-stops go out every second whatever is still unanswered: a frozen server shows as late acks.
import type { ServerMessage } from '../protocol/messages.ts';
import { countInto, send, signIn } from './overload-ws.ts';
import { runChild } from './overload-child.ts';
import { percentile } from './percentiles.ts';

interface Params {
  url: string;
  token: string;
  robot: string;
  periodMs: number;
  maxSeconds: number;
}

runChild<Params>((p, ready) => {
  let estopMs: number[] = [];
  let resetMs: number[] = [];
  let errors: Record<string, number> = {};
  let mostInFlight = 0;
  const closes: Record<string, number> = {};
  /** commands sent and not yet answered, by ref */
  const inflight = new Map<number, { type: 'estop' | 'reset_estop'; at: number }>();
  let nextRef = 1;
  let timer: NodeJS.Timeout | null = null;
  let ws: Awaited<ReturnType<typeof signIn>> | null = null;
  const estopsInFlight = () => [...inflight.values()].filter((c) => c.type === 'estop').length;

  const onMsg = (m: ServerMessage) => {
    if ((m.type !== 'ack' && m.type !== 'error') || m.ref === undefined) return;
    const c = inflight.get(m.ref);
    if (!c) return;
    inflight.delete(m.ref);
    const ms = performance.now() - c.at;
    if (m.type === 'error') countInto(errors, `${c.type}:${m.code}`);
    if (c.type === 'reset_estop') return void resetMs.push(ms);
    estopMs.push(ms);
    // reset only when no later e-stop is still on its way
    if (estopsInFlight() === 0) {
      const ref = nextRef++;
      inflight.set(ref, { type: 'reset_estop', at: performance.now() });
      send(ws!, { type: 'reset_estop', robot: p.robot, ref });
    }
  };

  (async () => {
    ws = await signIn(p.url, p.token, 'bench-estop', onMsg);
    ws.on('close', (code) => countInto(closes, code));
    timer = setInterval(() => {
      const ref = nextRef++;
      inflight.set(ref, { type: 'estop', at: performance.now() });
      mostInFlight = Math.max(mostInFlight, estopsInFlight());
      send(ws!, { type: 'estop', robot: p.robot, ref });
    }, p.periodMs);
    ready();
  })().catch((err: Error) => process.stdout.write(JSON.stringify({ type: 'error', message: err.message }) + '\n'));

  return {
    mark() {
      estopMs = [];
      resetMs = [];
      errors = {};
      mostInFlight = 0;
      inflight.clear();
    },
    result() {
      if (timer) clearInterval(timer);
      // e-stops still unanswered count with their age so far (a lower bound of their latency)
      const now = performance.now();
      const open = [...inflight.values()].filter((c) => c.type === 'estop').map((c) => now - c.at);
      const all = [...estopMs, ...open];
      return {
        robot: p.robot, estops: estopMs.length, unanswered: open.length, mostInFlight,
        estopP50Ms: percentile(all, 50), estopP99Ms: percentile(all, 99), estopMaxMs: percentile(all, 100),
        resetP99Ms: percentile(resetMs, 99), errors, closes,
      };
    },
    close: () => ws?.terminate(),
  };
});
