import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ConsoleSession } from '../../../web/app/console-session.ts';
import { createWsTransportFactory, type WebSocketLike } from '../../../web/net/ws-transport.ts';
import type { StateMessage } from '../../../protocol/messages.ts';
import { startTestServer, TOKENS } from '../../server/support/test-server.ts';

// The console's client against the real server (mock arm, manual clock) over a real socket.
const factory = createWsTransportFactory(WebSocket as unknown as new (url: string) => WebSocketLike);
let srv: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => {
  await srv?.close();
});

/** Ticks the loop until a state frame matching pred arrives. */
async function tickUntil(s: ConsoleSession, pred: (m: StateMessage) => boolean): Promise<StateMessage> {
  return new Promise((resolve, reject) => {
    let n = 0;
    const off = s.on('state', (m) => {
      if (pred(m)) {
        off();
        clearInterval(timer);
        resolve(m);
      }
    });
    const timer = setInterval(() => {
      if (++n > 400) {
        clearInterval(timer);
        off();
        reject(new Error('no matching state frame after 400 ticks'));
      }
      srv.tick();
    }, 2);
  });
}

describe('ConsoleSession with the real server', () => {
  it('signs in, takes over, teleops the EE, hands back', async () => {
    const s = await ConsoleSession.signIn(TOKENS.alice.token, { url: srv.url, transportFactory: factory });
    try {
      expect(s.operatorId).toBe('alice');
      expect(s.info.robots.map((r) => r.id)).toEqual(['arm0']);
      const first = await tickUntil(s, () => true);
      expect(await s.run({ type: 'take_over', robot: 'arm0' })).toBe(true);
      await tickUntil(s, (m) => m.mode === 'INTERVENING');
      expect(s.holdsLease('arm0')).toBe(true);
      const x0 = first.eePos[0];
      const moved = await tickUntil(s, (m) => {
        s.client.teleopDelta('arm0', [1, 0, 0, 0, 0, 0, -1]);
        return m.eePos[0] > x0 + 0.02;
      });
      expect(moved.source).toBe('operator');
      expect(await s.run({ type: 'hand_back', robot: 'arm0' })).toBe(true);
      await tickUntil(s, (m) => m.mode === 'AUTONOMOUS' && m.lease === null);
    } finally {
      s.close();
    }
  });

  it('reports a viewer refusal as a notice, not an exception', async () => {
    const s = await ConsoleSession.signIn(TOKENS.eve.token, { url: srv.url, transportFactory: factory });
    const notices: string[] = [];
    s.on('notice', (n) => notices.push(n.text));
    try {
      expect(await s.run({ type: 'take_over', robot: 'arm0' })).toBe(false);
      expect(notices.join()).toContain('TKO_ERR_FORBIDDEN');
    } finally {
      s.close();
    }
  });

  it('on a stale picture, an outcome mark for its episode waits for a live frame; a hand back is refused', async () => {
    const s = await ConsoleSession.signIn(TOKENS.alice.token, { url: srv.url, transportFactory: factory });
    const notices: string[] = [];
    s.on('notice', (n) => notices.push(n.text));
    try {
      const episodeId = (await tickUntil(s, (m) => m.episode !== null)).episode!.id;
      // no tick for 400 ms: four times the two ticks after which the picture is stale
      await new Promise((r) => setTimeout(r, 400));
      expect(s.freshness('arm0').stale).toBe(true);
      const back = s.run({ type: 'hand_back', robot: 'arm0' });
      expect(await back).toBe(false);
      expect(notices.join('\n')).toMatch(/hand back: not sent: arm0 is STALE/);
      const mark = s.run({ type: 'mark_outcome', robot: 'arm0', outcome: 'failure', episodeId });
      // the link comes back 600 ms later: the mark lands, on its episode
      setTimeout(() => srv.tick(), 600);
      const ended = new Promise((resolve) => s.on('event', (e) => e.event === 'episode_end' && resolve(e.data)));
      expect(await mark).toBe(true);
      expect(await ended).toMatchObject({ episodeId, outcome: 'failure', by: 'alice' });
    } finally {
      s.close();
    }
  });

  it('rejects a bad token at sign-in', async () => {
    await expect(ConsoleSession.signIn('no-such-token-0000000', { url: srv.url, transportFactory: factory })).rejects.toThrow();
  });
});
