import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { encodeMessage, decodeServerMessage } from '../../protocol/codec.ts';
import { PROTOCOL_VERSION, type ClientMessage } from '../../protocol/messages.ts';
import { launchBrowser, OPERATOR, signIn, startE2eServer, waitInPage, WATCHER, type E2eServer } from './e2e-harness.ts';
import type { RobotWatcher } from './robot-watcher.ts';

// Implicit take-over from the console: one sim arm under the scripted expert, one browser.
const BOB = { name: 'bob', role: 'operator' as const, token: 'bob-e2e-token-0123456789abc' };
let srv: E2eServer;
let browser: Browser;
let page: Page;
let watcher: RobotWatcher;

type NoticeWindow = { __notices: string[]; __takeover: { session: { on(k: 'notice', fn: (n: { text: string }) => void): void } } };

/** Polls the server's picture until pred holds; a time-out says what the server and the console saw. */
async function until(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) {
      const notices = await page?.evaluate(() => (window as unknown as NoticeWindow).__notices?.join(' | ')).catch(() => '?');
      throw new Error(`timed out waiting for ${what} (server: ${watcher?.mode}, lease ${watcher?.lease}; console notices: ${notices})`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Every notice the console showed since the robot view opened (they fade, this list does not). */
const notices = () => page.evaluate(() => (window as unknown as NoticeWindow).__notices.join('\n'));

async function episodes(): Promise<{ items: { id: string; interventionCount: number; status: string }[] }> {
  const res = await fetch(`${srv.base}/api/episodes`, { headers: { authorization: `Bearer ${OPERATOR.token}` } });
  return (await res.json()) as never;
}

/** A second operator over the bare protocol: takes the lease and keeps it alive with heartbeats. */
async function otherOperator(): Promise<{ send(m: ClientMessage): void; acked(ref: number): Promise<void>; close(): void }> {
  const ws = new WebSocket(`${srv.base.replace('http', 'ws')}/ws?token=${BOB.token}`);
  await new Promise<void>((resolve, reject) => { ws.once('open', () => resolve()); ws.once('error', reject); });
  const answers = new Map<number, string>();
  ws.on('message', (data: Buffer) => {
    const d = decodeServerMessage(new Uint8Array(data));
    if (d.ok && (d.msg.type === 'ack' || d.msg.type === 'error') && d.msg.ref !== undefined) answers.set(d.msg.ref, d.msg.type === 'ack' ? 'ack' : `${d.msg.code}: ${d.msg.message}`);
  });
  const send = (m: ClientMessage) => ws.send(encodeMessage(m));
  send({ type: 'hello', protocol: PROTOCOL_VERSION });
  const beat = setInterval(() => send({ type: 'heartbeat', t: Date.now() }), 300);
  return {
    send,
    async acked(ref) {
      const end = Date.now() + 15_000;
      while (!answers.has(ref)) {
        if (Date.now() > end) throw new Error(`bob: no answer to ref ${ref}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      expect(answers.get(ref)).toBe('ack');
    },
    close() {
      clearInterval(beat);
      ws.close();
    },
  };
}

beforeAll(async () => {
  [srv, browser] = await Promise.all([
    startE2eServer([{ id: 'arm0', kind: 'sim', task: 'place', policy: 'expert', stepLimit: 0 }], { tokens: [OPERATOR, WATCHER, BOB] }),
    launchBrowser(),
  ]);
  watcher = await srv.watch('arm0');
  page = await signIn(browser, srv.base);
  await page.getByTestId('open-arm0').click();
  await page.getByTestId('mode').filter({ hasText: 'AUTONOMOUS' }).waitFor({ timeout: 30_000 });
  await page.evaluate(() => {
    const w = window as unknown as NoticeWindow;
    w.__notices = [];
    w.__takeover.session.on('notice', (n) => w.__notices.push(n.text));
  });
}, 180_000); // a console build and a browser start on two loaded cores

afterAll(async () => {
  await browser?.close();
  await srv?.close();
});

/**
 * Presses Hand back until the server has it. A tab that lags on a loaded machine refuses a command
 * while the robot's state is stale, and says so ("not sent"); a person then presses again.
 */
async function handBack(): Promise<void> {
  const refusals = () => page.evaluate(() => (window as unknown as NoticeWindow).__notices.filter((t) => /^hand back: not sent/.test(t)).length);
  for (let attempt = 0; attempt < 5; attempt++) {
    const before = await refusals();
    await page.getByTestId('hand-back').click();
    const end = Date.now() + 10_000;
    while (Date.now() < end && (await refusals()) === before) {
      if (watcher.mode === 'AUTONOMOUS' && watcher.lease === null) return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  await until(() => watcher.mode === 'AUTONOMOUS' && watcher.lease === null, 'AUTONOMOUS after the hand back');
}

describe('console: implicit take-over', () => {
  it('is off by default: a teleop key on an AUTONOMOUS robot sends nothing', async () => {
    expect(await page.getByTestId('implicit-toggle').isChecked()).toBe(false);
    const seq = watcher.seq;
    await page.keyboard.down('KeyR');
    // the robot keeps running its policy for a good number of ticks while the key is held
    await until(() => watcher.seq > seq + 20, '20 more ticks');
    await page.keyboard.up('KeyR');
    expect([watcher.mode, watcher.lease]).toEqual(['AUTONOMOUS', null]);
  });

  it('on: a teleop key takes the robot over at once, and the episode records an intervention', async () => {
    await page.getByTestId('implicit-toggle').check();
    // remembered for this operator
    expect(await page.evaluate((id) => localStorage.getItem(`takeover.implicit.${id}`), OPERATOR.name)).toBe('{"enabled":true,"handBackAfterS":0}');
    await until(() => watcher.episode !== null && watcher.episode.step > 5, 'some policy steps');
    const z0 = watcher.obs!.eePos[2];
    await page.keyboard.down('KeyR');
    await until(() => watcher.mode === 'INTERVENING' && watcher.lease === OPERATOR.name, 'INTERVENING with our lease');
    // the episode taken over: the expert finishes one in about 4 s, so on a loaded machine the one
    // running before the key went down may have ended first
    const episode = watcher.episode!.id;
    // the held key keeps driving once the lease is ours
    await until(() => watcher.obs!.eePos[2] > z0 + 0.02, 'the EE to rise by 2 cm');
    await page.keyboard.up('KeyR');
    await waitInPage(page, () => (window as unknown as NoticeWindow).__notices.some((t) => /took over arm0: you moved the input/.test(t)));
    // hand back (no idle hand back set), then end the episode: the catalogue counts the intervention
    await handBack();
    await page.getByTestId('reset-episode').click();
    const end = Date.now() + 30_000;
    let row: { interventionCount: number; status: string } | undefined;
    while (!(row = (await episodes()).items.find((e) => e.id === episode && e.status !== 'recording'))) {
      if (Date.now() > end) throw new Error(`episode ${episode} was not catalogued in 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(row.interventionCount).toBe(1);
  });

  it('with hand back after 2 s: releasing the key hands back, with a countdown first', async () => {
    await page.getByTestId('hand-back-after').fill('2');
    await page.getByTestId('hand-back-after').press('Enter');
    await waitInPage(page, () => localStorage.getItem('takeover.implicit.alice') === '{"enabled":true,"handBackAfterS":2}');
    await page.keyboard.down('KeyA');
    await until(() => watcher.mode === 'INTERVENING' && watcher.lease === OPERATOR.name, 'INTERVENING with our lease');
    await page.keyboard.up('KeyA');
    await waitInPage(page, () => {
      const c = document.querySelector<HTMLElement>('[data-testid="hand-back-countdown"]');
      return c && !c.hidden && /^hand back in \d\.\d s$/.test(c.textContent ?? '');
    });
    await until(() => watcher.mode === 'AUTONOMOUS' && watcher.lease === null, 'AUTONOMOUS after 2 s without input');
    expect(await notices()).toMatch(/hand back: no teleop input for 2 s/);
  });

  it('a lease held by another operator is refused with a notice, never taken', async () => {
    const bob = await otherOperator();
    try {
      bob.send({ type: 'take_over', robot: 'arm0', ref: 1 });
      await bob.acked(1);
      await until(() => watcher.lease === BOB.name, "bob's lease");
      await waitInPage(page, () => document.querySelector('[data-testid="lease"]')?.textContent === 'lease: bob');
      await page.keyboard.down('KeyW');
      await waitInPage(page, () => (window as unknown as NoticeWindow).__notices.some((t) => /implicit take-over refused: TKO_ERR_LEASE_HELD: .*'bob'/.test(t)));
      await page.keyboard.up('KeyW');
      expect(watcher.lease).toBe(BOB.name);
      bob.send({ type: 'hand_back', robot: 'arm0', ref: 2 });
      await bob.acked(2);
    } finally {
      bob.close();
    }
    await until(() => watcher.mode === 'AUTONOMOUS' && watcher.lease === null, 'AUTONOMOUS after bob hands back');
  });

  it('in VR (IWER Quest 3): a squeeze alone sends nothing; squeeze and move takes over', async () => {
    await page.close();
    // a fresh browser context: the toggle starts off there and is turned on again
    page = await signIn(browser, srv.base, '?xr-emulator=1');
    await page.getByTestId('open-arm0').click();
    await page.getByTestId('mode').filter({ hasText: 'AUTONOMOUS' }).waitFor({ timeout: 30_000 });
    await page.evaluate(() => {
      const w = window as unknown as NoticeWindow;
      w.__notices = [];
      w.__takeover.session.on('notice', (n) => w.__notices.push(n.text));
    });
    expect(await page.getByTestId('implicit-toggle').isChecked()).toBe(false);
    await page.getByTestId('implicit-toggle').check();
    const xr = (js: string) => page.evaluate(js);
    const rv = 'window.__takeover.robotView';
    await xr(`window.__xrDevice.controllers.right.position.set(0.25, 1.1, -0.35)`);
    await page.getByTestId('vr').click();
    await waitInPage(page, () => (window as unknown as { __takeover: { robotView: { xr: { presenting: boolean } } } }).__takeover.robotView.xr.presenting);
    await xr(`window.__xrDevice.controllers.right.updateButtonValue('squeeze', 1)`);
    await waitInPage(page, () => (window as unknown as { __takeover: { robotView: { xr: { clutch: { engaged: boolean } } } } }).__takeover.robotView.xr.clutch.engaged);
    // ten XR frames with the grip held still: the robot stays with its policy
    const f0 = (await xr(`${rv}.scene.fps.frames`)) as number;
    await page.waitForFunction((f) => (window as unknown as { __takeover: { robotView: { scene: { fps: { frames: number } } } } }).__takeover.robotView.scene.fps.frames > f + 10, f0, { timeout: 20_000 });
    expect([watcher.mode, watcher.lease]).toEqual(['AUTONOMOUS', null]);
    // 5 cm up with the grip held
    await xr(`window.__xrDevice.controllers.right.position.set(0.25, 1.15, -0.35)`);
    await until(() => watcher.mode === 'INTERVENING' && watcher.lease === OPERATOR.name, 'INTERVENING with our lease from the VR grip');
    // the ack may land after the mode event
    await waitInPage(page, () => (window as unknown as NoticeWindow).__notices.some((t) => /took over arm0: you moved the input/.test(t)));
    await xr(`window.__xrDevice.controllers.right.updateButtonValue('squeeze', 0)`);
    await page.evaluate(() => (window as unknown as { __takeover: { robotView: { xr: { exit(): Promise<void> } } } }).__takeover.robotView.xr.exit());
    await handBack();
  });
});
