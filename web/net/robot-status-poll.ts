import type { HelpScores } from '../../protocol/messages.ts';

/** What the robot view reads from a robot's REST status. */
export interface PolledStatus extends HelpScores {
  /** seconds of the current episode a rewind can still reach */
  horizonS: number;
}

const numOrNull = (x: unknown) => (typeof x === 'number' ? x : null);

/**
 * Polls a robot's status (`status` of GET /api/robots/:id: the rewind horizon and the policy's
 * two help scores) every `everyMs`; failures leave the last value. Returns a stop function.
 */
export function pollRobotStatus(token: string, robotId: string, onStatus: (s: PolledStatus) => void, everyMs = 1000): () => void {
  let stopped = false;
  const once = async () => {
    try {
      const res = await fetch(`/api/robots/${encodeURIComponent(robotId)}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) return;
      const body = (await res.json()) as { status?: { rewind?: { horizonS?: unknown }; helpScore?: unknown; helpEnsembleScore?: unknown; helpRiskScore?: unknown } };
      const s = body.status;
      if (stopped || typeof s?.rewind?.horizonS !== 'number') return;
      onStatus({ horizonS: s.rewind.horizonS, helpScore: numOrNull(s.helpScore), helpEnsembleScore: numOrNull(s.helpEnsembleScore), helpRiskScore: numOrNull(s.helpRiskScore) });
    } catch {
      // the socket shows connection trouble; the view keeps the last values
    }
  };
  void once();
  const timer = setInterval(() => void once(), everyMs);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
