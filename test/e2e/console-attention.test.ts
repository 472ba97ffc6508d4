import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { HelpRequest } from '../../protocol/messages.ts';
import type { LoopStatus } from '../../server/control/loop-status.ts';
import { launchBrowser, poll, signIn, startE2eServer, type E2eServer } from './e2e-harness.ts';

// The fleet view led by the attention queue, on five mock arms. The loops run on the server's own
// thread here (threads: false) so that the test can plant a help request in a loop's status, where
// the policy puts it.
let srv: E2eServer;
let browser: Browser;
let page: Page;
const IDS = ['arm0', 'arm1', 'arm2', 'arm3', 'arm4'];
const HELP: HelpRequest = { reason: 'ensemble disagreement 0.41 > 0.22', score: 0.41, threshold: 0.22, since: Date.now(), action: 'notify' };

type Handle = { __takeover: { fleet: { order(): string[]; labelPoint(id: string): { x: number; y: number } | null } | null; session: { client: { command(c: object): Promise<unknown> } } } };
const order = () => page.evaluate(() => (window as unknown as Handle).__takeover.fleet?.order() ?? []);
const alertsOf = (kind: string) => page.locator(`[data-testid="fleet-alerts"] .fleet-alert[data-kind="${kind}"]`);

beforeAll(async () => {
  [srv, browser] = await Promise.all([startE2eServer(IDS.map((id) => ({ id, kind: 'mock' as const })), {}, { threads: false }), launchBrowser()]);
  page = await signIn(browser, srv.base);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe('fleet view led by the attention queue', () => {
  it('starts in configuration order, nothing alerting, sound off', async () => {
    for (const id of IDS) await poll(() => page.locator(`.tile[data-robot="${id}"] [data-field="mode"]`).textContent()).toBe('AUTONOMOUS');
    // a loop still under its rate just after the start (in-process loops on a loaded machine) is
    // queued for a moment; once every loop runs at rate the tiles are in configuration order
    await poll(order).toEqual(IDS);
    expect(await page.locator('[data-testid="fleet-alerts"] .fleet-alert').count()).toBe(0);
    expect(await page.getByTestId('alert-sound').isChecked()).toBe(false);
  });

  it('moves a robot that asks for help to the top, with its reason, and alerts', async () => {
    const loop = srv.app.fleet.get('arm3').loop;
    const status = loop.status.bind(loop);
    loop.status = () => ({ ...status(), help: HELP }) as LoopStatus;
    // the policy's scores, as a version with a help model and a failure-risk model leaves them after each tick (state frames carry them)
    loop.on('tick', (l) => {
      l.helpScore = 0.1234;
      l.helpEnsembleScore = 0.41;
      l.helpRiskScore = 0.9;
    });
    await poll(order).toEqual(['arm3', 'arm0', 'arm1', 'arm2', 'arm4']);
    await poll(() => page.locator('.tile[data-robot="arm3"] [data-field="helpScores"]').textContent()).toBe('0.123 / 0.410 / risk 0.900');
    expect(await page.locator('.tile[data-robot="arm0"] [data-field="helpScores"]').textContent()).toBe('–');
    await poll(() => alertsOf('help').getAttribute('data-robot')).toBe('arm3');
    expect(await page.locator('.tile[data-robot="arm3"] [data-field="help"]').textContent()).toContain(HELP.reason);
    expect(await page.locator('.tile[data-robot="arm3"]').getAttribute('data-urgency')).toBe('help');
  });

  it('puts a request whose robot recovered since it asked after one still over the threshold, older though it is, and says so', async () => {
    const loop = srv.app.fleet.get('arm1').loop;
    const status = loop.status;
    const recovered: HelpRequest = { ...HELP, since: HELP.since - 60_000, over: false };
    loop.status = () => ({ ...status.call(loop), help: recovered }) as LoopStatus;
    await poll(order).toEqual(['arm3', 'arm1', 'arm0', 'arm2', 'arm4']);
    await poll(() => page.locator('.tile[data-robot="arm1"] [data-field="help"]').textContent()).toContain('(score back under threshold)');
    expect(await page.locator('.tile[data-robot="arm3"] [data-field="help"]').textContent()).not.toContain('back under');
    loop.status = status; // answered: the queue is as before
    await poll(order).toEqual(['arm3', 'arm0', 'arm1', 'arm2', 'arm4']);
  });

  it('puts an e-stop above the help request, coloured, and alerts', async () => {
    await page.evaluate(() => (window as unknown as Handle).__takeover.session.client.command({ type: 'estop', robot: 'arm2' }));
    await poll(order).toEqual(['arm2', 'arm3', 'arm0', 'arm1', 'arm4']);
    await poll(() => alertsOf('estop').getAttribute('data-robot')).toBe('arm2');
    await poll(() => page.locator('.tile[data-robot="arm2"]').getAttribute('data-mode')).toBe('ESTOP');
    expect(await page.locator('.tile[data-robot="arm2"] [data-field="key"]').textContent()).toBe('1');
  });

  it('opens the robot of tile 2 on the key 2', async () => {
    await page.locator('body').press('2');
    await poll(() => page.evaluate(() => location.hash)).toBe('#/robot/arm3');
    await page.getByTestId('mode-banner').waitFor();
    await page.evaluate(() => (location.hash = '#/fleet'));
    await page.getByTestId('fleet-table').waitFor();
  });

  it('opens a robot on a click of its arm in the 3D overview', async () => {
    const labelAt = () => page.evaluate(() => (window as unknown as Handle).__takeover.fleet?.labelPoint('arm4') ?? null);
    await poll(labelAt).not.toBeNull();
    const at = (await labelAt())!;
    await page.mouse.click(at.x, at.y);
    await poll(() => page.evaluate(() => location.hash)).toBe('#/robot/arm4');
    await page.evaluate(() => (location.hash = '#/fleet'));
    await page.getByTestId('fleet-table').waitFor();
  });

  it('stops the whole fleet with one e-stop per robot, each acknowledged', async () => {
    await page.getByTestId('estop-all').click();
    await poll(() => page.getByTestId('fleet-action-result').textContent()).toBe(`e-stop: ${IDS.length}/${IDS.length} acknowledged`);
    for (const id of IDS) expect(srv.app.fleet.get(id).loop.status().mode).toBe('ESTOP');
  });
});
