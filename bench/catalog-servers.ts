// The catalog bench's second part: two real `takeover serve` processes, 16 sim robots each at
// 50 Hz with 1 s episodes, on SQLite (each its own file) or on one PostgreSQL; their control
// threads' own tick jitter, read from GET /api/status over the same window.
import { join } from 'node:path';
import { ServerProc } from './overload-server.ts';

/** What the two servers' control threads measured over the window. */
export interface ServerFigures {
  label: string;
  /** episodes begun over the window, both servers */
  episodes: number;
  jitterP99Worst: number;
  jitterP999Worst: number;
  jitterMaxWorst: number;
  overruns: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs both servers for a warm-up and a `seconds` window; `database`: a PostgreSQL URL, or null for SQLite. */
export async function serverFigures(label: string, dir: string, database: string | null, servers: number, robots: number, hz: number, seconds: number): Promise<ServerFigures> {
  const procs = await Promise.all(Array.from({ length: servers }, (_, s) => ServerProc.start(join(dir, `${label}-s${s}`), robots, hz, {
    serverId: `${label}-s${s}`, ...(database ? { database } : {}),
    // 1 s episodes: one catalog insert and one finish a second per robot, the catalog's worst case
    robots: Array.from({ length: robots }, (_, i) => ({ id: `arm${i}`, kind: 'sim', task: 'place', policy: 'expert', seed: 1000 * i, stepLimit: hz })),
  })));
  try {
    await sleep(10_000);
    const begun = async () => (await Promise.all(procs.map((p) => p.status()))).map((r) => r?.status.robots.reduce((a, x) => a + (x.episode?.index ?? 0), 0) ?? 0);
    const before = await begun();
    await Promise.all(procs.map((p) => p.resetFigures()));
    await sleep(seconds * 1000);
    const reads = await Promise.all(procs.map((p) => p.status()));
    const after = await begun();
    const rs = reads.flatMap((r) => r?.status.robots ?? []);
    const worst = (k: 'jitterP99Ms' | 'jitterP999Ms' | 'jitterMaxMs') => Math.max(...rs.map((x) => x[k] ?? NaN));
    return {
      label, episodes: after.reduce((a, n, i) => a + n - before[i], 0),
      jitterP99Worst: worst('jitterP99Ms'), jitterP999Worst: worst('jitterP999Ms'), jitterMaxWorst: worst('jitterMaxMs'),
      overruns: reads.reduce((a, r) => a + (r?.status.schedulerOverruns ?? 0), 0),
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
  }
}
