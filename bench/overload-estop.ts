// Client process of the overload bench: a second operator that every second e-stops one robot and,
// once that is acknowledged, resets it, timing each command from send to its ack (client side).
// As the console does, each e-stop goes out on /ws and on the safety socket at once (when the
// server has one); the first ack counts, and each path is timed too.
// E-stops go out every second whatever is still unanswered: a frozen server shows as late acks.
import type WebSocket from 'ws';
import type { ServerMessage } from '../protocol/messages.ts';
import { countInto, send, signInWithInfo } from './overload-ws.ts';
import { runChild } from './overload-child.ts';
import { percentile } from './percentiles.ts';

interface Params {
  url: string;
  token: string;
  robot: string;
  periodMs: number;
  maxSeconds: number;
}

type Path = 'ws' | 'safety';
interface EStop { at: number; acked: Partial<Record<Path, number>> }

runChild<Params>((p, ready) => {
  let first: number[] = [];
  let byPath: Record<Path, number[]> = { ws: [], safety: [] };
  let resetMs: number[] = [];
  let errors: Record<string, number> = {};
  let mostInFlight = 0;
  const closes: Record<string, number> = {};
  /** e-stops sent and not answered on every path yet, by ref */
  const estops = new Map<number, EStop>();
  const resets = new Map<number, number>();
  let nextRef = 1;
  let timer: NodeJS.Timeout | null = null;
  let ws: WebSocket | null = null;
  let safety: WebSocket | null = null;
  const paths = (): Path[] => (safety ? ['ws', 'safety'] : ['ws']);

  const onMsg = (path: Path) => (m: ServerMessage) => {
    if ((m.type !== 'ack' && m.type !== 'error') || m.ref === undefined) return;
    const now = performance.now();
    if (m.type === 'error') countInto(errors, `${path}:${m.for}:${m.code}`);
    const resetAt = resets.get(m.ref);
    if (path === 'ws' && resetAt !== undefined) {
      resets.delete(m.ref);
      return void resetMs.push(now - resetAt);
    }
    const e = estops.get(m.ref);
    if (!e || e.acked[path] !== undefined) return;
    e.acked[path] = now - e.at;
    byPath[path].push(now - e.at);
    if (Object.keys(e.acked).length === 1) first.push(now - e.at);
    if (paths().some((x) => e.acked[x] === undefined)) return;
    estops.delete(m.ref);
    // reset only when every path answered and no later e-stop is still on its way
    if (estops.size === 0) {
      const ref = nextRef++;
      resets.set(ref, performance.now());
      send(ws!, { type: 'reset_estop', robot: p.robot, ref });
    }
  };

  (async () => {
    const signedIn = await signInWithInfo(p.url, p.token, 'bench-estop', onMsg('ws'));
    ws = signedIn.ws;
    ws.on('close', (code) => countInto(closes, `ws:${code}`));
    const s = signedIn.info?.safety;
    if (s) {
      const u = new URL(p.url);
      safety = (await signInWithInfo(`${u.protocol}//${u.hostname}:${s.port}${s.path}`, p.token, 'bench-estop', onMsg('safety'), 20_000, true)).ws;
      safety.on('close', (code) => countInto(closes, `safety:${code}`));
    }
    timer = setInterval(() => {
      const ref = nextRef++;
      estops.set(ref, { at: performance.now(), acked: {} });
      mostInFlight = Math.max(mostInFlight, estops.size);
      // one press, two copies: the server acts on the first to land
      for (const sock of [safety, ws]) if (sock) send(sock, { type: 'estop', robot: p.robot, ref, press: `bench-${ref}` });
    }, p.periodMs);
    ready();
  })().catch((err: Error) => process.stdout.write(JSON.stringify({ type: 'error', message: err.message }) + '\n'));

  return {
    mark() {
      first = [];
      byPath = { ws: [], safety: [] };
      resetMs = [];
      errors = {};
      mostInFlight = 0;
      estops.clear();
      resets.clear();
    },
    result() {
      if (timer) clearInterval(timer);
      // e-stops still unanswered count with their age so far (a lower bound of their latency)
      const now = performance.now();
      const open = (path?: Path) => [...estops.values()].filter((e) => (path ? e.acked[path] === undefined : Object.keys(e.acked).length === 0)).map((e) => now - e.at);
      const all = [...first, ...open()];
      const pathFigures = (path: Path) => {
        const xs = [...byPath[path], ...open(path)];
        return { acked: byPath[path].length, unanswered: open(path).length, p50Ms: percentile(xs, 50), p99Ms: percentile(xs, 99), maxMs: percentile(xs, 100) };
      };
      return {
        robot: p.robot, estops: first.length, unanswered: open().length, mostInFlight,
        estopP50Ms: percentile(all, 50), estopP99Ms: percentile(all, 99), estopMaxMs: percentile(all, 100),
        ws: pathFigures('ws'), safety: safety ? pathFigures('safety') : null,
        resetP99Ms: percentile(resetMs, 99), errors, closes,
      };
    },
    close: () => {
      ws?.terminate();
      safety?.terminate();
    },
  };
});
