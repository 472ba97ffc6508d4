import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser, OPERATOR, signIn, startE2eServer, waitInPage, nextFrames, poll, type E2eServer } from './e2e-harness.ts';
import type { RobotWatcher, WatchedEvent } from './robot-watcher.ts';

// The operator can always stop the arm and always knows what is real: resize, focus, a frozen
// state stream, a lost heartbeat, an outcome clicked by mistake. One idle sim arm (its episode
// never ends by itself), one browser for the file.
let srv: E2eServer;
let browser: Browser;
let page: Page;
let watcher: RobotWatcher;
const events: Array<WatchedEvent & { at: number }> = [];

async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) {
      const seen = await page?.evaluate(() => `${document.querySelector('[data-testid="mode-banner"]')?.textContent} | notices: ${document.querySelector('[data-testid="notices"]')?.textContent}`).catch(() => '');
      throw new Error(`timed out waiting for ${what} (mode ${watcher.mode}, lease ${watcher.lease}; console: ${seen})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Back to AUTONOMOUS without a lease, whatever the previous test left. */
async function settle(): Promise<void> {
  if (watcher.mode === 'ESTOP') await page.getByTestId('reset-estop').click();
  await until(() => watcher.mode !== 'ESTOP', 'the e-stop reset');
  if (watcher.mode === 'PAUSED') await page.getByTestId('resume').click();
  // a tab lagging on a loaded runner refuses a hand back while its picture is STALE: click again, as an operator would
  const end = Date.now() + 20_000;
  while (watcher.lease === OPERATOR.name && Date.now() < end) {
    await page.getByTestId('hand-back').click({ timeout: 2000 }).catch(() => {});
    await until(() => watcher.lease !== OPERATOR.name, 'the hand back', 3000).catch(() => {});
  }
  await until(() => watcher.mode === 'AUTONOMOUS' && watcher.lease === null, 'AUTONOMOUS without a lease');
}

/** Where an element sits, and whether a click at its centre would reach it (no scrolling). */
function reach(p: Page, testId: string) {
  return p.evaluate((id) => {
    const el = document.querySelector<HTMLElement>(`[data-testid="${id}"]`)!;
    const r = el.getBoundingClientRect();
    const cx = r.left + r.width / 2;
    const cy = r.top + r.height / 2;
    const inside = r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth && r.bottom <= innerHeight;
    const hit = inside ? document.elementFromPoint(cx, cy) : null;
    return { inside, clickable: !!hit && (hit === el || el.contains(hit)), scrollX, pageWidth: document.documentElement.scrollWidth, innerWidth };
  }, testId);
}

beforeAll(async () => {
  [srv, browser] = await Promise.all([startE2eServer([{ id: 'arm0', kind: 'sim', task: 'reach', policy: 'idle', stepLimit: 100_000 }]), launchBrowser()]);
  watcher = await srv.watch('arm0');
  watcher.on('event', (e) => events.push({ ...e, at: Date.now() }));
  page = await signIn(browser, srv.base);
  await page.setViewportSize({ width: 1024, height: 768 });
  await page.getByTestId('open-arm0').click();
  await page.getByTestId('take-over').waitFor();
}, 180_000); // a console build and a browser start on two loaded cores

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('console safety', () => {
  it('keeps E-STOP and Take over on screen and clickable at every width >= 800 px, also after growing and shrinking', async () => {
    for (const [width, height] of [[1024, 768], [1920, 1080], [1024, 768], [2560, 1000], [800, 600], [1366, 768], [1024, 768]]) {
      await page.setViewportSize({ width, height });
      await nextFrames(page);
      await nextFrames(page);
      for (const id of ['estop', 'take-over']) {
        const r = await reach(page, id);
        expect({ width, id, ...r }).toMatchObject({ inside: true, clickable: true, scrollX: 0 });
        expect(r.pageWidth, `page width at ${width} px`).toBeLessThanOrEqual(width);
      }
    }
    await page.screenshot({ path: join(ARTIFACTS, 'robot-view-1024-after-resize.png') });
    await page.getByTestId('estop').click();
    await until(() => watcher.mode === 'ESTOP', 'ESTOP from the button after the resizes');
    await settle();
  });

  it('Esc e-stops whatever has focus (a button, the canvas, a text field, the timeline)', async () => {
    const focusers: Array<[string, () => Promise<void>]> = [
      ['a button', () => page.getByTestId('failure').focus()],
      ['the 3D canvas', () => page.evaluate(() => { const c = document.querySelector<HTMLCanvasElement>('.robot-scene canvas')!; c.tabIndex = 0; c.focus(); })],
      ['a text field', () => page.evaluate(() => { const i = document.createElement('input'); i.dataset.testid = 'probe-input'; document.querySelector('.control-side')!.append(i); i.focus(); })],
      ['the timeline', () => page.evaluate(() => { const c = document.querySelector<HTMLCanvasElement>('[data-testid="timeline"]')!; c.tabIndex = 0; c.focus(); })],
    ];
    for (const [what, focus] of focusers) {
      await focus();
      await page.keyboard.press('Escape');
      await until(() => watcher.mode === 'ESTOP', `ESTOP from Esc with focus on ${what}`);
      await settle();
    }
    await page.evaluate(() => document.querySelector('[data-testid="probe-input"]')?.remove());
  });

  it('a frozen state stream turns the banner grey with STALE and the pill red; commands that cannot land say so; e-stop is still sent', async () => {
    await settle();
    await page.getByTestId('take-over').click();
    await until(() => watcher.mode === 'INTERVENING' && watcher.lease === OPERATOR.name, 'INTERVENING');
    // the console must have seen the take-over before the stream freezes (the watcher may see it first)
    await page.getByTestId('hand-back').waitFor();
    await poll(() => page.getByTestId('mode-banner').getAttribute('data-stale')).toBe('false');
    const thaw = srv.freezeFrames();
    try {
      await poll(() => page.getByTestId('mode-banner').getAttribute('data-stale')).toBe('true');
      expect(await page.getByTestId('mode-banner').textContent()).toContain('STALE');
      // the banner's background fades over 0.15 s (console.css): read it once the fade is over
      const spread = async () => {
        const bg = await page.getByTestId('mode-banner').evaluate((el) => getComputedStyle(el).backgroundColor);
        const [r, g, b] = bg.match(/\d+/g)!.map(Number);
        return Math.max(r, g, b) - Math.min(r, g, b);
      };
      await poll(spread, 2000).toBeLessThan(16);
      await poll(() => page.getByTestId('connection').getAttribute('data-link')).toBe('stalled');
      const pill = await page.getByTestId('connection').evaluate((el) => getComputedStyle(el).backgroundColor);
      const [pr, pg, pb] = pill.match(/\d+/g)!.map(Number);
      expect(pr, `pill ${pill} is red`).toBeGreaterThan(pg + 60);
      expect(pr).toBeGreaterThan(pb + 60);
      await page.screenshot({ path: join(ARTIFACTS, 'robot-view-stale.png') });
      await page.getByTestId('hand-back').click();
      await waitInPage(page, () => /hand back.*not sent.*STALE/i.test(document.querySelector('[data-testid="notices"]')?.textContent ?? ''));
      await page.keyboard.press('Escape');
      await waitInPage(page, () => /e-?stop.*STALE/i.test(document.querySelector('[data-testid="notices"]')?.textContent ?? ''));
    } finally {
      thaw();
    }
    await poll(() => page.getByTestId('mode-banner').getAttribute('data-stale')).toBe('false');
    await poll(() => page.getByTestId('connection').getAttribute('data-link')).toBe('live');
    // the e-stop landed; the hand back, refused locally, did not
    await until(() => watcher.mode === 'ESTOP', 'the e-stop sent while stale');
    expect(watcher.lease).toBe(OPERATOR.name);
    await settle();
  });

  it('a lost heartbeat shows "Heartbeat lost - Resume"; Resume puts the operator back in control', async () => {
    await settle();
    await page.getByTestId('take-over').click();
    await until(() => watcher.mode === 'INTERVENING' && watcher.lease === OPERATOR.name, 'INTERVENING');
    expect(await page.getByTestId('heartbeat-lost').isVisible()).toBe(false);
    // the tab hangs longer than the server's heartbeat timeout (3 s in these tests)
    await page.evaluate((ms) => { const end = performance.now() + ms; while (performance.now() < end) { /* a stalled tab */ } }, srv.config.heartbeatTimeoutMs + 1200);
    await until(() => watcher.mode === 'PAUSED', 'the heartbeat watchdog to pause the arm');
    await page.getByTestId('heartbeat-lost').waitFor({ state: 'visible' });
    expect(await page.getByTestId('heartbeat-lost').textContent()).toMatch(/heartbeat lost/i);
    await page.screenshot({ path: join(ARTIFACTS, 'robot-view-heartbeat-lost.png') });
    await page.getByTestId('heartbeat-resume').click();
    await until(() => watcher.mode === 'INTERVENING' && watcher.lease === OPERATOR.name, 'INTERVENING after Resume');
    await page.getByTestId('heartbeat-lost').waitFor({ state: 'hidden' });
  });

  it('the EE drag handles sit in the robot base frame (X/Y/Z red/green/blue) and are labelled with their keys', async () => {
    // INTERVENING with the lease since the previous test: the gizmo is attached
    const g = await waitInPage(page, () => {
      type O = { name: string; parent: O | null; visible: boolean; quaternion: { w: number }; children: O[]; getWorldQuaternion(q: unknown): { angleTo(q: unknown): number } };
      const t = (window as unknown as { __takeover: { robotView: { teleop: { gizmo: { object?: O; space: string; mode: string }; handle: O; labels: O; slot: { base: O } } } } }).__takeover.robotView.teleop;
      if (t.gizmo.object !== t.handle) return null;
      const Q = (t.handle.quaternion as unknown as { constructor: new () => unknown }).constructor;
      const angle = t.handle.getWorldQuaternion(new Q()).angleTo(t.slot.base.getWorldQuaternion(new Q()));
      return { space: t.gizmo.space, mode: t.gizmo.mode, inBase: t.handle.parent === t.slot.base, angle, labels: t.labels.visible ? t.labels.children.map((c) => c.name) : [] };
    });
    expect(g).toMatchObject({ space: 'local', mode: 'translate', inBase: true, labels: ['label-x', 'label-y', 'label-z'] });
    expect(g.angle).toBeLessThan(1e-6);
  });

  it('Success / Failure wait 3 s with an Undo before the mark is sent', async () => {
    await until(() => watcher.episode !== null, 'an episode');
    const episode = watcher.episode!.id;
    const from = events.length;
    const ends = () => events.slice(from).filter((e) => e.type === 'episode_end');
    await page.getByTestId('success').click();
    await page.getByTestId('outcome-pending').waitFor({ state: 'visible' });
    expect(await page.getByTestId('outcome-pending').textContent()).toMatch(/success/i);
    await page.getByTestId('outcome-undo').click();
    await page.getByTestId('outcome-pending').waitFor({ state: 'hidden' });
    const clicked = Date.now();
    await page.getByTestId('failure').click();
    await until(() => ends().length > 0, 'the failure mark to end the episode', 15_000);
    // the undone success never reached the server; the failure went after its 3 s grace
    expect(ends().map((e) => e.outcome)).toEqual(['failure']);
    expect(ends()[0].episodeId ?? episode).toBe(episode);
    expect(ends()[0].at - clicked).toBeGreaterThanOrEqual(2500);
  });

  it('50 view switches leave one live WebGL context', async () => {
    const p = await browser.newPage({ viewport: { width: 1024, height: 768 } });
    // every WebGL context the page creates, to count the live ones after the switches
    await p.addInitScript(() => {
      const made: WebGLRenderingContext[] = [];
      (window as unknown as { __glContexts: unknown }).__glContexts = made;
      const get = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
        const ctx = (get as (k: string, ...r: unknown[]) => RenderingContext | null).call(this, kind, ...rest);
        if (ctx && /webgl/.test(kind) && !made.includes(ctx as WebGLRenderingContext)) made.push(ctx as WebGLRenderingContext);
        return ctx;
      } as typeof get;
    });
    await p.goto(`${srv.base}/?token=${OPERATOR.token}#/fleet`);
    await p.getByTestId('fleet-table').waitFor();
    const live = () => p.evaluate(() => (window as unknown as { __glContexts: WebGLRenderingContext[] }).__glContexts.filter((c) => !c.isContextLost()).length);
    for (let i = 0; i < 50; i++) {
      await p.evaluate((h) => (location.hash = h), i % 2 === 0 ? '#/robot/arm0' : '#/fleet');
      await p.getByTestId(i % 2 === 0 ? 'mode-banner' : 'fleet-table').waitFor();
    }
    await p.getByTestId('fleet-table').waitFor();
    expect(await live()).toBe(1);
    await p.close();
  }, 400_000); // 50 scene builds on software GL and two loaded cores
});
