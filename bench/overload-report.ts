// The overload bench's printed report: per-phase details, the baseline's figures against today's
// targets, and the overload table (targets, PASS/FAIL, ratios against the baseline).
import type { Figures, Spread } from './overload-figures.ts';
import type { PhaseResult } from './overload-phase.ts';
import type { Status } from './overload-server.ts';
import { fmt } from './percentiles.ts';

export interface Row {
  figure: string;
  baseline: number | null;
  overload: number | null;
  target: string;
  pass: boolean | null;
}

const show = (x: number | null | undefined, d = 3): string =>
  typeof x === 'number' && Number.isFinite(x) ? (Number.isInteger(x) ? String(x) : fmt(x, d)) : 'n/a';
const ratio = (b: number | null, o: number | null): string => (b !== null && o !== null && b > 0 ? `x${fmt(o / b, 3)}` : '-');
const le = (x: number | null, max: number): boolean => x !== null && x <= max;
const w = (s: Spread) => s.worst;
const m = (s: Spread) => s.median;

/** The rows of the overload table (targets from the brief of this bench). */
export function overloadRows(b: Figures, o: Figures): Row[] {
  const row = (figure: string, pick: (f: Figures) => number | null, target = '', test?: (x: number | null, f: Figures) => boolean): Row => ({
    figure, baseline: pick(b), overload: pick(o), target, pass: test ? test(pick(o), o) : null,
  });
  return [
    row('tick jitter p50 ms, worst robot', (f) => w(f.jitterP50)),
    row('tick jitter p50 ms, median robot', (f) => m(f.jitterP50)),
    row('tick jitter p99 ms, worst robot', (f) => w(f.jitterP99), '<= 2', (x) => le(x, 2)),
    row('tick jitter p99 ms, median robot', (f) => m(f.jitterP99)),
    row('tick jitter p99.9 ms, worst robot', (f) => w(f.jitterP999), '<= 10', (x) => le(x, 10)),
    row('tick jitter p99.9 ms, median robot', (f) => m(f.jitterP999)),
    row('tick jitter max ms, worst robot', (f) => w(f.jitterMax)),
    row('tick jitter max ms, median robot', (f) => m(f.jitterMax)),
    row(`step interval p99 ms in the window, worst robot (journals; ${fmt(1000 / o.configuredHz)} = on time)`, (f) => w(f.intervalP99)),
    row('step interval max ms in the window, worst robot (journals)', (f) => w(f.intervalMax)),
    row(`loop Hz, slowest robot (configured ${o.configuredHz})`, (f) => f.hzMin),
    row('robots with rateOk false', (f) => f.rateNotOk),
    row('scheduler overruns (ticks skipped) from the loads on', (f) => f.overruns),
    row('teleop latency p50 ms, server, worst robot', (f) => w(f.teleopServerP50)),
    row('teleop latency p99 ms, server, worst robot', (f) => w(f.teleopServerP99)),
    row('teleop latency p99 ms, server, median robot', (f) => m(f.teleopServerP99)),
    row('teleop send->reply p99 ms, client', (f) => f.teleopClientP99),
    row('e-stop send->ack p99 ms, client (first of both sockets)', (f) => f.estopP99, '<= 20', (x) => le(x, 20)),
    row('e-stop send->ack max ms, client', (f) => f.estopMax),
    row('e-stop send->ack p99 ms, client, safety socket alone', (f) => f.estopSafetyP99),
    row('e-stop send->ack p99 ms, client, /ws alone', (f) => f.estopWsP99),
    row('e-stop arrival->answer p99 ms, server, safety thread', (f) => f.estopSafetyServerP99),
    row('e-stop arrival->answer p99 ms, server, network thread (/ws)', (f) => f.estopServerP99),
    row('e-stop arrival->answer max ms, server, network thread (/ws)', (f) => f.estopServerMax),
    row(`spurious pauses${Object.keys(o.pauseReasons).length ? ` (overload: ${Object.entries(o.pauseReasons).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`, (f) => f.pauses, '0', (x) => x === 0),
    row('steps lost', (f) => f.stepsLost, '0', (x, f) => x === 0 && f.cleanExit),
    row('catalog rows not matching journals', (f) => f.catalogMismatches, '0', (x) => x === 0),
    row('server RSS MiB before loads', (f) => f.rssBefore),
    row('server RSS MiB end of window', (f) => f.rssEnd),
    row('server RSS growth MiB', (f) => f.rssGrowth, '<= 50', (x) => le(x, 50)),
    row('state frames dropped (slow clients)', (f) => f.framesDropped),
  ];
}

/** Prints rows as an aligned pipe table. */
function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((x) => '-'.repeat(x + 2)).join('|')}|`, ...rows.map(line)].join('\n') + '\n';
}

/** The overload table: baseline, overload, ratio, target, PASS/FAIL. */
export function overloadTable(rows: Row[]): string {
  return table(
    ['figure', 'baseline', 'overload', 'ratio', 'target', 'result'],
    rows.map((r) => [r.figure, show(r.baseline), show(r.overload), ratio(r.baseline, r.overload), r.target, r.pass === null ? '' : r.pass ? 'PASS' : 'FAIL']),
  );
}

/** The baseline against today's targets (tick jitter p99 <= 1 ms, teleop p99 <= 1 ms). */
export function baselineTable(f: Figures): string {
  const rows: Array<[string, number | null, string, boolean | null]> = [
    ['tick jitter p50 ms, worst / median robot', w(f.jitterP50), `median robot ${show(m(f.jitterP50))}`, null],
    ['tick jitter p99 ms, worst robot', w(f.jitterP99), '<= 1', le(w(f.jitterP99), 1)],
    ['tick jitter p99.9 ms, worst robot', w(f.jitterP999), '', null],
    ['tick jitter max ms, worst robot', w(f.jitterMax), '', null],
    ['step interval p99 ms in the window, worst robot (journals)', w(f.intervalP99), '', null],
    [`loop Hz, slowest robot (configured ${f.configuredHz})`, f.hzMin, '', null],
    ['teleop latency p50 ms, server, worst / median robot', w(f.teleopServerP50), `median robot ${show(m(f.teleopServerP50))}`, null],
    ['teleop latency p99 ms, server, worst robot', w(f.teleopServerP99), '<= 1', le(w(f.teleopServerP99), 1)],
    ['teleop send->reply p99 ms, client', f.teleopClientP99, '', null],
    ['e-stop send->ack p99 ms, client (first of both sockets)', f.estopP99, '', null],
    ['e-stop send->ack p99 ms, client, safety socket / /ws alone', f.estopSafetyP99, `/ws ${show(f.estopWsP99)}`, null],
    ['e-stop arrival->answer p99 ms, server, safety thread / network thread', f.estopSafetyServerP99, `network ${show(f.estopServerP99)}`, null],
    ['spurious pauses', f.pauses, '', null],
    ['steps lost', f.stepsLost, '', null],
  ];
  return table(['figure', 'baseline', "today's target", 'result'], rows.map(([n, v, t, p]) => [n, show(v), t, p === null ? '' : p ? 'PASS' : 'FAIL']));
}

const j = (x: unknown) => JSON.stringify(x ?? null);

/** What each side of a phase did: clients, loads, server, journals (one line each). */
export function phaseDetails(p: PhaseResult, f: Figures): string {
  const out: string[] = [];
  const c = p.clients;
  if (p.error) out.push(`  phase error: ${p.error}`);
  if (p.serverDied) out.push(`  ${p.serverDied}`);
  for (const s of p.childProblems) out.push(`  client problem: ${s}`);
  out.push(`  window ${show(p.windowS)} s; end status read answered ${show(p.endReadS)} s after it (${p.endUnderLoad ? 'loads still on' : 'after the clients stopped: no answer within 10 s under load'}); jitter rings hold the last ${show(f.ringTicks)} ticks of each robot, ${p.figuresReset ? 'cleared at the window start (POST /api/status/reset-figures)' : `which ran up to ${show(f.ticksSinceStart)} ticks since before the loads (the reset was refused: they reach back to the server's start when it has run fewer than 4096 ticks)`}; load average ${show(p.loadAverage)}`);
  out.push(`  viewers: ${show(c.viewers?.framesPerS as number, 4)} frames/s received; closes ${j(c.viewers?.closes)}`);
  out.push(`  teleop (${p.teleopRobots.length} robots): ${c.teleop?.resets ?? 'n/a'} new episodes asked, ${c.teleop?.sent ?? 'n/a'} teleops sent, ${c.teleop?.answered ?? 'n/a'} answered, send->reply p50 ${show(f.teleopClientP50)} ms, ${show(f.teleopUnanswered)} unanswered after 1 s, errors ${j(c.teleop?.errors)}, pauses ${j(f.pauseReasons)}, other modes ${j(c.teleop?.otherModes)}`);
  out.push(`  e-stop (${p.estopRobot}): ${show(f.estops)} acked, ${show(f.estopUnanswered)} unanswered at the end, up to ${c.estop?.mostInFlight ?? 'n/a'} in flight at once, reset_estop p99 ${show(c.estop?.resetP99Ms as number)} ms, errors ${j(c.estop?.errors)}`);
  const l = p.loads;
  const has = (k: string) => k in l;
  const a = l['a-bad-frames'] ?? {};
  if (has('a-bad-frames')) out.push(`  (a) bad frames: ${show(a.sentPerS as number, 4)} sent/s, ${show(a.errorFramesPerS as number, 4)} error frames back/s, closes ${j(a.closes)}, reconnects ${a.reconnects ?? 'n/a'}`);
  const b = l['b-idle-sockets'] ?? {};
  if (has('b-idle-sockets')) out.push(`  (b) idle sockets: ${b.signedIn ?? 'n/a'} signed in (${b.open ?? 'n/a'} open at the end, ramp ${show(b.rampS as number)} s, ${b.signInFailures ?? 'n/a'} failures), ${b.helloless ?? 'n/a'} without hello open (${b.hellolessOpened ?? 'n/a'} opened), closes ${j(b.idleCloses)} / no-hello closes ${j(b.hellolessCloses)}`);
  const r = l['c-rest'] ?? {};
  if (has('c-rest')) out.push(`  (c) REST: ${show(r.donePerS as number, 4)} GETs/s done of ${r.targetPerS ?? 'n/a'}/s, codes ${j(r.codes)}, latency p50 ${show(r.latP50Ms as number)} / p99 ${show(r.latP99Ms as number)} / max ${show(r.latMaxMs as number)} ms`);
  const d = l['d-catalog-lock'] ?? {};
  if (has('d-catalog-lock')) out.push(`  (d) catalog lock: ${d.acquired ? `held from ${show(((d.acquiredAtMs as number) - p.window.fromMs) / 1000)} s to ${show(((d.releasedAtMs as number) - p.window.fromMs) / 1000)} s into the window (${show((d.heldMs as number) / 1000)} s; waited ${show(d.waitedMs as number)} ms to get it), committed ${d.committed}; ${show(f.endsDuringLock)} episode ends (catalog writes) of the teleoped robots fell in it` : `not acquired (${d.error ?? 'n/a'})`}`);
  const e = l['e-stalled-subscriber'] ?? {};
  if (has('e-stalled-subscriber')) out.push(`  (e) stalled subscriber: paused ${e.paused ?? 'n/a'} after ${e.bytesBeforePause ?? 'n/a'} bytes, closes ${j(e.closes)}`);
  out.push(`  server: RSS MiB before ${show(f.rssBefore, 4)}, peak ${show(f.rssPeak, 4)}, end ${show(f.rssEnd, 4)}, 2 s after the clients left ${show(f.rssAfterLoads, 4)}; end status read took ${show(p.end?.ms)} ms; ${p.end?.status.clients ?? 'n/a'} clients; log: ${p.logErrors.count} error lines${p.logErrors.first ? ` (first: ${p.logErrors.first})` : ''}`);
  out.push(`  server memory MiB, before loads -> end of window: ${memoryLine(p.start?.status, p.end?.status)}`);
  const s = p.stop;
  out.push(`  exit on SIGINT: ${s ? (s.alreadyDead ? 'already dead' : `code ${s.code}${s.signal ? ` signal ${s.signal}` : ''} after ${show(s.ms / 1000)} s`) : 'n/a'}`);
  const jc = p.journals;
  if (jc) {
    const worst = [...jc.robots].sort((x, y) => y.lost - x.lost)[0];
    out.push(`  journals (read with recordings/episode-reader.ts openIndexed, i.e. @mcap/core's indexed reader): ${jc.journals} files, ${jc.steps} steps vs ${jc.robots.reduce((a, r) => a + r.ticks, 0)} ticks at the last status read; lost ${jc.lost}${worst?.lost ? ` (most: ${worst.robot}, ${worst.steps} steps of ${worst.ticks} ticks, ${worst.gaps} gaps)` : ''}; recorder dropped ${show(f.recorderDropped)} rejected ${show(f.recorderRejected)}; ${jc.scanned.length} without footer, ${jc.unreadable.length} unreadable, ${jc.quarantined} quarantined`);
    out.push(`  fleet stalls (no robot recorded a step), longest: ${jc.stalls.length ? jc.stalls.map((x) => `${show(x.ms / 1000)} s from ${show(x.atS)} s`).join(', ') : 'none over 0.1 s'} (times from the window's start)`);
    const k = jc.catalog;
    out.push(`  catalog: ${k.rows} rows; ${k.notComplete} not complete, ${k.stepsDiffer} with other step counts than their journal, ${k.rowWithoutFile} without a journal, ${k.fileWithoutRow} journals without a row${k.error ? `; error: ${k.error}` : ''}`);
  }
  return out.join('\n') + '\n';
}

/** Where the server's memory was at two status reads: RSS, each thread's V8 heap, buffers outside them. */
function memoryLine(a: Status | undefined, b: Status | undefined): string {
  const pair = (x: number | undefined, y: number | undefined) => `${show(x, 4)} -> ${show(y, 4)}`;
  return [
    `RSS ${pair(a?.memory?.rssMiB, b?.memory?.rssMiB)}`,
    `network thread heap ${pair(a?.memory?.heapTotalMiB, b?.memory?.heapTotalMiB)} (used ${pair(a?.memory?.heapUsedMiB, b?.memory?.heapUsedMiB)})`,
    `its buffers outside the heap ${pair(a?.memory?.externalMiB, b?.memory?.externalMiB)}`,
    `control thread heap ${pair(a?.controlThread.heap?.totalMiB, b?.controlThread.heap?.totalMiB)}`,
  ].join(', ');
}
