import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser, OPERATOR, signIn, startE2eServer, waitInPage, poll, type E2eServer } from './e2e-harness.ts';
import type { RobotWatcher } from './robot-watcher.ts';

// WebXR through IWER's emulated Quest 3 (the console installs it for ?xr-emulator=1).
let srv: E2eServer;
let browser: Browser;
let page: Page;
let watcher: RobotWatcher;
/** arm0 as a subscribed viewer sees it */
const loop = () => watcher;

async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface XrWindow {
  __xrDevice: {
    controllers: Record<'left' | 'right', { position: { set(x: number, y: number, z: number): void }; updateButtonValue(id: string, v: number): void }>;
  };
  __takeover: {
    robotView: { scene: { fps: { frames: number } }; xr: { presenting: boolean; clutch: { engaged: boolean }; gripper: { closed: boolean } }; teleop: { target: { pos: number[] } | null } } | null;
  };
}

/** The console's EE target, robot base frame. */
const target = () => page.evaluate(() => (window as unknown as XrWindow).__takeover.robotView?.teleop.target?.pos ?? null);
const right = (fn: string) => page.evaluate(fn);

beforeAll(async () => {
  [srv, browser] = await Promise.all([startE2eServer([{ id: 'arm0', kind: 'sim', task: 'reach', policy: 'idle' }]), launchBrowser()]);
  watcher = await srv.watch('arm0');
  page = await signIn(browser, srv.base, '?xr-emulator=1');
  await page.getByTestId('open-arm0').click();
  await page.getByTestId('take-over').waitFor();
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('operator console in WebXR (IWER Quest 3)', () => {
  it('enters immersive-vr', async () => {
    await right(`window.__xrDevice.controllers.right.position.set(0.25, 1.1, -0.35)`);
    await page.getByTestId('vr').click();
    await waitInPage(page, () => (window as unknown as XrWindow).__takeover.robotView?.xr.presenting === true);
    await poll(() => page.getByTestId('stat-xr').textContent()).toContain('in VR');
  });

  it('takes over with the A button', async () => {
    await right(`window.__xrDevice.controllers.right.updateButtonValue('a-button', 1)`);
    await until(() => loop().lease === OPERATOR.name && loop().mode === 'INTERVENING', 'take over from the A button');
    await right(`window.__xrDevice.controllers.right.updateButtonValue('a-button', 0)`);
  });

  it('with the grip held, the EE target and then the arm follow the controller', async () => {
    await waitInPage(page, () => (window as unknown as XrWindow).__takeover.robotView?.teleop.target != null);
    await right(`window.__xrDevice.controllers.right.updateButtonValue('squeeze', 1)`);
    await waitInPage(page, () => (window as unknown as XrWindow).__takeover.robotView?.xr.clutch.engaged === true);
    const t0 = (await target())!;
    const ee0 = Array.from(loop().obs!.eePos);
    // 8 cm to the operator's right (three.js +x = the robot's +x) and 5 cm up (three.js +y = robot +z)
    await right(`window.__xrDevice.controllers.right.position.set(0.33, 1.15, -0.35)`);
    await poll(async () => (await target())![0] - t0[0]).toBeGreaterThan(0.075);
    const t1 = (await target())!;
    expect(t1[2] - t0[2]).toBeCloseTo(0.05, 2);
    expect(Math.abs(t1[1] - t0[1])).toBeLessThan(0.005);
    await until(() => loop().obs!.eePos[0] > ee0[0] + 0.05 && loop().obs!.eePos[2] > ee0[2] + 0.03, 'the arm to follow the target');
    await page.screenshot({ path: join(ARTIFACTS, 'robot-view-xr.png') });
  });

  it('releasing the grip freezes the target; the trigger closes the gripper', async () => {
    await right(`window.__xrDevice.controllers.right.updateButtonValue('squeeze', 0)`);
    await waitInPage(page, () => (window as unknown as XrWindow).__takeover.robotView?.xr.clutch.engaged === false);
    const frozen = (await target())!;
    await right(`window.__xrDevice.controllers.right.position.set(0.1, 1.0, -0.2)`);
    // let a few XR frames pass: with the clutch off, nothing may follow the controller
    const frames = await page.evaluate(() => (window as unknown as XrWindow).__takeover.robotView!.scene.fps.frames);
    await page.waitForFunction((f) => (window as unknown as XrWindow).__takeover.robotView!.scene.fps.frames > f + 5, frames);
    expect((await target())![0]).toBeCloseTo(frozen[0], 3);
    const open = loop().obs!.gripper;
    await right(`window.__xrDevice.controllers.right.updateButtonValue('trigger', 1)`);
    await waitInPage(page, () => (window as unknown as XrWindow).__takeover.robotView?.xr.gripper.closed === true);
    await until(() => loop().obs!.gripper < open - 0.02, 'the fingers to close');
  });
});
