import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, canvasStats, launchBrowser, OPERATOR, signIn, startE2eServer, waitInPage, poll, type E2eServer } from './e2e-harness.ts';

// Record an episode through the console (policy, a take-over, hand back, success), then replay it.
let srv: E2eServer;
let browser: Browser;
let page: Page;
const loop = () => srv.app.fleet.robots.get('arm0')!.loop;

async function until(pred: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface ReplayWindow {
  __takeover: { replay: { steps: unknown[]; segments: { kind: string; from: number; to: number }[]; shown(): number; clock: { playing: boolean } } | null };
}

async function episodes(query = ''): Promise<{ items: { id: string; outcome: string; interventionCount: number; steps: number; status: string }[] }> {
  const res = await fetch(`${srv.base}/api/episodes${query}`, { headers: { authorization: `Bearer ${OPERATOR.token}` } });
  return (await res.json()) as never;
}

beforeAll(async () => {
  [srv, browser] = await Promise.all([startE2eServer([{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert' }]), launchBrowser()]);
  page = await signIn(browser, srv.base);
});

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('replay', () => {
  it('records an episode with an intervention, ended by the Success button', async () => {
    await page.getByTestId('open-arm0').click();
    const start = () => loop().episode!.step;
    await until(() => (loop().episode?.step ?? 0) > 8, 'some policy steps');
    await page.getByTestId('take-over').click();
    await until(() => loop().mode === 'INTERVENING', 'take over');
    const s0 = start();
    await page.keyboard.down('KeyR');
    await until(() => start() > s0 + 12, 'operator steps');
    await page.keyboard.up('KeyR');
    await page.keyboard.press('Space');
    await until(() => loop().mode === 'AUTONOMOUS', 'hand back');
    const s1 = start();
    await until(() => start() > s1 + 6, 'policy steps after the hand back');
    const id = loop().episode!.id;
    await page.getByTestId('success').click();
    await until(async () => (await episodes()).items.some((e) => e.id === id && e.status !== 'recording'), 'the episode to be catalogued');
    const row = (await episodes()).items.find((e) => e.id === id)!;
    expect(row.outcome).toBe('success');
    expect(row.interventionCount).toBe(1);
  });

  it('lists it with filters, replays it with plots, playback, scrubbing and 3D', async () => {
    const [ep] = (await episodes('?hasInterventions=true')).items;
    await page.goto(`${srv.base}/#/replay`);
    await page.getByTestId('filter-interventions').check();
    const all = await episodes('?hasInterventions=true');
    expect(all.items.map((e) => [e.id, e.interventionCount, e.status])).toEqual([[ep.id, 1, 'complete']]);
    await poll(() => page.getByTestId('episode-count').textContent()).toMatch(/^1 of 1 episodes/);
    await page.locator(`tr[data-episode="${ep.id}"] a`).click();
    await waitInPage(page, () => document.querySelector('.replay-player')?.getAttribute('data-loaded') === 'true');
    expect(await page.locator('.plot canvas').count()).toBeGreaterThanOrEqual(3);
    const kinds = await page.evaluate(() => (window as unknown as ReplayWindow).__takeover.replay!.segments.map((s) => s.kind));
    expect(kinds).toEqual(expect.arrayContaining(['policy', 'operator']));
    expect(await page.evaluate(() => (window as unknown as ReplayWindow).__takeover.replay!.steps.length)).toBe(ep.steps);

    const atStart = await canvasStats(page, '.replay-scene canvas');
    await page.getByTestId('replay-speed').selectOption('8');
    await page.getByTestId('replay-play').click();
    await waitInPage(page, () => {
      const r = (window as unknown as ReplayWindow).__takeover.replay!;
      return r.shown() === r.steps.length - 1 && !r.clock.playing;
    });
    await poll(async () => (await canvasStats(page, '.replay-scene canvas')).hash).not.toBe(atStart.hash);
    expect(await page.getByTestId('replay-position').textContent()).toContain(`step`);

    // scrub to a quarter of the recording
    const box = (await page.getByTestId('timeline').boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.25, box.y + box.height / 2);
    const shown = await page.evaluate(() => (window as unknown as ReplayWindow).__takeover.replay!.shown());
    expect(Math.abs(shown - 0.25 * (ep.steps - 1))).toBeLessThanOrEqual(2);
    await page.screenshot({ path: join(ARTIFACTS, 'replay-view.png') });
  });

  it('downloads the MCAP journal', async () => {
    const href = await page.getByTestId('mcap-download').getAttribute('href');
    const head = await page.evaluate(async (u) => {
      const r = await fetch(u!);
      const b = new Uint8Array(await r.arrayBuffer());
      return { status: r.status, magic: Array.from(b.slice(0, 8)), size: b.length };
    }, href);
    expect(head.status).toBe(200);
    expect(String.fromCharCode(...head.magic.slice(1, 5))).toBe('MCAP');
    expect(head.size).toBeGreaterThan(1000);
  });
});
