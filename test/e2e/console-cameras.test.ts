import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, OPERATOR, signIn, startE2eServer, waitInPage, type E2eServer } from './e2e-harness.ts';
import { PANDA_ARM_JOINTS, PANDA_FINGERS, PANDA_READY, PANDA_URDF } from '../server/robots/ros/panda-fixture.ts';
import { CONTROLLER_ORDER, POSITION_TOPIC } from '../server/robots/ros/ros-harness.ts';
import { RosbridgeTestServer } from '../server/robots/ros/rosbridge-test-server.ts';
import { publishCamera, SyntheticCamera } from '../server/robots/ros/synthetic-camera.ts';
import { TestClient } from '../server/support/test-server.ts';

// A ROS arm with a wrist camera behind the rosbridge test double: live panels, then Replay.
const WRIST = '/wrist_camera/image_raw/compressed';
let ros: RosbridgeTestServer;
let srv: E2eServer;
let browser: Browser;
let page: Page;
let camera: { stop(): void } | null = null;

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A hash of an <img>'s pixels as the browser decoded them (0 before it has loaded). */
function imageHash(p: Page, selector: string): Promise<number> {
  return p.evaluate((sel) => {
    const img = document.querySelector(sel) as HTMLImageElement | null;
    if (!img || !img.complete || img.naturalWidth === 0) return 0;
    const c = document.createElement('canvas');
    c.width = img.naturalWidth;
    c.height = img.naturalHeight;
    const ctx = c.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261;
    for (let i = 0; i < d.length; i += 4) h = Math.imul(h ^ (d[i] >> 4), 16777619);
    return h >>> 0 || 1;
  }, selector);
}

interface CamWindow {
  __takeover: {
    robotView: { cameras: { shown: Map<string, number> } } | null;
    replay: { shown(): number; steps: { step: number; t: number }[]; cameras: { shownT: Map<string, number | null>; step: number | null } } | null;
  };
}

beforeAll(async () => {
  ros = await RosbridgeTestServer.start({
    joints: [...PANDA_ARM_JOINTS, ...PANDA_FINGERS],
    initial: Object.fromEntries(PANDA_ARM_JOINTS.map((j, i) => [j, PANDA_READY[i]])),
    params: { robot_description: PANDA_URDF }, rosVersion: 1,
    controllers: [{ topic: POSITION_TOPIC, type: 'std_msgs/Float64MultiArray', joints: CONTROLLER_ORDER }],
    topics: { [WRIST]: 'sensor_msgs/CompressedImage' },
  });
  ros.startPublishing(100);
  camera = publishCamera(ros, WRIST, new SyntheticCamera({ width: 160, height: 120, period: 12 }), 20);
  [srv, browser] = await Promise.all([startE2eServer([{
    id: 'panda', kind: 'ros', policy: 'idle',
    ros: {
      url: ros.url, rosVersion: 1, jointNames: PANDA_ARM_JOINTS, command: { interface: 'position_controller', topic: POSITION_TOPIC, jointOrder: CONTROLLER_ORDER },
      urdf: { param: 'robot_description' }, eeLink: 'panda_hand_tcp', staleAfter: 5,
      cameras: [{ name: 'wrist', topic: WRIST, maxRate: 10, recordRate: 10 }],
    },
    limits: { workspaceMin: [0.1, -0.6, 0.05], workspaceMax: [0.85, 0.6, 0.9], maxEeStep: 0.03 },
  }]), launchBrowser()]);
}, 180_000);

afterAll(async () => {
  camera?.stop();
  await browser?.close();
  await srv?.close();
  await ros?.close();
});

