// `npm run bench -- overload`: baseline and overload phases against a server process (bench/overload-phase.ts), printed by bench/overload-report.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { phaseFigures } from './overload-figures.ts';
import { lockTiming, RESET_EVERY_S, runPhase, type PhaseOptions } from './overload-phase.ts';
import { killAll } from './overload-procs.ts';
import { floorTable, threadTable } from './overload-floor-report.ts';
import { baselineTable, overloadRows, overloadTable, phaseDetails } from './overload-report.ts';
import type { Benchmark } from './run.ts';
import { defaultConfig } from '../server/config/config-schema.ts';

const RATE_HZ = 50;
const VIEWERS = 32;

/** `--name=value` (the bench runner takes bare words as benchmark names). */
function flag(args: string[], name: string, fallback: number): number {
  const v = args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const n = Number(v);
  return v !== undefined && Number.isFinite(n) ? n : fallback;
}

/** `npm run bench -- overload [--seconds=25] [--warmup=20] [--robots=16] [--json] [--keep] [--loads=abcde] [--network-nice=N] [--gc=own-thread|helper-threads] [--doorbell=on|off] [--semi-space=MB]` (--loads: a subset, to see which one hurts; --network-nice: the server's threadNice.network; --gc=own-thread: the server runs under node --single-threaded-gc; --doorbell: the server's controlDoorbell, by default as the server's default; --semi-space: the server runs under node --min-semi-space-size=MB --max-semi-space-size=MB) */
export const overloadBench: Benchmark = {
  name: 'overload',
  summary: 'a server process under five hostile loads at once (bad frames, 2,000 idle sockets, REST flood, a locked catalog, a stalled subscriber) against a baseline: jitter, teleop and e-stop latency, pauses, lost steps, memory',
  async run(args) {
    const seconds = Math.max(3, flag(args, 'seconds', 25));
    const warmupS = Math.max(0, flag(args, 'warmup', 20));
    const robots = Math.max(2, Math.round(flag(args, 'robots', 16)));
    const json = args.includes('--json');
    const loads = [...new Set(args.find((a) => a.startsWith('--loads='))?.slice(8) ?? 'abcde')].filter((k) => 'abcde'.includes(k)).join('');
    const say = (s: string) => (json ? process.stderr : process.stdout).write(s);
    const log = (line: string) => process.stderr.write(`[overload ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'takeover-overload-'));
    // a Ctrl-C or kill of the bench takes every child with it
    const onSignal = () => {
      killAll();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      const lock = lockTiming(seconds);
      say(
        `${robots} sim robots at ${RATE_HZ} Hz (policy expert), recording on; the server is \`node bin/takeover.js serve\` in its own process at normal priority, one fresh server (and data dir) per phase.\n` +
        `Clients at normal priority, each kind its own process: ${VIEWERS} viewers subscribed to every robot; operator '${'bench-op-teleop'}' takes over arm0..arm${robots - 2}, teleops each at ${RATE_HZ} Hz with a ref (client send->reply) and starts a new episode on one of them every ${RESET_EVERY_S} s; ` +
        `operator 'bench-op-estop' e-stops arm${robots - 1} (the robot nobody teleops) every second, then reset_estop, timing each ack.\n` +
        `Overload phase adds${loads === 'abcde' ? '' : ` (this run: ${[...loads].join(', ')} only)`}, each in its own process at nice 19: (a) a viewer flooding 1-byte non-msgpack frames (reconnecting), (b) 2,000 idle signed-in sockets + 20 that never say hello, ` +
        `(c) REST GETs /api/status and /api/episodes at 500/s, (d) a BEGIN IMMEDIATE write lock on catalog.sqlite held ${lock.holdS} s from ${lock.delayS} s into the window, (e) a subscriber that never reads.\n` +
        `${seconds} s measured per phase after a ${warmupS} s warm-up with the clients connected (the overload phase then waits for its loads to ramp up); load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores.\n`,
      );
      const networkNice = args.some((a) => a.startsWith('--network-nice=')) ? flag(args, 'network-nice', -5) : null;
      const doorbell = args.find((a) => a.startsWith('--doorbell='))?.slice(11) ?? (defaultConfig().controlDoorbell ? 'on' : 'off');
      if (doorbell !== 'on' && doorbell !== 'off') throw new Error(`--doorbell must be on or off, got '${doorbell}'`);
      const serverConfig = { ...(networkNice === null ? {} : { threadNice: { network: networkNice } }), controlDoorbell: doorbell === 'on' };
      if (networkNice !== null) say(`server threadNice.network ${networkNice} (--network-nice)\n`);
      say(`control thread doorbell: ${doorbell} (--doorbell; controlDoorbell in docs/configuration.md)\n`);
      const gc = args.find((a) => a.startsWith('--gc='))?.slice(5);
      if (gc !== undefined && gc !== 'own-thread' && gc !== 'helper-threads') throw new Error(`--gc must be own-thread or helper-threads, got '${gc}'`);
      const serverNodeFlags = gc === 'own-thread' ? ['--single-threaded-gc'] : [];
      say(`server garbage collection: ${gc ?? 'helper-threads'} (--gc)\n`);
      // a larger young generation from the start: fewer scavenges on every thread of the server
      const semi = flag(args, 'semi-space', 0);
      // V8 clamps the minimum to the maximum (16 MB by default): both are set
      if (semi > 0) serverNodeFlags.push(`--min-semi-space-size=${semi}`, `--max-semi-space-size=${semi}`);
      say(`server young generation: ${semi > 0 ? `--min-semi-space-size=${semi} --max-semi-space-size=${semi} (MB; --semi-space)` : "V8's default (--semi-space=MB to set)"}\n`);
      const base: Omit<PhaseOptions, 'name' | 'loads' | 'dir'> = { robots, rateHz: RATE_HZ, seconds, warmupS, viewers: Math.max(0, Math.round(flag(args, "viewers", VIEWERS))), serverConfig, serverNodeFlags, log };
      const b = await runPhase({ ...base, name: 'baseline', loads: '', dir: join(dir, 'baseline') });
      const o = await runPhase({ ...base, name: 'overload', loads, dir: join(dir, 'overload') });
      const bf = phaseFigures(b, RATE_HZ);
      const of = phaseFigures(o, RATE_HZ);
      const rows = overloadRows(bf, of);
      const failed = rows.filter((r) => r.pass === false).map((r) => r.figure);
      if (json) {
        process.stdout.write(JSON.stringify({ bench: 'overload', robots, rateHz: RATE_HZ, seconds, viewers: VIEWERS, loads, lock, estopRobot: o.estopRobot, baseline: { figures: bf, phase: b }, overload: { figures: of, phase: o }, table: rows, failed }) + '\n');
      } else {
        say(`\nbaseline (no loads):\n${phaseDetails(b, bf)}${baselineTable(bf)}`);
        say(`\noverload (${loads === 'abcde' ? 'all five loads at once' : `loads ${[...loads].join(', ')} only`}):\n${phaseDetails(o, of)}`);
        say(`\noverload against the targets (ratio = overload / baseline; worst robot = highest figure of the ${robots}):\n${overloadTable(rows)}`);
        say(`\ntick jitter against the machine's floor (a bare thread at the control thread's priority, beside the server, same phase; bench/floor-probe.ts):\n${floorTable(bf, of)}`);
        say(`\nwhere the control thread's time went (a late tick = a late wake-up, or queued behind other robots' ticks, or a collection):\n${threadTable(bf, of)}`);
        say(`${failed.length ? `FAIL: ${failed.join('; ')}` : 'all targets PASS'}\n`);
      }
    } finally {
      killAll();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (!args.includes('--keep')) rmSync(dir, { recursive: true, force: true });
      else process.stderr.write(`overload: kept ${dir}\n`);
    }
  },
};
