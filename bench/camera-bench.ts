import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { buildApp } from '../server/app.ts';
import { defaultConfig, type RobotConfig } from '../server/config/config-schema.ts';
import { validateConfig } from '../server/config/load-config.ts';
import { PANDA_ARM_JOINTS } from '../test/server/robots/ros/panda-fixture.ts';
import { CAMERA_TOPICS, COMMAND_TOPIC } from './camera-bench-sides.ts';
import { fmt, percentile } from './percentiles.ts';
import type { Benchmark } from './run.ts';

const TOKENS = [{ name: 'viewer', role: 'viewer' as const, token: 'camera-bench-viewer-0123456789' }];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const arg = (args: string[], name: string, dflt: number) => {
  const a = args.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.split('=')[1]) : dflt;
};

function side(data: Record<string, unknown>): Worker {
  // the worker registers tsx itself (execArgv --import does not reach workers on Node 20)
  const entry = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(new URL('./camera-bench-sides.ts', import.meta.url).href)}); })`;
  return new Worker(entry, { eval: true, workerData: data });
}

function next<T = Record<string, unknown>>(w: Worker, type: string, send?: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: { type: string }) => {
      if (m.type === type) {
        w.off('message', on);
        w.off('error', reject);
        resolve(m as T);
      }
    };
    w.on('message', on);
    w.once('error', reject);
    if (send) w.postMessage(send);
  });
}

const row = (name: string, xs: number[]) => `${name.padEnd(34)} n=${String(xs.length).padStart(7)}  p50 ${fmt(percentile(xs, 50)).padStart(6)} ms  p99 ${fmt(percentile(xs, 99)).padStart(6)} ms  max ${fmt(percentile(xs, 100)).padStart(6)} ms`;

export const cameraBench: Benchmark = {
  name: 'cameras',
  summary: 'state-frame latency to 8 viewers of 4 ROS arms, without and with two 640x480 JPEG streams at 30 Hz per robot (alternating phases, same run); camera frame age at the viewer',
  async run(args) {
    const robots = arg(args, 'robots', 4);
    const viewers = arg(args, 'viewers', 8);
    const phaseS = arg(args, 'phase', 10);
    const rounds = arg(args, 'rounds', 2);
    const cameraRobots = arg(args, 'camera-robots', 1);
    const rateHz = arg(args, 'camera-hz', 30);
    const ros = side({ role: 'ros', robots, rateHz });
    const { urls, jpegBytes } = await next<{ urls: string[]; jpegBytes: number }>(ros, 'ready');
    const dataDir = mkdtempSync(join(tmpdir(), 'takeover-camera-bench-'));
    const robotConfigs: RobotConfig[] = urls.map((url, i) => ({
      id: `arm${i}`, kind: 'ros', policy: 'idle',
      ros: {
        url, rosVersion: 1, jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller', topic: COMMAND_TOPIC },
        urdf: { param: 'robot_description' }, eeLink: 'panda_hand_tcp', staleAfter: 1,
        cameras: CAMERA_TOPICS.map((topic, k) => ({ name: k === 0 ? 'wrist' : 'scene', topic, maxRate: rateHz, recordRate: 10 })),
      },
      limits: { workspaceMin: [0.1, -0.6, 0.05], workspaceMax: [0.85, 0.6, 0.9], maxEeStep: 0.03 },
    }));
    // recording on (the camera frames go into the journals at 10 Hz, as configured by default)
    const config = validateConfig({ ...defaultConfig(), port: 0, dataDir, record: true, logLevel: 'silent', webDir: join(dataDir, 'none'), controlRateHz: 50, robots: robotConfigs, tokens: TOKENS, heartbeatTimeoutMs: 2000 });
    const app = await buildApp(config);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `ws://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const view = side({ role: 'viewers', base, token: TOKENS[0].token, robots: [...app.control.robotIds], viewers, cameraRobots });
    await next(view, 'ready');
    const out = process.argv.includes('--json') ? process.stderr : process.stdout;
    out.write(`${robots} ROS arms at 50 Hz (rosbridge doubles on their own thread), ${viewers} state viewers subscribed to all; camera phase: 2 cameras per robot at ${rateHz} Hz (JPEG ${(jpegBytes / 1024).toFixed(0)} KiB, 640x480), each viewer also watches the cameras of ${cameraRobots} robot(s); ${rounds} x (${phaseS} s without, ${phaseS} s with), recording on\n`);
    // connect, first joint states, and a warm-up of both phases (JIT, socket buffers) not measured
    await sleep(3000);
    ros.postMessage({ type: 'cameras', on: true });
    await next(view, 'cameras-open', { type: 'cameras', on: true });
    await sleep(3000);
    ros.postMessage({ type: 'cameras', on: false });
    await next(view, 'cameras-open', { type: 'cameras', on: false });
    await sleep(2000);
    const none: number[] = [];
    const withCams: number[] = [];
    const ages: number[] = [];
    let images = 0;
    const dropped0 = app.broadcaster.dropped;
    for (let r = 0; r < rounds; r++) {
      await next(view, 'taken', { type: 'take' });
      await sleep(phaseS * 1000);
      none.push(...(await next<{ stateLatency: number[] }>(view, 'taken', { type: 'take' })).stateLatency);
      ros.postMessage({ type: 'cameras', on: true });
      await next(view, 'cameras-open', { type: 'cameras', on: true });
      await sleep(1000); // frames flowing before the window opens
      await next(view, 'taken', { type: 'take' });
      await sleep(phaseS * 1000);
      const t = await next<{ stateLatency: number[]; imageAge: number[]; images: number }>(view, 'taken', { type: 'take' });
      withCams.push(...t.stateLatency);
      ages.push(...t.imageAge);
      images += t.images;
      ros.postMessage({ type: 'cameras', on: false });
      await next(view, 'cameras-open', { type: 'cameras', on: false });
      await sleep(1000);
    }
    const camStats = (await app.inject({ method: 'GET', url: '/api/cameras', headers: { authorization: `Bearer ${TOKENS[0].token}` } })).json() as { sent: number; dropped: number; rejected: number; cameras: Array<{ received: number; recorded: number }> };
    out.write(`${row('state latency, no camera', none)}\n`);
    out.write(`${row('state latency, with cameras', withCams)}\n`);
    const ratio = percentile(withCams, 99) / percentile(none, 99);
    out.write(`state p99 ratio (with / without cameras): ${fmt(ratio)}  (target <= 1.2: ${ratio <= 1.2 ? 'met' : 'NOT met'})\n`);
    out.write(`${row('camera frame age at the viewer', ages)}\n`);
    out.write(`camera frames: received ${camStats.cameras.reduce((a, c) => a + c.received, 0)}, sent to viewers ${camStats.sent} (measured window ${images}), replaced before they could leave (rate cap or a backed-up socket) ${camStats.dropped}, recorded ${camStats.cameras.reduce((a, c) => a + c.recorded, 0)}, rejected ${camStats.rejected}; state frames dropped ${app.broadcaster.dropped - dropped0}\n`);
    view.postMessage({ type: 'stop' });
    ros.postMessage({ type: 'stop' });
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  },
};
