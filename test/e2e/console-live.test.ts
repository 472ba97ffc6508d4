import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, canvasStats, launchBrowser, OPERATOR, signIn, startE2eServer, waitInPage, poll, type E2eServer } from './e2e-harness.ts';
import type { RobotWatcher } from './robot-watcher.ts';

// One sim arm driven by the scripted expert, one browser for the whole file. Its episode must not
// time out halfway through the file (on a loaded machine the file outlasts the task's time limit).
let srv: E2eServer;
let browser: Browser;
let page: Page;

let watcher: RobotWatcher;
/** arm0 as a subscribed viewer sees it */
const loop = () => watcher;
/** the EE position of every tick by episode step, as the server saw it (current episode) */
const history = new Map<number, number[]>();
/** every tick's wall time and EE position */
const ticks: Array<{ at: number; ee: number[] }> = [];
/** the loop's rewind events, as sent to every subscriber */
const rewindEvents: Array<{ fromStep: number; toStep: number }> = [];

/** Polls the server until pred holds (condition waits, never a fixed sleep). */
async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) {
      // what the server and the console saw, so a failure on a loaded runner says why
      const notices = await page?.getByTestId('notices').textContent({ timeout: 2000 }).catch(() => '?');
      throw new Error(`timed out waiting for ${what} (server: ${loop()?.mode}, lease ${loop()?.lease}; console notices: ${notices})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Presses a key until pred holds: a tab lagging on a loaded runner refuses a hand back while its
 * picture is STALE and says so in a notice ("not sent"), as it would to an operator, who presses
 * again. Pressed again only after such a refusal (a second press of a landed one would undo it).
 */
async function pressUntil(key: string, pred: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 20_000;
  // count the console's refusals as they are emitted (notices on screen expire and merge)
  const refusals = () => page.evaluate(() => {
    type W = { __refusals?: number; __takeover: { session: { on(k: 'notice', f: (n: { text: string }) => void): void } } };
    const w = window as unknown as W;
    if (w.__refusals === undefined) {
      w.__refusals = 0;
      w.__takeover.session.on('notice', (n) => { if (/not sent/.test(n.text)) w.__refusals!++; });
    }
    return w.__refusals;
  });
  let seen = await refusals();
  await page.keyboard.press(key);
  while (!pred()) {
    if (Date.now() > end) await until(pred, what, 0);
    const now = await refusals();
    if (now > seen) {
      seen = now;
      await page.keyboard.press(key);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  [srv, browser] = await Promise.all([startE2eServer([{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert', stepLimit: 100_000 }]), launchBrowser()]);
  watcher = await srv.watch('arm0');
  loop().on('event', (e) => {
    if (e.type === 'rewind') rewindEvents.push({ fromStep: e.fromStep as number, toStep: e.toStep as number });
  });
  let episode = '';
  loop().on('tick', (l) => {
    if (!l.episode || !l.obs) return;
    if (l.episode.id !== episode) history.clear();
    episode = l.episode.id;
    // tick listeners run before the step counter moves on: obs is the observation of episode.step
    if (!history.has(l.episode.step)) history.set(l.episode.step, Array.from(l.obs.eePos));
    ticks.push({ at: Date.now(), ee: Array.from(l.obs.eePos) });
  });
}, 180_000); // a console build and a browser start on two loaded cores

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('operator console, live', () => {
  it('refuses a wrong token, then signs in and lists the robot in the fleet', async () => {
    const p = await browser.newPage();
    await p.goto(`${srv.base}/#/fleet`);
    // a new operator learns where the token is
    expect(await p.getByTestId('token-hint').textContent()).toMatch(/printed an admin token.*first start.*tokens add/);
    await p.getByTestId('token-input').fill('not-a-valid-token-at-all');
    await p.getByTestId('sign-in').click();
    await poll(() => p.getByTestId('sign-in-error').textContent()).toMatch(/failed/i);
    await p.close();

    page = await signIn(browser, srv.base);
    await poll(() => page.locator('.tile[data-robot="arm0"] [data-field="mode"]').textContent()).toBe('AUTONOMOUS');
    expect(await page.getByTestId('connection').textContent()).toContain(OPERATOR.name);
  });

  it('renders the robot, and the picture changes as the arm moves', async () => {
    await page.getByTestId('open-arm0').click();
    await page.getByTestId('mode').filter({ hasText: 'AUTONOMOUS' }).waitFor();
    await waitInPage(page, () => document.querySelector('[data-testid="stat-step"]')?.textContent !== '–');
    const first = await canvasStats(page);
    // not blank: the arm, table and floor cover a good part of the view
    expect(first.nonBackground / first.total).toBeGreaterThan(0.05);
    const q0 = Array.from(loop().obs!.q);
    await until(() => loop().obs!.q.some((v, i) => Math.abs(v - q0[i]) > 0.05), 'the expert to move the arm');
    await poll(async () => (await canvasStats(page)).hash).not.toBe(first.hash);
  });

  it('takes over by click and hands back by Space', async () => {
    await page.getByTestId('take-over').click();
    await until(() => loop().mode === 'INTERVENING' && loop().lease === OPERATOR.name, 'INTERVENING with our lease');
    await page.getByTestId('hand-back').waitFor();
    await pressUntil('Space', () => loop().mode === 'AUTONOMOUS' && loop().lease === null, 'AUTONOMOUS again');
    await page.getByTestId('take-over').waitFor();
  });

  it('takes over by Space, and keyboard teleop moves the EE in the server state', async () => {
    await page.getByTestId('take-over').waitFor();
    await pressUntil('Space', () => loop().mode === 'INTERVENING', 'take over by key');
    await poll(() => page.getByTestId('mode').textContent()).toBe('INTERVENING');
    const z0 = loop().obs!.eePos[2];
    const y0 = loop().obs!.eePos[1];
    await page.keyboard.down('KeyR'); // +z
    await until(() => loop().obs!.eePos[2] > z0 + 0.04, 'the EE to rise by 4 cm');
    await page.keyboard.up('KeyR');
    await page.keyboard.down('KeyA'); // +y
    await until(() => loop().obs!.eePos[1] > y0 + 0.03, 'the EE to move +y by 3 cm');
    await page.keyboard.up('KeyA');
    expect(loop().source).not.toBe('policy');
    await page.screenshot({ path: join(ARTIFACTS, 'robot-view.png') });
  });

  it('dragging the EE target gizmo sends a pose target the arm follows', async () => {
    // screen position of the orange target (MuJoCo base frame -> three.js world -> canvas pixels)
    const at = await page.evaluate(() => {
      const v = (window as unknown as { __takeover: { robotView: { scene: { camera: { updateMatrixWorld(): void }; renderer: { domElement: HTMLCanvasElement } }; teleop: { slot: { markers: { target: { getWorldPosition(v: unknown): { project(c: unknown): { x: number; y: number } } } } } } } } }).__takeover.robotView;
      const p = v.teleop.slot.markers.target.getWorldPosition(new (v.scene.camera as unknown as { position: { constructor: new () => unknown } }).position.constructor());
      const ndc = p.project(v.scene.camera);
      const r = v.scene.renderer.domElement.getBoundingClientRect();
      return { x: r.left + ((ndc.x + 1) / 2) * r.width, y: r.top + ((1 - ndc.y) / 2) * r.height };
    });
    const z0 = loop().obs!.eePos[2];
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(at.x, at.y - 6 * i); // drag up on screen: +z
    await page.mouse.up();
    await waitInPage(page, () => (window as unknown as { __takeover: { robotView: { teleop: { targetMode: string } } } }).__takeover.robotView.teleop.targetMode === 'pose');
    await until(() => loop().obs!.eePos[2] > z0 + 0.03, 'the EE to follow the dragged target up');
  });

  it('scrubbing back on the timeline rewinds the arm there; the undone ticks turn grey in every console', async () => {
    const id = loop().episode!.id;
    // a second console watching the same robot: it did not ask for the rewind but must grey the undone ticks too
    const other = await signIn(browser, srv.base);
    await other.getByTestId('open-arm0').click();
    await waitInPage(other, () => ((window as unknown as { __takeover: { robotView: { timeline: { kinds: string[] } } | null } }).__takeover.robotView?.timeline.kinds.length ?? 0) > 2);
    const ee = () => Array.from(loop().obs!.eePos);
    const dist = (a: number[], b: number[]) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    const before = ee();
    const clickAt = Date.now();
    const box = (await page.getByTestId('timeline').boundingBox())!;
    // the bar spans whole 30 s windows (a short episode is not stretched over it): aim at 30 % of the filled part
    const filled = await page.evaluate(() => {
      const v = (window as unknown as { __takeover: { robotView: { timeline: { kinds: string[] }; timelineScale: number } } }).__takeover.robotView;
      return v.timeline.kinds.length / v.timelineScale;
    });
    expect(filled).toBeLessThan(1);
    const x = box.x + box.width * 0.3 * filled;
    await page.mouse.move(x + 4, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(x, box.y + box.height / 2);
    // while dragging: the translucent ghost arm stands at the scrubbed step, away from the live arm
    const ghostGap = await waitInPage(page, () => {
      type Body = { updateWorldMatrix(parents: boolean, children: boolean): void; matrixWorld: { elements: number[] } };
      const v = (window as unknown as { __takeover: { robotView: { ghost: { visible: boolean; model: { bodies: Body[] } }; scene: { robots: Map<string, { model: { bodies: Body[] } }> } } } }).__takeover.robotView;
      if (!v.ghost.visible) return null;
      const live = v.scene.robots.get('arm0')!.model.bodies;
      const at = (b: Body) => (b.updateWorldMatrix(true, false), b.matrixWorld.elements.slice(12, 15));
      let gap = 0;
      v.ghost.model.bodies.forEach((b, i) => {
        const [g, l] = [at(b), at(live[i])];
        gap = Math.max(gap, Math.hypot(g[0] - l[0], g[1] - l[1], g[2] - l[2]));
      });
      return { gap };
    });
    expect(ghostGap.gap).toBeGreaterThan(0.02);
    await page.screenshot({ path: `${ARTIFACTS}/robot-rewind-ghost.png` });
    await page.mouse.up();
    await waitInPage(page, () => !(window as unknown as { __takeover: { robotView: { ghost: { visible: boolean } } } }).__takeover.robotView.ghost.visible);
    // the step the scrubber picked; the teleop above moved the EE well away since
    const { toStep } = await waitInPage(page, () => {
      const s = (window as unknown as { __takeover: { robotView: { rewoundTo: number | null } } }).__takeover.robotView.rewoundTo;
      return s === null ? null : { toStep: s };
    });
    expect(history.has(toStep)).toBe(true);
    expect(dist(before, history.get(toStep)!)).toBeGreaterThan(0.03);
    // a sim rewind restores the exact physics state: the first tick after it observes that step's pose
    const closest = () => Math.min(...ticks.filter((t) => t.at >= clickAt).map((t) => dist(t.ee, history.get(toStep)!)));
    await until(() => closest() < 0.002, 'a tick at the scrubbed step pose', 10_000).catch((e) => {
      throw new Error(`${(e as Error).message}: closest ${closest()} m; mode ${loop().mode}`);
    });
    expect(loop().episode!.id).toBe(id);
    await until(() => loop().mode === 'INTERVENING' && loop().lease === OPERATOR.name, 'INTERVENING after the rewind');
    await waitInPage(page, () => (window as unknown as { __takeover: { robotView: { timeline: { kinds: string[] } } } }).__takeover.robotView.timeline.kinds.includes('rewound'));
    // the other console greys exactly ticks after toStep, up to the step the rewind came from
    // (rewinding to step N restores the state step N observed, so N itself is undone: event toStep N - 1)
    expect(rewindEvents).toHaveLength(1);
    const undone = rewindEvents[0];
    expect(undone.toStep).toBe(toStep - 1);
    expect(undone.fromStep).toBeGreaterThan(toStep);
    const seen = await waitInPage(other, () => {
      const t = (window as unknown as { __takeover: { robotView: { timeline: { kinds: string[]; steps: number[] } } } }).__takeover.robotView.timeline;
      return t.kinds.includes('rewound') ? { kinds: [...t.kinds], steps: [...t.steps] } : null;
    });
    const grey = seen.steps.filter((_, i) => seen.kinds[i] === 'rewound');
    expect(grey.length).toBeGreaterThan(0);
    expect(grey.filter((s) => s <= undone.toStep || s > undone.fromStep)).toEqual([]);
    expect(seen.steps.filter((s, i) => s > undone.toStep && s <= undone.fromStep && seen.kinds[i] !== 'rewound')).toEqual([]);
    await other.close();
  });

  it('latches the e-stop (Esc): keys and buttons do not leave it until reset', async () => {
    await page.keyboard.press('Escape');
    await until(() => loop().mode === 'ESTOP', 'ESTOP');
    await poll(() => page.getByTestId('mode-banner').getAttribute('data-mode')).toBe('ESTOP');
    await page.getByTestId('reset-estop').waitFor();
    await page.keyboard.press('Space');
    await page.keyboard.press('KeyP');
    await page.keyboard.down('KeyR');
    await page.getByTestId('pause').click({ timeout: 8000 }).catch(async (e) => {
      await page.screenshot({ path: join(ARTIFACTS, 'debug-estop.png') });
      const dbg = await page.$eval('[data-testid="pause"]', (b) => ({ hidden: (b as HTMLButtonElement).hidden, box: b.getBoundingClientRect().toJSON(), html: b.outerHTML }));
      throw new Error(`${(e as Error).message.split('\n')[0]} ${JSON.stringify(dbg)}`);
    });
    await page.keyboard.up('KeyR');
    // the server refuses the pause with an error code, shown as a notice; the robot stays latched
    await waitInPage(page, () => (document.querySelector('[data-testid="notices"]')?.textContent ?? '').includes('TKO_ERR'));
    expect(loop().mode).toBe('ESTOP');
    const seq = loop().seq;
    await until(() => loop().seq > seq + 5, 'a few more ticks');
    expect(loop().mode).toBe('ESTOP');
    await page.screenshot({ path: join(ARTIFACTS, 'robot-view-estop.png') });
    await page.getByTestId('reset-estop').click();
    await until(() => loop().mode === 'PAUSED', 'PAUSED after the reset');
  });
});
