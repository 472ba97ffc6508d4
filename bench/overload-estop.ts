// Client process of the overload bench: a second operator that every second e-stops one robot and
// then resets it, timing each command from send to its ack (client side).
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
  let skipped = 0;
  let errors: Record<string, number> = {};
  const closes: Record<string, number> = {};
  /** the command in flight: its ref, type and send time */
  let inflight: { ref: number; type: 'estop' | 'reset_estop'; at: number } | null = null;
  let nextRef = 1;
  let timer: NodeJS.Timeout | null = null;
  let ws: Awaited<ReturnType<typeof signIn>> | null = null;

  const onMsg = (m: ServerMessage) => {
    if ((m.type !== 'ack' && m.type !== 'error') || !inflight || m.ref !== inflight.ref) return;
    const ms = performance.now() - inflight.at;
    if (m.type === 'error') countInto(errors, `${inflight.type}:${m.code}`);
    const was = inflight.type;
    inflight = null;
    if (was === 'estop') {
      estopMs.push(ms);
      inflight = { ref: nextRef++, type: 'reset_estop', at: performance.now() };
      send(ws!, { type: 'reset_estop', robot: p.robot, ref: inflight.ref });
    } else resetMs.push(ms);
  };

  (async () => {
    ws = await signIn(p.url, p.token, 'bench-estop', onMsg);
    ws.on('close', (code) => countInto(closes, code));
    timer = setInterval(() => {
      // one cycle at a time: a cycle still waiting for its ack makes this second's e-stop wait
      if (inflight) return void skipped++;
      inflight = { ref: nextRef++, type: 'estop', at: performance.now() };
      send(ws!, { type: 'estop', robot: p.robot, ref: inflight.ref });
    }, p.periodMs);
    ready();
  })().catch((err: Error) => process.stdout.write(JSON.stringify({ type: 'error', message: err.message }) + '\n'));

  return {
    mark() {
      estopMs = [];
      resetMs = [];
      skipped = 0;
      errors = {};
    },
    result() {
      if (timer) clearInterval(timer);
      // an e-stop still unanswered counts with its age so far (a lower bound of its latency)
      const open = inflight?.type === 'estop' ? [performance.now() - inflight.at] : [];
      const all = [...estopMs, ...open];
      return {
        robot: p.robot, estops: estopMs.length, unanswered: open.length, skippedSeconds: skipped,
        estopP50Ms: percentile(all, 50), estopP99Ms: percentile(all, 99), estopMaxMs: percentile(all, 100),
        resetP99Ms: percentile(resetMs, 99), errors, closes,
      };
    },
    close: () => ws?.terminate(),
  };
});
