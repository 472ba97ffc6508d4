import { afterEach, describe, expect, it, vi } from 'vitest';
import { pollRobotStatus, type PolledStatus } from '../../../web/net/robot-status-poll.ts';
import { helpScoresText } from '../../../web/ui/control-panel.ts';

afterEach(() => vi.unstubAllGlobals());

/** Stubs fetch with GET /api/robots/:id answering `body`; returns the URLs asked for. */
function answer(body: unknown): string[] {
  const urls: string[] = [];
  vi.stubGlobal('fetch', async (url: string) => {
    urls.push(url);
    return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  return urls;
}

async function firstPoll(): Promise<PolledStatus> {
  return new Promise<PolledStatus>((resolve) => {
    const stop = pollRobotStatus('tok', 'arm 0', (s) => {
      stop();
      resolve(s);
    }, 60_000);
  });
}

describe('the robot view status poll', () => {
  it("reads the horizon and the help scores from the answer's status block", async () => {
    const urls = answer({ info: { id: 'arm 0' }, status: { rewind: { horizonS: 4.5, bytes: 1, exact: true }, helpScore: 0.41, helpEnsembleScore: 0.12, helpRiskScore: 0.9 } });
    expect(await firstPoll()).toEqual({ horizonS: 4.5, helpScore: 0.41, helpEnsembleScore: 0.12, helpRiskScore: 0.9 });
    expect(urls).toEqual(['/api/robots/arm%200']);
  });

  it('a version without an ensemble or a failure-risk model: those scores are null', async () => {
    answer({ info: {}, status: { rewind: { horizonS: 0 }, helpScore: 0.3, helpEnsembleScore: null } });
    expect(await firstPoll()).toEqual({ horizonS: 0, helpScore: 0.3, helpEnsembleScore: null, helpRiskScore: null });
  });
});

describe('help scores in the robot panel', () => {
  it('shows novelty / ensemble, a dash for the one a version lacks', () => {
    expect(helpScoresText(null)).toBe('–');
    expect(helpScoresText({ helpScore: null, helpEnsembleScore: null })).toBe('–');
    expect(helpScoresText({ helpScore: 0.4123, helpEnsembleScore: 0.1 })).toBe('0.412 / 0.100');
    expect(helpScoresText({ helpScore: 0.4123, helpEnsembleScore: null })).toBe('0.412 / –');
    // a version with a failure-risk model shows it third
    expect(helpScoresText({ helpScore: 0.4123, helpEnsembleScore: 0.1, helpRiskScore: 0.95 })).toBe('0.412 / 0.100 / risk 0.950');
    expect(helpScoresText({ helpScore: null, helpEnsembleScore: null, helpRiskScore: 0.5 })).toBe('– / – / risk 0.500');
    expect(helpScoresText({ helpScore: 0.4123, helpEnsembleScore: 0.1, helpRiskScore: null })).toBe('0.412 / 0.100');
  });
});