describe('console cameras', () => {
  it('shows a live camera panel beside the 3D view whose image changes, with its frame age (red once the camera stops)', async () => {
    page = await signIn(browser, srv.base);
    await page.goto(`${srv.base}/#/robot/panda`);
    await page.getByTestId('camera-img-wrist').waitFor();
    await waitInPage(page, () => ((window as unknown as CamWindow).__takeover.robotView?.cameras.shown.get('wrist') ?? 0) >= 2);
    const seen = new Set<number>();
    await until(async () => {
      const h = await imageHash(page, '[data-testid="camera-img-wrist"]');
      if (h) seen.add(h);
      return seen.size >= 3;
    }, 'three different camera pictures');
    expect(await page.getByTestId('camera-age-wrist').textContent()).toMatch(/^\d+(\.\d)? (ms|s)$/);
    camera!.stop();
    await page.locator('[data-testid="camera-age-wrist"].old').waitFor({ timeout: 20_000 });
  });

  it('replays the recorded frames at the scrubbed step', async () => {
    camera = publishCamera(ros, WRIST, new SyntheticCamera({ width: 160, height: 120, period: 12 }), 20);
    const auth = { authorization: `Bearer ${OPERATOR.token}` };
    const recorded = async () => ((await srv.app.inject({ method: 'GET', url: '/api/cameras', headers: auth })).json().cameras[0]?.recorded ?? 0) as number;
    // a fresh episode while the camera runs, so frames cover all of it; a few seconds of it, then end it
    const { client } = await TestClient.signIn(srv.base.replace('http', 'ws') + '/ws', OPERATOR.token);
    const r0 = await recorded();
    await until(async () => (await recorded()) > r0, 'frames flowing again');
    const from = Date.now();
    client.send({ type: 'reset_episode', robot: 'panda', ref: 1 });
    await client.next((m) => m.type === 'ack' && m.ref === 1);
    const before = await recorded();
    await until(async () => (await recorded()) >= before + 30, 'thirty recorded frames', 60_000);
    client.send({ type: 'reset_episode', robot: 'panda', ref: 2 });
    await client.next((m) => m.type === 'ack' && m.ref === 2);
    client.close();
    camera.stop();
    let id = '';
    await until(async () => {
      const items = (await srv.app.inject({ method: 'GET', url: '/api/episodes?robotId=panda', headers: auth })).json().items as Array<{ id: string; status: string; steps: number; startedAt: number }>;
      for (const e of items.filter((x) => x.status === 'complete' && x.steps > 10 && x.startedAt >= from)) {
        const cams = await srv.app.inject({ method: 'GET', url: `/api/episodes/${e.id}/cameras`, headers: auth });
        if (cams.statusCode === 200 && cams.json().cameras[0]?.frames >= 10) id = e.id;
      }
      return id !== '';
    }, 'the finished episode with camera frames', 30_000);

    await page.goto(`${srv.base}/#/replay/${encodeURIComponent(id)}`);
    await waitInPage(page, () => document.querySelector('.replay-player')?.getAttribute('data-loaded') === 'true', 60_000);
    const scrubTo = async (f: number) => {
      const box = (await page.getByTestId('timeline').boundingBox())!;
      await page.mouse.click(box.x + box.width * f, box.y + box.height / 2);
      const shown = await page.evaluate(() => (window as unknown as CamWindow).__takeover.replay!.shown());
      await page.waitForFunction((s) => {
        const r = (window as unknown as CamWindow).__takeover.replay!;
        return r.cameras.step === r.steps[s].step && (document.querySelector('[data-testid="replay-camera-wrist"]') as HTMLImageElement | null)?.complete;
      }, shown, { timeout: 20_000, polling: 50 });
      const r = await page.evaluate((s) => {
        const rp = (window as unknown as CamWindow).__takeover.replay!;
        return { t: rp.steps[s].t, frameT: rp.cameras.shownT.get('wrist') ?? null, src: (document.querySelector('[data-testid="replay-camera-wrist"]') as HTMLImageElement).src };
      }, shown);
      // what the server says was the newest frame at that step's time
      const expected = (await srv.app.inject({ method: 'GET', url: `/api/episodes/${id}/images?camera=wrist&t=${r.t}`, headers: auth })).json() as { t: number; data: string };
      return { ...r, expected, hash: await imageHash(page, '[data-testid="replay-camera-wrist"]') };
    };
    const a = await scrubTo(0.3);
    const b = await scrubTo(0.8);
    for (const x of [a, b]) {
      // the panel shows exactly that frame, decoded by the browser, received at or before the step
      expect(x.src).toBe(`data:image/jpeg;base64,${x.expected.data}`);
      expect(x.frameT).toBe(x.expected.t);
      expect(x.frameT!).toBeLessThanOrEqual(x.t + 0.001);
      expect(x.hash).not.toBe(0);
    }
    // a later step shows a later frame
    expect(b.frameT!).toBeGreaterThan(a.frameT!);
  }, 240_000); // its waits (frames, an episode, the replay load, two scrubs) add up past the default on a loaded runner
});
