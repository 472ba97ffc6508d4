import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Benchmark } from './run.ts';
import { fmt, percentile } from './percentiles.ts';
import { openPgPool } from '../database/pg-pool.ts';
import type { ServerCatalog } from '../recordings/catalog.ts';
import { CatalogWriteQueue } from '../recordings/catalog-write-queue.ts';
import { PgCatalog } from '../recordings/pg-catalog.ts';
import { SqliteCatalog } from '../recordings/sqlite-catalog.ts';
import { startTestPg } from '../test/database/embedded-pg.ts';
import { serverFigures } from './catalog-servers.ts';

const SERVERS = 2;
const ROBOTS = 16;
const HZ = 50;
const EPISODE_STEPS = 50; // a 1 s episode: the catalog's worst case (one insert and one finish a second per robot)

interface Figures { label: string; episodes: number; steps: number; writesPerS: number; lagP99: number; jitterP50: number; jitterP99: number; jitterMax: number }

/**
 * 2 servers x 16 robots at 50 Hz: each robot's episode bookkeeping (insert at the start, finish
 * with its step counts at the end) goes through the server's write queue, as the recorder's does,
 * while a 50 Hz timer on the same thread measures how late it fires (the tick's jitter if the
 * database were on its path; the control loops run on their own thread).
 */
async function run(label: string, catalogs: ServerCatalog[] | null, seconds: number): Promise<Figures> {
  const queues = catalogs?.map((c) => new CatalogWriteQueue(c)) ?? [];
  const lags: number[] = [];
  const late: number[] = [];
  let episodes = 0;
  let steps = 0;
  let writes = 0;
  let tick = 0;
  const open = new Map<string, number>();
  const t0 = performance.now();
  await new Promise<void>((done) => {
    const period = 1000 / HZ;
    const next = () => {
      const due = t0 + ++tick * period;
      setTimeout(() => {
        late.push(performance.now() - due);
        for (let s = 0; s < queues.length; s++) {
          for (let r = 0; r < ROBOTS; r++) {
            const key = `${s}-${r}`;
            const step = (tick + r) % EPISODE_STEPS; // robots out of phase
            const q = queues[s];
            if (step === 0) {
              const prev = open.get(key);
              if (prev !== undefined) {
                const at = performance.now();
                void q.finish(`${label}-${key}-${prev}`, { endedAt: Date.now(), outcome: 'success', steps: EPISODE_STEPS, interventionCount: 0, interventionSteps: 0, interventionOnsets: [], operators: [], droppedSteps: 0, bytes: 1000, status: 'complete' })
                  .then(() => (lags.push(performance.now() - at), writes++, episodes++, (steps += EPISODE_STEPS)));
              }
              open.set(key, tick);
              const at = performance.now();
              void q.insert({ id: `${label}-${key}-${tick}`, robotId: `arm${r}`, task: 'place', seed: tick, policyVersion: 'v1', kind: 'policy', startedAt: Date.now(), file: `episodes/${key}-${tick}.mcap` })
                .then(() => (lags.push(performance.now() - at), writes++));
            }
          }
        }
        if (performance.now() - t0 < seconds * 1000) next();
        else done();
      }, Math.max(0, due - performance.now()));
    };
    next();
  });
  await Promise.all(queues.map((q) => q.drain(30_000)));
  const elapsed = (performance.now() - t0) / 1000;
  return {
    label, episodes, steps, writesPerS: writes / elapsed, lagP99: lags.length ? percentile(lags, 99) : 0,
    jitterP50: percentile(late, 50), jitterP99: percentile(late, 99), jitterMax: Math.max(...late),
  };
}

export const catalogBench: Benchmark = {
  name: 'catalog',
  summary: `episode bookkeeping of ${SERVERS} servers x ${ROBOTS} robots at ${HZ} Hz: SQLite vs PostgreSQL (embedded), and the 50 Hz timer's lateness beside it`,
  async run(args) {
    const seconds = Number(args.find((a) => a.startsWith('--seconds='))?.slice(10) ?? 10);
    const dir = mkdtempSync(join(tmpdir(), 'tko-bench-cat-'));
    const pg = await startTestPg();
    try {
      const rows: Figures[] = [];
      rows.push(await run('none', null, seconds));
      const sqlite = Array.from({ length: SERVERS }, (_, s) => new SqliteCatalog(join(dir, `s${s}.sqlite`), { serverId: `s${s}` }));
      rows.push(await run('sqlite', sqlite, seconds));
      await Promise.all(sqlite.map((c) => c.close()));
      const url = await pg.newDatabase();
      const pgs = await Promise.all(Array.from({ length: SERVERS }, (_, s) => PgCatalog.open(openPgPool(url), { serverId: `s${s}` }, true)));
      rows.push(await run('postgres', pgs, seconds));
      await Promise.all(pgs.map((c) => c.close()));
      const out = args.includes('--json') ? (s: string) => process.stderr.write(s) : (s: string) => process.stdout.write(s);
      out(`catalog   episodes  steps    writes/s  write p99 ms  timer late p50/p99/max ms\n`);
      for (const r of rows) {
        out(`${r.label.padEnd(9)} ${String(r.episodes).padStart(8)} ${String(r.steps).padStart(6)} ${fmt(r.writesPerS).padStart(9)} ${fmt(r.lagP99).padStart(13)}  ${fmt(r.jitterP50)}/${fmt(r.jitterP99)}/${fmt(r.jitterMax)}\n`);
      }
      // the same bookkeeping from real servers: their control threads' jitter, SQLite against PostgreSQL
      const procs = [await serverFigures('sqlite', dir, null, SERVERS, ROBOTS, HZ, seconds), await serverFigures('postgres', dir, await pg.newDatabase(), SERVERS, ROBOTS, HZ, seconds)];
      out(`\n${SERVERS} \`takeover serve\` processes x ${ROBOTS} sim robots at ${HZ} Hz, 1 s episodes, ${seconds} s window after 10 s: the control threads' tick jitter, worst of ${SERVERS * ROBOTS} robots (GET /api/status)\n`);
      out(`catalog   episodes begun  jitter p99/p99.9/max ms  overruns\n`);
      for (const r of procs) out(`${r.label.padEnd(9)} ${String(r.episodes).padStart(14)}  ${fmt(r.jitterP99Worst)}/${fmt(r.jitterP999Worst)}/${fmt(r.jitterMaxWorst)}  ${r.overruns}\n`);
      out(`postgres / sqlite: jitter p99 x${fmt(procs[1].jitterP99Worst / procs[0].jitterP99Worst)}, p99.9 x${fmt(procs[1].jitterP999Worst / procs[0].jitterP999Worst)}\n`);
      if (args.includes('--json')) process.stdout.write(JSON.stringify({ servers: SERVERS, robots: ROBOTS, hz: HZ, seconds, rows, serverRows: procs }) + '\n');
    } finally {
      await pg.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
