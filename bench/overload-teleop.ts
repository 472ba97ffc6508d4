// Client process of the overload bench: the operator that takes over and teleops its robots,
// every command stamped with a `ref` so its reply (ack, or error when refused) times it; it
// counts the PAUSED events it did not ask for, and resumes. Every `resetEveryS` it starts a new
// episode on one of its robots, in turn (the console's New episode), so that the catalog is
// written to while the catalog-lock load holds it. Like the console, it sends heartbeats on /ws and
// on the safety socket (docs/protocol.md "Safety socket"), so a busy network thread does not look
// like a lost operator to the control thread's watchdog.
import type WebSocket from 'ws';
import type { ServerMessage } from '../protocol/messages.ts';
import { countInto, send, signInWithInfo } from './overload-ws.ts';
import { runChild } from './overload-child.ts';
import { percentile } from './percentiles.ts';

interface Params {
  url: string;
  token: string;
  name: string;
  robots: string[];
  rateHz: number;
  resetEveryS: number;
  maxSeconds: number;
}

/** What happened in the measured window (reset by `mark`). */
function freshWindow() {
  return {
    rttMs: [] as number[], sent: 0, errors: {} as Record<string, number>, pauses: 0, pauseReasons: {} as Record<string, number>,
    pauseLog: [] as Array<{ robot: string; reason: string; atS: number }>, otherModes: {} as Record<string, number>, retakes: 0,
    resets: 0, episodeEndsAtMs: [] as number[],
  };
}

runChild<Params>((p, ready) => {
  const mode = new Map<string, string>(p.robots.map((r) => [r, 'UNKNOWN']));
  const mine = new Set(p.robots);
  const pending = new Map<number, number>();
  const closes: Record<string, number> = {};
  let w = freshWindow();
  let t0 = performance.now();
  let nextRef = 1;
  let teleopTimer: NodeJS.Timeout | null = null;
  let resetTimer: NodeJS.Timeout | null = null;
  let heartbeatTimer: NodeJS.Timeout | null = null;
  let ws: WebSocket | null = null;
  let safety: WebSocket | null = null;
  const ref = () => (nextRef = nextRef >= 2 ** 31 - 2 ? 1 : nextRef + 1);

  const onMsg = (m: ServerMessage) => {
    if ((m.type === 'ack' || m.type === 'error') && m.ref !== undefined) {
      const at = pending.get(m.ref);
      if (at !== undefined) {
        w.rttMs.push(performance.now() - at);
        pending.delete(m.ref);
      }
    }
    if (m.type === 'error') countInto(w.errors, `${m.for ?? '?'}:${m.code}`);
    else if (m.type === 'event' && m.event === 'episode_end' && mine.has(m.robot)) {
      if (w.episodeEndsAtMs.length < 1000) w.episodeEndsAtMs.push(performance.timeOrigin + performance.now());
    } else if (m.type === 'event' && m.event === 'mode' && mine.has(m.robot)) {
      const d = m.data as { mode: string; lease: string | null; reason: string };
      const before = mode.get(m.robot);
      mode.set(m.robot, d.mode);
      if (d.mode === 'PAUSED' && before !== 'PAUSED') {
        // this operator never sends pause: every PAUSED is unrequested; resume to keep driving
        w.pauses++;
        countInto(w.pauseReasons, d.reason);
        if (w.pauseLog.length < 50) w.pauseLog.push({ robot: m.robot, reason: d.reason, atS: (performance.now() - t0) / 1000 });
      } else if (d.mode !== 'INTERVENING' && d.mode !== before) countInto(w.otherModes, `${d.mode}: ${d.reason}`);
      if (d.lease !== p.name) {
        w.retakes++;
        send(ws!, { type: 'take_over', robot: m.robot, ref: ref() });
      } else if (d.mode === 'PAUSED') send(ws!, { type: 'resume', robot: m.robot, ref: ref() });
      else if (d.mode === 'ESTOP') send(ws!, { type: 'reset_estop', robot: m.robot, ref: ref() });
    }
  };

  (async () => {
    const signedIn = await signInWithInfo(p.url, p.token, 'bench-teleop', onMsg);
    ws = signedIn.ws;
    ws.on('close', (code) => countInto(closes, code));
    const s = signedIn.info?.safety;
    if (s) {
      const u = new URL(p.url);
      safety = (await signInWithInfo(`${u.protocol}//${u.hostname}:${s.port}${s.path}`, p.token, 'bench-teleop', () => {}, 20_000, true)).ws;
      safety.on('close', (code) => countInto(closes, `safety:${code}`));
    }
    // the console's period: a tenth of the server's heartbeat timeout, between 50 and 250 ms
    const every = Math.max(50, Math.min(250, (signedIn.info?.heartbeatTimeoutMs ?? 1000) / 10));
    heartbeatTimer = setInterval(() => {
      const t = performance.now();
      for (const sock of [ws, safety]) if (sock) send(sock, { type: 'heartbeat', t });
    }, every);
    // events come whatever maxRate says; one state frame a second is enough here
    send(ws, { type: 'subscribe', robots: p.robots, maxRate: 1 });
    for (const robot of p.robots) send(ws, { type: 'take_over', robot, ref: ref() });
    const until = performance.now() + 20_000;
    while ([...mode.values()].some((m) => m !== 'INTERVENING') && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
    let k = 0;
    teleopTimer = setInterval(() => {
      k++;
      const s = Math.sin(k / 10);
      const now = performance.now();
      for (const robot of p.robots) {
        if (mode.get(robot) !== 'INTERVENING') continue;
        const r = ref();
        pending.set(r, now);
        w.sent++;
        send(ws!, { type: 'teleop', robot, kind: 'delta', action: [0.3 * s, 0.3 * Math.cos(k / 10), 0.2 * s, 0, 0, 0, -1], ref: r });
      }
      // a reply older than 60 s is not coming
      if (k % 100 === 0) for (const [r, at] of pending) if (now - at > 60_000) pending.delete(r);
    }, 1000 / p.rateHz);
    let turn = 0;
    resetTimer = setInterval(() => {
      w.resets++;
      send(ws!, { type: 'reset_episode', robot: p.robots[turn++ % p.robots.length], ref: ref() });
    }, p.resetEveryS * 1000);
    ready();
  })().catch((err: Error) => process.stdout.write(JSON.stringify({ type: 'error', message: err.message }) + '\n'));

  return {
    mark() {
      w = freshWindow();
      t0 = performance.now();
      pending.clear();
    },
    result() {
      if (teleopTimer) clearInterval(teleopTimer);
      if (resetTimer) clearInterval(resetTimer);
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      // unanswered for over a second: counted with their age so far (a lower bound)
      const now = performance.now();
      const late = [...pending.values()].map((at) => now - at).filter((ms) => ms > 1000);
      const all = [...w.rttMs, ...late];
      return {
        sent: w.sent, answered: w.rttMs.length, unansweredAfter1s: late.length,
        rttP50Ms: percentile(all, 50), rttP99Ms: percentile(all, 99), rttMaxMs: percentile(all, 100),
        errors: w.errors, pauses: w.pauses, pauseReasons: w.pauseReasons, pauseLog: w.pauseLog, otherModes: w.otherModes, retakes: w.retakes,
        resets: w.resets, episodeEndsAtMs: w.episodeEndsAtMs,
        modesAtEnd: Object.fromEntries(mode), closes,
      };
    },
    close: () => {
      ws?.terminate();
      safety?.terminate();
    },
  };
});
