import type { ConsoleSession } from '../app/console-session.ts';

/** What a fleet-wide command achieved: robots that acknowledged, and those that refused or did not answer. */
export interface FleetCommandResult {
  acked: string[];
  failed: Array<{ robot: string; message: string }>;
}

/**
 * Sends one command per robot, all at once, and waits for every answer: each robot's e-stop (or
 * pause) is acknowledged on its own, so a refusal or a silence names the robot. Goes out even on
 * a stale picture: both only hold the arms.
 */
export async function commandFleet(session: ConsoleSession, type: 'estop' | 'pause', robots: readonly string[]): Promise<FleetCommandResult> {
  const answers = await Promise.allSettled(robots.map((robot) => session.client.command({ type, robot })));
  const out: FleetCommandResult = { acked: [], failed: [] };
  answers.forEach((a, i) => {
    if (a.status === 'fulfilled') out.acked.push(robots[i]);
    else out.failed.push({ robot: robots[i], message: (a.reason as Error).message });
  });
  return out;
}
