import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../server/control/clock.ts';
import { PolicyErrorLog } from '../../../server/control/policy-error-log.ts';
import { PolicyProposer } from '../../../server/control/policy-proposer.ts';
import type { Observation } from '../../../core/observation.ts';

describe('policy errors: counted, kept and logged rate-limited', () => {
  it('logs the first error at once, then at most one line per interval with what was not logged', () => {
    const clock = new ManualClock(0);
    const lines: string[] = [];
    const log = new PolicyErrorLog(clock, (m) => lines.push(m), 10);
    for (let i = 1; i <= 400; i++) {
      log.report(`boom ${i}`, i);
      clock.advance(0.05);
    }
    // 400 errors over 20 s: at 0 s, 10 s and 20 s would be three; the last report is at 19.95 s
    expect(lines).toEqual(['policy error (1 so far): boom 1', 'policy error (201 so far; 199 more since the last line): boom 201']);
  });

  it('the proposer counts a throw, keeps its message and hands it on (the tick holds)', () => {
    const clock = new ManualClock(0);
    const seen: Array<[string, number]> = [];
    const p = new PolicyProposer(clock, 0.025, (m, n) => seen.push([m, n]));
    const policy = { name: 'p', version: 'v7', propose: () => { throw new Error("observation has no object 'cube' (it has: none)"); } };
    expect(p.propose(policy, {} as Observation)).toBeNull();
    expect(p.propose(policy, {} as Observation)).toBeNull();
    expect(p.policyErrors).toBe(2);
    expect(p.lastPolicyError).toBe("policy 'v7': observation has no object 'cube' (it has: none)");
    expect(seen).toEqual([[p.lastPolicyError, 1], [p.lastPolicyError, 2]]);
  });
});
