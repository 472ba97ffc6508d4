import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { replicateRobots } from '../../server/config/load-config.ts';
import { launchBrowser, poll, signIn, startE2eServer, type E2eServer } from './e2e-harness.ts';

// 32 sim arms: the console signs in (server_info once passed the console's frame limit from about
// 16 robots on), shows the fleet and opens a robot.
const N = 32;
let srv: E2eServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  [srv, browser] = await Promise.all([startE2eServer(replicateRobots({ id: 'arm0', kind: 'sim', task: 'place' }, N), { record: false }), launchBrowser()]);
  page = await signIn(browser, srv.base);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

describe(`console with ${N} sim robots`, () => {
  it('signs in and shows every robot in the fleet view', async () => {
    expect(await page.locator('.tile[data-robot]').count()).toBe(N);
    await poll(() => page.locator(`.tile[data-robot="arm${N - 1}"] [data-field="episode"]`).textContent(), 60_000).toContain('step');
  });

  it('opens a robot', async () => {
    await page.getByTestId(`open-arm${N - 1}`).click();
    await page.getByTestId('mode-banner').waitFor();
    await poll(() => page.getByTestId('mode').textContent(), 30_000).toBe('AUTONOMOUS');
  });
});
