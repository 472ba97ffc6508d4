import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { buildApp, type AppOptions } from '../../server/app.ts';
import { defaultConfig, type RobotConfig, type TakeoverConfig } from '../../server/config/config-schema.ts';
import { validateConfig } from '../../server/config/load-config.ts';
import { ensureConsoleBuilt } from '../../web/build-console.ts';
import { chooseBrowser } from './browser-path.ts';
import { RobotWatcher } from './robot-watcher.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const ARTIFACTS = join(ROOT, 'test-artifacts');
export const OPERATOR = { name: 'alice', role: 'operator' as const, token: 'alice-e2e-token-0123456789' };
/** the tests' own eyes on the robots (test/e2e/robot-watcher.ts) */
export const WATCHER = { name: 'watcher', role: 'viewer' as const, token: 'watcher-e2e-token-0123456789' };

export interface E2eServer {
  app: FastifyInstance;
  base: string;
  dataDir: string;
  config: TakeoverConfig;
  /** a viewer over the protocol that mirrors a robot's state and events */
  watch(robot: string): Promise<RobotWatcher>;
  /**
   * Freezes the server's outgoing stream: every frame to every open socket is dropped (as if the
   * server or the network stalled) until the returned function is called.
   */
  freezeFrames(): () => void;
  close(): Promise<void>;
}

/** Builds the console if missing or stale, then starts the real server (wall clock, recording) on an ephemeral port. */
export async function startE2eServer(robots: RobotConfig[], over: Partial<TakeoverConfig> = {}, opts: AppOptions = {}): Promise<E2eServer> {
  const { dir } = await ensureConsoleBuilt({ rebuildStale: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'takeover-e2e-'));
  const config = validateConfig({
    ...defaultConfig(), port: 0, dataDir, record: true, logLevel: 'silent', webDir: dir,
    // Headless Chromium on two shared cores can stall for a while: a generous heartbeat keeps leases stable.
    heartbeatTimeoutMs: 3000,
    robots, tokens: [OPERATOR, WATCHER], ...over,
  });
  const app = await buildApp(config, opts);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const watchers: RobotWatcher[] = [];
  return {
    app, dataDir, config,
    base: `http://127.0.0.1:${port}`,
    async watch(robot) {
      const w = await RobotWatcher.connect(`ws://127.0.0.1:${port}/ws`, WATCHER.token, robot);
      watchers.push(w);
      return w;
    },
    freezeFrames() {
      const wss = (app as unknown as { websocketServer: { clients: Set<{ send: (...a: unknown[]) => void }> } }).websocketServer;
      const patched = [...wss.clients].map((ws) => {
        const send = ws.send;
        ws.send = () => {};
        return () => (ws.send = send);
      });
      return () => { for (const undo of patched) undo(); };
    },
    async close() {
      for (const w of watchers) w.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** One headless Chromium per test file: Debian's when installed, else the npm one (test/e2e/browser-path.ts). */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const { executablePath, args, env } = await chooseBrowser();
  return chromium.launch({ executablePath, headless: true, args, env });
}

/** Opens the console and signs in through the form; resolves once the fleet tiles are shown. */
export async function signIn(browser: Browser, base: string, query = ''): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(`${base}/${query}#/fleet`);
  await page.getByTestId('token-input').fill(OPERATOR.token);
  await page.getByTestId('sign-in').click();
  await page.getByTestId('fleet-table').waitFor();
  return page;
}

/** Polls fn in the page until it returns a truthy value (no fixed sleeps). */
export async function waitInPage<T>(page: Page, fn: () => T, timeout = 20_000): Promise<NonNullable<T>> {
  const h = await page.waitForFunction(fn, undefined, { timeout, polling: 50 });
  return (await h.jsonValue()) as NonNullable<T>;
}

/** Counts pixels that differ from the background and a hash of the canvas, read from WebGL. */
export async function canvasStats(page: Page, selector = '[data-testid="scene-canvas"]'): Promise<{ nonBackground: number; total: number; hash: number }> {
  return page.$eval(selector, (c) => {
    const canvas = c as HTMLCanvasElement;
    const small = document.createElement('canvas');
    small.width = 160;
    small.height = 100;
    const g = small.getContext('2d')!;
    g.drawImage(canvas, 0, 0, small.width, small.height);
    const px = g.getImageData(0, 0, small.width, small.height).data;
    const [br, bg, bb] = [px[0], px[1], px[2]];
    let non = 0;
    let hash = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (Math.abs(px[i] - br) + Math.abs(px[i + 1] - bg) + Math.abs(px[i + 2] - bb) > 24) non++;
      hash = (hash * 31 + px[i] + 7 * px[i + 1] + 13 * px[i + 2]) | 0;
    }
    return { nonBackground: non, total: px.length / 4, hash };
  });
}

/** The canvas scaled to 160 x 100, as RGB triples (for pixel comparisons between two renders). */
export async function canvasRgb(page: Page, selector = '[data-testid="scene-canvas"]'): Promise<number[]> {
  return page.$eval(selector, (c) => {
    const small = document.createElement('canvas');
    small.width = 160;
    small.height = 100;
    const g = small.getContext('2d')!;
    g.drawImage(c as HTMLCanvasElement, 0, 0, small.width, small.height);
    const px = g.getImageData(0, 0, small.width, small.height).data;
    const out: number[] = [];
    for (let i = 0; i < px.length; i += 4) out.push(px[i], px[i + 1], px[i + 2]);
    return out;
  });
}

/** Pixels (of canvasRgb samples) whose colour differs by more than a little. */
export function differingPixels(a: number[], b: number[]): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 3) if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 24) n++;
  return n;
}

/** Resolves after the page has rendered two more animation frames. */
export function nextFrames(page: Page): Promise<void> {
  return page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
}

/** expect.poll with a timeout fit for two loaded cores (vitest's default is 1 s). */
export function poll<T>(fn: () => T | Promise<T>, timeout = 15_000) {
  return expect.poll(fn, { timeout, interval: 50 });
}
