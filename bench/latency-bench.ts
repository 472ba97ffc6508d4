import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WebSocketServer } from 'ws';
import { buildApp } from '../server/app.ts';
import { defaultConfig } from '../server/config/config-schema.ts';
import { replicateRobots, validateConfig } from '../server/config/load-config.ts';
import { fmt, percentile } from './percentiles.ts';
import type { Benchmark } from './run.ts';

const TOKENS = [
  { name: 'bench-op', role: 'operator' as const, token: 'bench-operator-token-0001' },
  { name: 'bench-viewer', role: 'viewer' as const, token: 'bench-viewer-token-00001' },
];

/** `--name=value` (the bench runner takes bare words as benchmark names). */
function flagValue(args: string[], name: string): string | undefined {
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
function flag(args: string[], name: string, fallback: number): number {
  const v = Number(flagValue(args, name));
  return Number.isFinite(v) && flagValue(args, name) !== undefined ? v : fallback;
}

async function runOnce(robots: number, o: { rateHz: number; viewers: number; seconds: number; warmup: number; kind: 'sim' | 'mock'; spinMs?: number; coalesceMs?: number; doorbell: boolean }) {
  const dataDir = mkdtempSync(join(tmpdir(), 'takeover-bench-'));
  const config = validateConfig({
    ...defaultConfig(), port: 0, dataDir, record: false, logLevel: 'silent', webDir: join(dataDir, 'none'), controlRateHz: o.rateHz,
    robots: replicateRobots({ id: 'arm0', kind: o.kind, task: 'place', policy: 'expert' }, robots), tokens: TOKENS,
    heartbeatTimeoutMs: 2000,
    controlDoorbell: o.doorbell,
    // one operator teleops every robot at the loop rate: past 20 robots at 50 Hz that is more than a
    // connection's default message budget (docs/configuration.md), so the budget grows with the fleet
    wsLimits: { ...defaultConfig().wsLimits, messagesPerSecond: Math.max(1000, 2 * robots * o.rateHz), messageBurst: Math.max(2000, 4 * robots * o.rateHz) },
  });
  const app = await buildApp(config, { spinMs: o.spinMs, coalesceMs: o.coalesceMs });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const echo = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  echo.on('connection', (ws) => ws.on('message', (d) => ws.send(d, { binary: true })));
  await new Promise((r) => echo.once('listening', r));
  // The worker registers tsx itself (execArgv --import does not reach workers on Node 20), then loads the TS module.
  const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./latency-worker.ts', import.meta.url).href)}); })`;
  const worker = new Worker(entry, {
    eval: true,
    workerData: {
      url: `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}/ws`,
      echoUrl: `ws://127.0.0.1:${(echo.address() as AddressInfo).port}`,
      viewerToken: TOKENS[1].token, operatorToken: TOKENS[0].token,
      robots: [...app.control.robotIds], viewers: o.viewers, teleopHz: o.rateHz,
    },
  });
  const next = (type: string) => new Promise<Record<string, unknown>>((resolve, reject) => {
    const on = (m: Record<string, unknown>) => { if (m.type === type) { worker.off('message', on); resolve(m); } };
    worker.on('message', on);
    worker.once('error', reject);
  });
  await next('ready');
  await new Promise((r) => setTimeout(r, o.warmup * 1000));
  const overruns0 = (await app.control.samples(true)).overruns;
  const dropped0 = app.broadcaster.dropped;
  worker.postMessage({ type: 'reset' });
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  worker.postMessage({ type: 'stop' });
  const res = (await next('result')) as { rtt: number[]; frames: number; errors: number };
  const smp = await app.control.samples(false);
  const jitterMs = smp.jitterMs;
  const latMs = smp.commandLatencyMs;
  const rate = smp.rateHz.reduce((a, r) => a + r, 0) / smp.rateHz.length;
  const out = {
    robots, latP50: percentile(latMs, 50), latP99: percentile(latMs, 99), latN: latMs.length,
    jitP50: percentile(jitterMs, 50), jitP99: percentile(jitterMs, 99), jitN: jitterMs.length, rate,
    rttP50: percentile(res.rtt, 50), rttP99: percentile(res.rtt, 99),
    frames: res.frames, dropped: app.broadcaster.dropped - dropped0, overruns: smp.overruns - overruns0,
    errors: res.errors, cpu: (cpu.user + cpu.system) / 1e6 / o.seconds,
  };
  await worker.terminate();
  echo.close();
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
  return out;
}

/** `npm run bench -- latency [--seconds=S] [--robots=1,16] [--rate=HZ] [--viewers=N] [--mock] [--spin=MS] [--coalesce=MS] [--doorbell=on|off]` (--doorbell: the server's controlDoorbell, default as configured) */
export const latencyBench: Benchmark = {
  name: 'latency',
  summary: 'teleop frame received -> command handed to the bridge, and tick jitter, for 1 and 16 sim robots (--robots takes a list, e.g. 32,64) with 32 viewers; raw ws round trip beside',
  async run(args) {
    const seconds = flag(args, 'seconds', 8);
    const rateHz = flag(args, 'rate', 50);
    const viewers = flag(args, 'viewers', 32);
    const kind = args.includes('--mock') ? 'mock' : 'sim';
    const counts = (flagValue(args, 'robots') ?? '1,16').split(',').map(Number);
    const spinMs = flagValue(args, 'spin') !== undefined ? flag(args, 'spin', 1) : undefined;
    const coalesceMs = flagValue(args, 'coalesce') !== undefined ? flag(args, 'coalesce', 0) : undefined;
    const bell = flagValue(args, 'doorbell');
    if (bell !== undefined && bell !== 'on' && bell !== 'off') throw new Error(`--doorbell must be on or off, got '${bell}'`);
    const doorbell = bell === undefined ? defaultConfig().controlDoorbell : bell === 'on';
    process.stdout.write(`scheduler precise sleep ${spinMs ?? 'default (2)'} ms, frame coalescing ${coalesceMs ?? 'default'} ms, control doorbell ${doorbell ? 'on' : 'off'}; load average ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} cores.\n`);
    process.stdout.write(`${kind} robots at ${rateHz} Hz, ${viewers} viewers subscribed to every robot, one operator teleoping every robot at ${rateHz} Hz; ${seconds} s measured after 2 s warm-up; clients in a worker thread.\n`);
    process.stdout.write('robots | cmd latency p50 / p99 ms (n) | tick jitter p50 / p99 ms (n) | loop Hz (% of configured) | raw ws RTT p50 / p99 ms | frames to viewers/s | dropped | overruns | server CPU\n');
    for (const n of counts) {
      const r = await runOnce(n, { rateHz, viewers, seconds, warmup: 2, kind, spinMs, coalesceMs, doorbell });
      process.stdout.write(
        `${String(n).padStart(6)} | ${fmt(r.latP50)} / ${fmt(r.latP99)} (${r.latN}) | ${fmt(r.jitP50)} / ${fmt(r.jitP99)} (${r.jitN}) | ${fmt(r.rate, 4)} (${fmt((100 * r.rate) / rateHz, 3)}%) | ` +
        `${fmt(r.rttP50)} / ${fmt(r.rttP99)} | ${Math.round(r.frames / seconds)} | ${r.dropped} | ${r.overruns} | ${fmt(r.cpu * 100, 3)}%` +
        `${r.errors ? ` | ${r.errors} error frames` : ''}\n`,
      );
    }
    process.stdout.write('targets: command latency p99 <= 1 ms and tick jitter p99 <= 1 ms with 16 robots\n');
  },
};
